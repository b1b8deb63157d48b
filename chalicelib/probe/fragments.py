"""The duration of a fragmented MP4 (``-movflags frag_keyframe+empty_moov``, DASH, browsers).

Its moov describes no samples (or only the first fragment's), so mvhd's
duration is 0 or too short. In order of cost:

1. ``mvex/mehd``, the whole duration, when the writer knew it.
2. The last ``moof``: its ``tfdt`` (decode time of its first sample) plus
   its ``trun`` sample durations (or the ``tfhd``/``trex`` defaults), in
   the track's timescale. The walk that checks the top-level boxes tile the
   file (``isobmff.top_level``) has already found it, so no index (``mfra``)
   is needed, and a broken one does not matter.
"""

from __future__ import annotations

import struct

from chalicelib.probe.isobmff import Malformed, Movie, TopBox, boxes
from chalicelib.probe.reader import BudgetedReader, BudgetExceeded


def fragmented_duration(reader: BudgetedReader, movie: Movie, top: list[TopBox]) -> float | None:
    """Seconds, or None when neither mehd nor the last fragment tells."""
    if movie.fragment_duration and movie.timescale:
        return movie.fragment_duration / movie.timescale
    last = next((box for box in reversed(top) if box.kind == b"moof"), None)
    if last is None:
        return None
    try:
        return _moof_end_time(reader, movie, last.body, last.end)
    except (Malformed, BudgetExceeded):
        return None


def _moof_end_time(reader: BudgetedReader, movie: Movie, start: int, end: int) -> float | None:
    """When the fragment's video (else its longest track) ends, in seconds."""
    ends: dict[int, float] = {}
    for kind, body, stop in boxes(reader, start, end):
        if kind == b"traf":
            track_id, seconds = _traf_end_time(reader, movie, body, stop)
            if seconds is not None:
                ends[track_id] = seconds
    video = movie.video()
    if video is not None and video.track_id in ends:
        return ends[video.track_id]
    return max(ends.values(), default=None)


def _traf_end_time(reader: BudgetedReader, movie: Movie, start: int, end: int) -> tuple[int, float | None]:
    track_id, default, base, total = 0, None, None, 0
    for kind, body, stop in boxes(reader, start, end):
        data = reader.read_at(body, stop - body) if kind in (b"tfhd", b"tfdt", b"trun") else b""
        if kind == b"tfhd" and len(data) >= 8:
            track_id, default = _fragment_header(data)
        elif kind == b"tfdt" and len(data) >= 8:
            base = struct.unpack_from(">Q" if data[0] == 1 else ">I", data, 4)[0]
        elif kind == b"trun":
            fallback = default if default is not None else movie.default_durations.get(track_id, 0)
            total += _run_duration(data, fallback)
    track = movie.track(track_id)
    if base is None or track is None or not track.timescale:
        return track_id, None
    return track_id, (base + total) / track.timescale


def _fragment_header(data: bytes) -> tuple[int, int | None]:
    """tfhd: (track id, default sample duration if given)."""
    flags = int.from_bytes(data[1:4], "big")
    track_id = struct.unpack_from(">I", data, 4)[0]
    if not flags & 0x08:
        return track_id, None
    offset = 8 + (8 if flags & 0x01 else 0) + (4 if flags & 0x02 else 0)
    return track_id, struct.unpack_from(">I", data, offset)[0] if len(data) >= offset + 4 else None


def _run_duration(data: bytes, default: int) -> int:
    """Sum of a trun box's sample durations (each ``default`` when not listed)."""
    if len(data) < 8:
        return 0
    flags, count = int.from_bytes(data[1:4], "big"), struct.unpack_from(">I", data, 4)[0]
    if not flags & 0x100:
        return count * default
    first = 8 + (4 if flags & 0x001 else 0) + (4 if flags & 0x004 else 0)
    entry = 4 * sum(1 for bit in (0x100, 0x200, 0x400, 0x800) if flags & bit)
    count = min(count, (len(data) - first) // entry)
    return sum(struct.unpack_from(">I", data, first + i * entry)[0] for i in range(count))
