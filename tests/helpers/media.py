"""Media for the tests: the committed fixtures (tests/fixtures, described in its
README) with what each must come out as, and small images made on the spot."""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# name -> (mime, displayed size) of the committed images
IMAGES = {
    "sample.jpg": ("image/jpeg", {"width": 64, "height": 48}),
    "orientation-6.jpg": ("image/jpeg", {"width": 60, "height": 80}),  # stored 80x60
    "orientation-8.jpg": ("image/jpeg", {"width": 40, "height": 96}),  # stored 96x40
    "orientation-3.jpg": ("image/jpeg", {"width": 70, "height": 50}),  # upside down: no swap
    "cmyk.jpg": ("image/jpeg", {"width": 40, "height": 30}),
    "metadata-segments.jpg": ("image/jpeg", {"width": 88, "height": 66}),  # ICC, Photoshop APP13, XMP
    "motion-photo-v1.jpg": ("image/jpeg", {"width": 72, "height": 54}),
    "motion-photo-v2.jpg": ("image/jpeg", {"width": 44, "height": 60}),  # stored 60x44, orientation 6
    "sample.png": ("image/png", {"width": 50, "height": 40}),
    "rgb16.png": ("image/png", {"width": 36, "height": 28}),
    "palette.png": ("image/png", {"width": 44, "height": 22}),
    "transparent.png": ("image/png", {"width": 34, "height": 26}),
    "sample.gif": ("image/gif", {"width": 32, "height": 20}),
    "animated.gif": ("image/gif", {"width": 40, "height": 24}),
}


def _video(mime: str, size: str, seconds: float, video: str, audio: str | None) -> tuple[str, dict[str, Any]]:
    width, height = (int(side) for side in size.split("x"))
    metadata = {"width": width, "height": height, "duration": seconds, "video_codec": video, "audio_codec": audio}
    return mime, metadata


MP4, MOV, WEBM, AVI, WMV, FLV = (
    "video/mp4",
    "video/quicktime",
    "video/webm",
    "video/x-msvideo",
    "video/x-ms-wmv",
    "video/x-flv",
)
# name -> (mime, metadata) of the committed videos: displayed size, duration, codecs
VIDEOS = {
    "sample.mp4": _video(MP4, "64x48", 2.0, "h264", "aac"),
    "sample.mov": _video(MOV, "48x64", 1.5, "h264", None),
    "sample.webm": _video(WEBM, "80x60", 1.2, "vp8", None),
    "sample.avi": _video(AVI, "96x72", 0.8, "mpeg4", None),
    "sample.wmv": _video(WMV, "64x32", 1.0, "wmv", None),
    "sample.flv": _video(FLV, "112x64", 0.5, "flv", None),
    "rotated-90.mp4": _video(MP4, "36x64", 1.0, "h264", None),  # stored 64x36
    "rotated-270.mov": _video(MOV, "48x80", 0.7, "h264", None),  # stored 80x48
    "fragmented.mp4": _video(MP4, "56x40", 2.4, "h264", "aac"),
    "fragmented-first-in-moov.mp4": _video(MP4, "48x40", 2.2, "h264", None),
    # one file per codec pair
    "hevc-rotated-90.mov": _video(MOV, "40x72", 0.6, "hevc", "aac"),  # stored 72x40, as a phone held upright
    "vp9-opus.webm": _video(WEBM, "88x48", 0.608, "vp9", "opus"),
    "vp8-vorbis.webm": _video(WEBM, "80x44", 0.632, "vp8", "vorbis"),
    "av1-opus.mp4": _video(MP4, "64x40", 0.5, "av1", "opus"),
    "h264-mp3.mp4": _video(MP4, "40x32", 0.5, "h264", "mp3"),
    "two-audio.mp4": _video(MP4, "56x32", 0.507, "h264", "aac"),  # AAC then AC-3: the first is named
    "mpeg4-mp3.avi": _video(AVI, "80x48", 0.8, "mpeg4", "mp3"),
    "h264-pcm.avi": _video(AVI, "32x24", 0.4, "h264", "pcm"),
    "wmv2-wma.wmv": _video(WMV, "64x48", 0.664, "wmv", "wma"),
    "h264-aac.flv": _video(FLV, "64x36", 0.8, "h264", "aac"),
    "flv1-mp3.flv": _video(FLV, "48x32", 0.7, "flv", "mp3"),
}


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def png_bytes(width: int = 32, height: int = 24, color: str = "red") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


@functools.lru_cache(maxsize=256)
def image_bytes(fmt: str, width: int, height: int, color: str = "teal") -> bytes:
    """A small real image (PNG, GIF or JPEG), cached: the same arguments give the same bytes."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, fmt)
    return out.getvalue()
