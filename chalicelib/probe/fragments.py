"""The duration of a fragmented MP4 (``-movflags frag_keyframe+empty_moov``, DASH, browsers).

Its moov describes no samples (or only the first fragment's), so mvhd's
duration is 0 or too short. In order of cost:

1. ``mvex/mehd``, the whole duration, when the writer knew it.
2. The last ``moof``: its ``tfdt`` (decode time of its first sample) plus
   its ``trun`` sample durations (or the ``tfhd``/``trex`` defaults), in
   the track's timescale. It is found from the ``mfra`` index at the end of
   the file when there is one (ffmpeg writes it): one read of the file's
   last window, then the walk from the last indexed fragment to the end;
   otherwise by walking top-level box headers from the moov, which costs
   about one request per fragment, so that walk is capped.
"""

from __future__ import annotations

import struct

from chalicelib.probe.isobmff import Malformed, Movie, boxes
from chalicelib.probe.reader import WINDOW_BYTES, BudgetedReader, BudgetExceeded

# Requests the walk over fragments may make; past it the duration is unknown.
MAX_FRAGMENT_READS = 32
_MFRO_BYTES = 16


def fragmented_duration(reader: BudgetedReader, movie: Movie) -> float | None:
    """Seconds, or None when neither mehd nor the fragments tell (within the bounds)."""
    if movie.fragment_duration and movie.timescale:
        return movie.fragment_duration / movie.timescale
    reads_before = reader.fetches
    last = None
    try:
        start = _last_indexed_moof(reader, movie.end) or movie.end
        for kind, body, end in boxes(reader, start, reader.size):
            if kind == b"moof":
                last = (body, end)
            if reader.fetches - reads_before > MAX_FRAGMENT_READS:
                return None
        return _moof_end_time(reader, movie, *last) if last else None
    except (Malformed, BudgetExceeded):
        return None


def _last_indexed_moof(reader: BudgetedReader, after: int) -> int | None:
    """Offset of the last moof the mfra index lists, if the file ends with one.

    The tail is read as one window, which usually holds mfra (about a dozen
    bytes per key frame) and often the last fragment too.
    """
    tail_start = max(after, reader.size - WINDOW_BYTES)
    reader.read_at(tail_start, reader.size - tail_start)
    mfro = reader.read_at(reader.size - _MFRO_BYTES, _MFRO_BYTES)
    if len(mfro) < _MFRO_BYTES or mfro[4:8] != b"mfro":
        return None
    mfra_start = reader.size - struct.unpack(">I", mfro[12:])[0]
    if mfra_start < after or not _is_box(reader, mfra_start, b"mfra"):
        return None
    offsets = [0]
    try:
        for kind, body, end in boxes(reader, mfra_start + 8, reader.size):
            if kind == b"tfra":
                offsets += _tfra_offsets(reader.read_at(body, end - body))
    except Malformed:  # a broken index: walk the fragments instead
        return None
    last = max(offsets)
    return last if after <= last < mfra_start and _is_box(reader, last, b"moof") else None


def _is_box(reader: BudgetedReader, pos: int, kind: bytes) -> bool:
    return reader.read_at(pos, 8)[4:] == kind  # from the box's start: the window then holds it whole


def _tfra_offsets(data: bytes) -> list[int]:
    """moof offsets of a tfra box's entries."""
    if len(data) < 16:
        return []
    # version/flags, track id, 26 reserved bits + the sizes of three numbers, entry count
    version, sizes, count = data[0], data[11], struct.unpack_from(">I", data, 12)[0]
    wide = 8 if version == 1 else 4
    # each entry: time, moof offset, then traf/trun/sample numbers of 1-4 bytes each
    entry = 2 * wide + sum(((sizes >> shift) & 3) + 1 for shift in (4, 2, 0))
    count = min(count, (len(data) - 16) // entry)
    offset_format = ">Q" if version == 1 else ">I"
    return [struct.unpack_from(offset_format, data, 16 + i * entry + wide)[0] for i in range(count)]


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
