"""Checks and makers shared by the derivatives engine's tests: what a rendition every
channel plays looks like when opened again, pixels read back, small videos made here."""

from __future__ import annotations

import struct
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
from av.video.stream import VideoStream
from PIL import Image

from chalicelib.derivatives.plans import TARGET_BYTES

RED, BLUE, ORANGE, LIME = (255, 0, 0), (0, 0, 255), (255, 165, 0), (0, 255, 0)


def top_level_boxes(data: bytes) -> list[bytes]:
    kinds, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            (size,) = struct.unpack(">Q", data[offset + 8 : offset + 16])
        kinds.append(kind)
        offset += size if size else len(data)
    return kinds


def assert_plays_everywhere(path: Path, *, audio: bool, duration: float) -> list[Any]:
    """MP4, H.264 yuv420p, AAC or no audio, moov before mdat, no turn left, <= 30 fps,
    the source's duration, within 16 MB. Returns the decoded frames (small files only)."""
    data = path.read_bytes()
    assert len(data) <= TARGET_BYTES
    kinds = top_level_boxes(data)
    assert kinds[0] == b"ftyp" and kinds.index(b"moov") < kinds.index(b"mdat"), kinds
    with av.open(str(path)) as made:
        assert "mp4" in made.format.name
        video = made.streams.video[0]
        assert video.codec_context.name == "h264" and video.codec_context.pix_fmt == "yuv420p"
        assert [s.codec_context.name for s in made.streams.audio] == (["aac"] if audio else [])
        if audio:
            assert made.streams.audio[0].codec_context.profile == "LC"
        assert abs(float(made.duration or 0) / 1_000_000 - duration) <= 0.2
        frames = list(made.decode(video))
    assert all(frame.rotation == 0 for frame in frames)
    assert len(frames) <= 30 * duration + 1
    assert video.codec_context.width % 2 == 0 and video.codec_context.height % 2 == 0
    return frames


def pixel(image: Image.Image, x: int, y: int) -> tuple[int, ...]:
    value = image.getpixel((x, y))
    assert isinstance(value, tuple)
    return value


def colour_at(frame: Any, x: float, y: float) -> tuple[int, ...]:
    image = frame.to_image()
    return pixel(image, int(x * (image.width - 1)), int(y * (image.height - 1)))


def near(colour: tuple[int, ...], expected: tuple[int, int, int], tolerance: int = 48) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def write_h264(path: Path, pictures: Iterable[Image.Image], size: tuple[int, int], fps: int = 10) -> Path:
    """A small H.264 MP4 made here from ``pictures``, ``fps`` a second."""
    with av.open(str(path), "w") as out:
        stream = cast(VideoStream, out.add_stream("libx264", rate=fps))
        stream.width, stream.height, stream.pix_fmt = *size, "yuv420p"
        stream.codec_context.options = {"crf": "18", "preset": "ultrafast"}
        for index, picture in enumerate(pictures):
            frame = av.VideoFrame.from_image(picture)
            frame.pts, frame.time_base = index, Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path
