"""Videos: the file checked to its end, displayed width/height, duration and codecs.

Every container is first walked to its end by its own headers (ISO BMFF
boxes, Matroska elements, RIFF chunks, ASF objects, FLV tags): a file cut
short is ``corrupt_file``, one with something appended is
``trailing_data``, as for images. The same walk finds the headers that
declare the streams, which give ``video_codec`` / ``audio_codec`` and the
number of audio streams.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta

from chalicelib.domain.traits import Traits
from chalicelib.probe import containers
from chalicelib.probe.asf import read_wmv
from chalicelib.probe.flv import read_flv
from chalicelib.probe.fragments import fragmented_duration
from chalicelib.probe.isobmff import find_movie, top_level
from chalicelib.probe.matroska import read_webm
from chalicelib.probe.reader import VIDEO_READ_BUDGET, BudgetedReader
from chalicelib.probe.refusals import no_video_stream
from chalicelib.probe.riff import read_avi
from chalicelib.probe.streams import Streams

Metadata = dict[str, int | float | str | None]

_ISO_BMFF = frozenset({"video/mp4", "video/quicktime"})
_STREAMS: dict[str, Callable[[BudgetedReader], Streams | None]] = {
    "video/webm": read_webm,
    "video/x-msvideo": read_avi,
    "video/x-ms-wmv": read_wmv,
    "video/x-flv": read_flv,
}


def video_metadata(reader: BudgetedReader, mime: str) -> tuple[Metadata | None, Traits]:
    """``{"width", "height", "duration", "video_codec", "audio_codec"}`` with the keys that could be
    read (None if none), and the number of audio streams.

    Refused: files cut short or with data after their end (see the module
    docstring), and containers whose stream list WAS read and holds no
    video stream (an audio-only MP4, WMA in a .wmv): ``no_video_stream``.
    A video whose headers cannot be read otherwise is still accepted (its
    type was sniffed and its structure holds), with fewer keys.
    """
    reader.budget = VIDEO_READ_BUDGET
    if mime in _ISO_BMFF:
        found, streams = _movie_metadata(reader)
    else:
        found, streams = _container_metadata(reader, mime)
    if streams is not None:
        found.update(streams.codec_keys())
    traits = Traits(audio_tracks=streams.audio_tracks if streams is not None else 0)
    return found or None, traits


def _movie_metadata(reader: BudgetedReader) -> tuple[Metadata, Streams | None]:
    with reader.walking():
        movie, top = find_movie(reader, top_level(reader))
    if movie is None:
        return {}, None
    video = movie.video()
    if video is None:
        raise no_video_stream()
    found: Metadata = {}
    if video.width > 0 and video.height > 0:
        # The display matrix turns a phone's portrait video a quarter: it is
        # shown (and reported) with width and height swapped.
        width, height = (video.height, video.width) if video.quarter_turn else (video.width, video.height)
        found.update(width=width, height=height)
    if movie.fragmented:
        seconds = fragmented_duration(reader, movie, top)
    else:
        seconds = movie.duration / movie.timescale if movie.timescale and movie.duration else None
    if seconds is not None and math.isfinite(seconds):
        found["duration"] = round(seconds, 3)
    return found, movie.streams()


def _container_metadata(reader: BudgetedReader, mime: str) -> tuple[Metadata, Streams | None]:
    streams = _STREAMS[mime](reader)
    if streams is not None and not streams.video:
        raise no_video_stream()
    metadata = containers.parse(reader, mime)
    if reader.source_error is not None:
        raise reader.source_error
    found: Metadata = {}
    if metadata is None:
        return found, streams
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
    return found, streams


def _value(group: object, key: str) -> int | float | None:
    """First plausible value of ``key``: positive size, finite duration."""
    item = group.getItem(key, 0)  # type: ignore[attr-defined]
    value = None if item is None else item.value
    if key == "duration":
        seconds = value.total_seconds() if isinstance(value, timedelta) else -1.0
        return round(seconds, 3) if seconds >= 0 else None
    plausible = isinstance(value, (int, float)) and math.isfinite(value) and 0 < value < 1 << 20
    return int(value) if plausible and value is not None else None
