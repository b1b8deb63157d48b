"""Videos: displayed width/height and duration, and refusal of files without a video stream."""

from __future__ import annotations

import math
from datetime import timedelta

from chalicelib.probe import containers
from chalicelib.probe.fragments import fragmented_duration
from chalicelib.probe.isobmff import find_movie
from chalicelib.probe.reader import VIDEO_READ_BUDGET, BudgetedReader, BudgetExceeded
from chalicelib.probe.refusals import no_video_stream

_ISO_BMFF = frozenset({"video/mp4", "video/quicktime"})


def video_metadata(reader: BudgetedReader, mime: str) -> dict[str, int | float] | None:
    """``{"width", "height", "duration"}`` with the keys that could be read; None if none.

    A video whose metadata cannot be read is still accepted (its type was
    sniffed), so unreadable or malformed headers degrade to fewer keys. But a
    container whose stream list WAS read and holds no video stream (an
    audio-only MP4, WMA in a .wmv) is refused: ``no_video_stream``.
    """
    reader.budget = VIDEO_READ_BUDGET
    found = _movie_metadata(reader) if mime in _ISO_BMFF else _hachoir_metadata(reader, mime)
    return found or None


def _movie_metadata(reader: BudgetedReader) -> dict[str, int | float]:
    try:
        movie = find_movie(reader)
    except BudgetExceeded:
        movie = None
    if movie is None:
        return {}
    video = movie.video()
    if video is None:
        raise no_video_stream()
    found: dict[str, int | float] = {}
    if video.width > 0 and video.height > 0:
        # The display matrix turns a phone's portrait video a quarter: it is
        # shown (and reported) with width and height swapped.
        width, height = (video.height, video.width) if video.quarter_turn else (video.width, video.height)
        found.update(width=width, height=height)
    if movie.fragmented:
        seconds = fragmented_duration(reader, movie)
    else:
        seconds = movie.duration / movie.timescale if movie.timescale and movie.duration else None
    if seconds is not None and math.isfinite(seconds):
        found["duration"] = round(seconds, 3)
    return found


def _hachoir_metadata(reader: BudgetedReader, mime: str) -> dict[str, int | float]:
    parser, metadata = containers.parse(reader, mime)
    if reader.source_error is not None:
        raise reader.source_error
    if containers.has_video(reader, mime, parser) is False:
        raise no_video_stream()
    if metadata is None:
        return {}
    found: dict[str, int | float] = {}
    # Container-level values first, then per-stream groups (MKV and ASF keep
    # width/height in a "Video stream" group). Width and height are taken
    # as a pair from one group so they never mix two streams.
    for group in [metadata, *getattr(metadata, "iterGroups", lambda: [])()]:
        width, height = _value(group, "width"), _value(group, "height")
        if "width" not in found and width is not None and height is not None:
            found.update(width=width, height=height)
        duration = _value(group, "duration")
        if "duration" not in found and duration is not None:
            found["duration"] = duration
    return found


def _value(group: object, key: str) -> int | float | None:
    """First plausible value of ``key``: positive size, finite duration."""
    item = group.getItem(key, 0)  # type: ignore[attr-defined]
    value = None if item is None else item.value
    if key == "duration":
        seconds = value.total_seconds() if isinstance(value, timedelta) else -1.0
        return round(seconds, 3) if seconds >= 0 else None
    plausible = isinstance(value, (int, float)) and math.isfinite(value) and 0 < value < 1 << 20
    return int(value) if plausible and value is not None else None
