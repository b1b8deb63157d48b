"""Media for the tests: the committed fixtures (tests/fixtures, described in its
README) with what each must come out as, and small images made on the spot."""

from __future__ import annotations

import functools
import io
from pathlib import Path

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
# name -> (mime, metadata) of the committed videos
VIDEOS = {
    "sample.mp4": ("video/mp4", {"width": 64, "height": 48, "duration": 2.0}),
    "sample.mov": ("video/quicktime", {"width": 48, "height": 64, "duration": 1.5}),
    "sample.webm": ("video/webm", {"width": 80, "height": 60, "duration": 1.2}),
    "sample.avi": ("video/x-msvideo", {"width": 96, "height": 72, "duration": 0.8}),
    "sample.wmv": ("video/x-ms-wmv", {"width": 64, "height": 32, "duration": 1.0}),
    "sample.flv": ("video/x-flv", {"width": 112, "height": 64, "duration": 0.5}),
    "rotated-90.mp4": ("video/mp4", {"width": 36, "height": 64, "duration": 1.0}),  # stored 64x36
    "rotated-270.mov": ("video/quicktime", {"width": 48, "height": 80, "duration": 0.7}),  # stored 80x48
    "fragmented.mp4": ("video/mp4", {"width": 56, "height": 40, "duration": 2.4}),
    "fragmented-first-in-moov.mp4": ("video/mp4", {"width": 48, "height": 40, "duration": 2.2}),
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
