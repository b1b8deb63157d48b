"""Reading a source with PyAV: opening it, what it holds, and how it is meant to be shown.

PyAV is imported inside the functions: this package is importable where PyAV is not
installed (the API function does not ship it).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.derivatives.frames import colour_matrix
from chalicelib.derivatives.results import DerivativeError


@dataclass(frozen=True)
class VideoFacts:
    """What the planner needs, read from the file itself (not trusted from a record)."""

    duration: float  # seconds
    width: int  # as displayed: rotation applied
    height: int
    fps: float | None
    has_audio: bool
    rotation: int  # degrees clockwise the stored picture turns to be shown upright
    video_codec: str
    audio_codec: str | None
    colour_matrix: int  # how its YUV pixels are to be read (frames.colour_matrix)


@contextmanager
def decoding(what: str) -> Iterator[None]:
    """Turn the library's errors into a DerivativeError whose reason a person can read."""
    import av

    try:
        yield
    except DerivativeError:
        raise
    except av.error.FFmpegError as exc:
        detail = (exc.strerror or type(exc).__name__).rstrip(".")
        raise DerivativeError(f"the {what} could not be read ({detail}): it may be damaged") from exc
    except (ValueError, EOFError, IndexError, StopIteration) as exc:
        raise DerivativeError(f"the {what} could not be read: it may be damaged or incomplete") from exc


def open_source(path: Path | str) -> Any:
    """The source, open for reading (an ``av.container.InputContainer``)."""
    import av

    with decoding("video"):
        return av.open(str(path), metadata_errors="ignore")


def clockwise(frame: Any) -> int:
    """Degrees clockwise ``frame`` must turn to be shown upright (0, 90, 180 or 270).

    FFmpeg's display matrix angle is counterclockwise (``av_display_rotation_get``); a phone
    held upright writes -90 there, which tools such as exiftool show as "Rotation: 90".
    """
    return int(round(-frame.rotation / 90)) * 90 % 360


def check_deadline(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() >= deadline:
        raise DerivativeError("the conversion ran out of time (the file is too long to convert in one run)")


def read_video_facts(path: Path | str) -> VideoFacts:
    """Duration, displayed size, frame rate, audio and codecs of the video at ``path``
    (decodes its first frame only, for the rotation)."""
    with decoding("video"), open_source(path) as source:
        if not source.streams.video:
            raise DerivativeError("the file holds no video stream")
        stream = source.streams.video[0]
        audio = source.streams.audio[0] if source.streams.audio else None
        first = next(source.decode(stream))
        rotation = clockwise(first)
        width, height = displayed_size(first.width, first.height, stream.codec_context.sample_aspect_ratio, rotation)
        rate = stream.average_rate or stream.guessed_rate
        return VideoFacts(
            duration=duration_of(source),
            width=width,
            height=height,
            fps=float(rate) if rate else None,
            has_audio=audio is not None,
            rotation=rotation,
            video_codec=stream.codec_context.codec.canonical_name,
            audio_codec=audio.codec_context.codec.canonical_name if audio is not None else None,
            colour_matrix=colour_matrix(first),
        )


def duration_of(source: Any) -> float:
    """The container's duration in seconds, else its longest stream's."""
    if source.duration:
        return float(source.duration) / 1_000_000
    longest = 0.0
    for stream in source.streams:
        if stream.duration and stream.time_base:
            longest = max(longest, float(stream.duration * stream.time_base))
    if longest <= 0:
        raise DerivativeError("the video's duration cannot be read")
    return longest


def displayed_size(width: int, height: int, sample_aspect: Any, rotation: int) -> tuple[int, int]:
    """The stored picture's size as shown: non-square pixels widened, a quarter turn swapped."""
    if sample_aspect and sample_aspect.numerator and float(sample_aspect) != 1.0:
        width = int(round(width * float(sample_aspect)))
    return (height, width) if rotation in (90, 270) else (width, height)
