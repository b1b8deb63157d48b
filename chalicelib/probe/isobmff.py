"""MP4 and QuickTime (ISO-BMFF): boxes walked by their headers, the moov read box by box.

Why not hachoir here: its MP4 metadata takes the first ``tkhd`` that has a
size, without the track's handler (an audio-only file looks like a video)
or its display matrix (a portrait phone video looks landscape), and it
parses neither ``mvex``/``mehd``/``trex`` nor ``tfdt``, which a fragmented
MP4's duration needs. Walking boxes by their headers through the budgeted
reader reads the same few KB: ``mdat`` is seeked over, and inside ``moov``
only the small header boxes are read (``stbl``, often most of it, is not).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from chalicelib.probe.reader import BudgetedReader

# Real files have a handful of top-level boxes, or two per fragment; a
# flood of tiny boxes is malformed long before this.
MAX_BOXES = 10_000
_ALL_ONES = {0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF}  # "duration unknown"


class Malformed(Exception):
    """Box sizes that do not fit their parent, or too many boxes."""


@dataclass
class Track:
    track_id: int = 0
    handler: bytes = b""  # b"vide", b"soun", ...
    width: int = 0  # tkhd's presentation size, before the display matrix
    height: int = 0
    quarter_turn: bool = False  # the display matrix turns it by 90 or 270 degrees
    timescale: int = 0  # mdhd: units per second of the track's times


@dataclass
class Movie:
    timescale: int = 0
    duration: int = 0  # mvhd; for a fragmented file, of the moov's own samples only
    tracks: list[Track] = field(default_factory=list)
    fragmented: bool = False  # has mvex: samples (also) in moof boxes
    fragment_duration: int = 0  # mvex/mehd, in the movie's timescale (0: absent)
    default_durations: dict[int, int] = field(default_factory=dict)  # trex, by track id
    end: int = 0  # where the moov box ends

    def video(self) -> Track | None:
        return next((track for track in self.tracks if track.handler == b"vide"), None)

    def track(self, track_id: int) -> Track | None:
        return next((track for track in self.tracks if track.track_id == track_id), None)


def boxes(reader: BudgetedReader, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) of the boxes between ``start`` and ``end``.

    Reads 16 bytes per box header (cached windows make neighbours free);
    size 1 is a 64-bit size, size 0 runs to ``end``.
    """
    pos = start
    for _ in range(MAX_BOXES):
        if pos + 8 > end:
            return
        header = reader.read_at(pos, 16)
        if len(header) < 8:
            raise Malformed("cut short")
        size, kind = struct.unpack(">I4s", header[:8])
        body = pos + 8
        if size == 1:
            if len(header) < 16:
                raise Malformed("cut short")
            (size,) = struct.unpack(">Q", header[8:])
            body = pos + 16
        elif size == 0:
            size = end - pos
        if size < body - pos or pos + size > end:
            raise Malformed(f"{kind!r} does not fit")
        yield kind, body, pos + size
        pos += size
    raise Malformed("too many boxes")


def find_movie(reader: BudgetedReader) -> Movie | None:
    """The first top-level moov, read; None when there is none to read."""
    try:
        for kind, body, end in boxes(reader, 0, reader.size):
            if kind == b"moov":
                return read_movie(reader, body, end)
    except Malformed:
        return None
    return None


def read_movie(reader: BudgetedReader, start: int, end: int) -> Movie:
    movie = Movie(end=end)
    for kind, body, stop in boxes(reader, start, end):
        if kind == b"mvhd":
            movie.timescale, movie.duration = _times(reader.read_at(body, 32))
        elif kind == b"trak":
            movie.tracks.append(_read_track(reader, body, stop))
        elif kind == b"mvex":
            movie.fragmented = True
            _read_mvex(reader, body, stop, movie)
    if not movie.tracks or not movie.timescale:  # mvhd and a trak are mandatory
        raise Malformed("moov without mvhd or trak")
    return movie


def _read_track(reader: BudgetedReader, start: int, end: int) -> Track:
    track = Track()
    for kind, body, stop in boxes(reader, start, end):
        if kind == b"tkhd":
            _track_header(reader.read_at(body, min(stop - body, 96)), track)
        elif kind == b"mdia":
            for child, child_body, _ in boxes(reader, body, stop):
                if child == b"mdhd":
                    track.timescale = _times(reader.read_at(child_body, 32))[0]
                elif child == b"hdlr":  # version/flags, pre_defined (QuickTime: 'mhlr'), handler type
                    track.handler = reader.read_at(child_body + 8, 4)
    if not track.track_id or len(track.handler) < 4:  # tkhd and hdlr are mandatory
        raise Malformed("trak without tkhd or hdlr")
    return track


def _track_header(data: bytes, track: Track) -> None:
    """tkhd: track id, display matrix and presentation size (16.16 fixed point)."""
    version = data[0] if data else -1
    matrix_at = {0: 40, 1: 52}.get(version)
    if matrix_at is None or len(data) < matrix_at + 44:
        raise Malformed("tkhd")
    track.track_id = struct.unpack_from(">I", data, 20 if version == 1 else 12)[0]
    a, b, _, c, d = struct.unpack_from(">5i", data, matrix_at)
    track.quarter_turn = a == 0 and d == 0 and b != 0 and c != 0
    width, height = struct.unpack_from(">II", data, matrix_at + 36)
    track.width, track.height = width >> 16, height >> 16


def _read_mvex(reader: BudgetedReader, start: int, end: int, movie: Movie) -> None:
    for kind, body, stop in boxes(reader, start, end):
        data = reader.read_at(body, min(stop - body, 24))
        if kind == b"mehd" and len(data) >= 8:
            duration = struct.unpack_from(">Q" if data[0] == 1 else ">I", data, 4)[0]
            movie.fragment_duration = 0 if duration in _ALL_ONES else duration
        elif kind == b"trex" and len(data) >= 16:
            track_id, _, default_duration = struct.unpack_from(">III", data, 4)
            movie.default_durations[track_id] = default_duration


def _times(data: bytes) -> tuple[int, int]:
    """(timescale, duration) of an mvhd or mdhd payload, version 0 or 1."""
    if data[:1] == b"\x01" and len(data) >= 32:
        timescale, duration = struct.unpack_from(">IQ", data, 20)
    elif data[:1] == b"\x00" and len(data) >= 20:
        timescale, duration = struct.unpack_from(">II", data, 12)
    else:
        raise Malformed("mvhd/mdhd")
    return timescale, 0 if duration in _ALL_ONES else duration
