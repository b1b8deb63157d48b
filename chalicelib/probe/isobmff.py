"""MP4 and QuickTime (ISO-BMFF): boxes walked by their headers, the moov read box by box.

Why not hachoir here: its MP4 metadata takes the first ``tkhd`` that has a
size, without the track's handler (an audio-only file looks like a video)
or its display matrix (a portrait phone video looks landscape), and it
parses neither ``mvex``/``mehd``/``trex`` nor ``tfdt``, which a fragmented
MP4's duration needs. Walking boxes by their headers through the budgeted
reader reads the same few KB: ``mdat`` is seeked over, and inside ``moov``
only the small header boxes are read (of ``stbl``, often most of it, only
the sample description ``stsd``, which names the codec).

The top-level boxes must tile the file exactly (``top_level``), as an
image must end at its end marker: bytes after the last box are
``trailing_data`` (a ZIP or a web page appended), a box running past the
end of the file is ``corrupt_file`` (cut short, or a size such as 2^63 that
no file has). One walk finds every top-level box, the moov and, for a
fragmented file, its last fragment, wherever they are.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from chalicelib.probe.reader import MAX_HOPS, WINDOW_BYTES, BudgetedReader, BudgetExceeded, Walk
from chalicelib.probe.refusals import corrupt_video, truncated_video, video_trailing_data
from chalicelib.probe.sample_entries import read_codec
from chalicelib.probe.streams import Streams

# Boxes inside the moov: a handful per track; a flood of tiny boxes is
# malformed long before this.
MAX_BOXES = 10_000
# Top-level boxes: a handful, or two to four per fragment (moof, mdat, and
# styp/sidx for DASH segments): 100,000 is 25,000 fragments, far more than a
# 50 MB file has, and a few tenths of a second of walking.
MAX_TOP_LEVEL_BOXES = 100_000
_ALL_ONES = {0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF}  # "duration unknown"
# Top-level box types writers use (ISO 14496-12, QuickTime, DASH). A box of
# one of these types running past the end is a file cut short; any other
# header there is something that is not a box at all.
KNOWN_TOP_LEVEL = frozenset(
    {b"ftyp", b"styp", b"moov", b"mdat", b"free", b"skip", b"wide", b"uuid", b"moof", b"mfra", b"sidx", b"ssix"}
    | {b"meta", b"pdin", b"prft", b"emsg", b"pnot", b"PICT", b"junk", b"meco", b"udta"}
)


@dataclass(frozen=True)
class TopBox:
    kind: bytes
    body: int  # where its payload starts
    end: int


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
    codec: str | None = None  # from the first sample entry (stsd), for video and sound tracks


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

    def streams(self) -> Streams:
        video = self.video()
        sound = [track.codec for track in self.tracks if track.handler == b"soun"]
        return Streams.listed([video.codec] if video is not None else [], sound)


def top_level(reader: BudgetedReader) -> Iterator[TopBox]:
    """Every top-level box, in order, checked to tile the file; raises ``ContentRejected`` where they do not.

    Headers far apart (fragments of a long recording) cost a small window
    each (``Walk`` with ``MAX_HOPS``); a window at most ``WINDOW_BYTES``
    stays in the reader's cache, so a moov found at the end is read from it.
    A box is yielded before the walk moves past it: a caller reading it then
    reads it in the file's order, in the windows the walk would fetch anyway.
    """
    walk, pos = Walk(reader, WINDOW_BYTES, MAX_HOPS), 0
    for _ in range(MAX_TOP_LEVEL_BOXES):
        if pos >= reader.size:
            return
        header = walk.bytes(pos, 16)
        if len(header) < 8:  # the file ends inside a header: cut short, unless it cannot be the start of one
            cut = len(header) >= 4 and int.from_bytes(header[:4], "big") >= 8 and _printable(header[4:].ljust(4))
            raise truncated_video() if cut else video_trailing_data()
        kind = header[4:8]
        size, body = int.from_bytes(header[:4], "big"), pos + 8
        if size == 1:  # a 64-bit size follows the type
            if len(header) < 16:
                raise truncated_video() if kind in KNOWN_TOP_LEVEL else video_trailing_data()
            size, body = int.from_bytes(header[8:16], "big"), pos + 16
        elif size == 0:  # "to the end of the file"
            size = reader.size - pos
        if kind not in KNOWN_TOP_LEVEL and not (_printable(kind) and body - pos <= size <= reader.size - pos):
            raise video_trailing_data()  # not a box header: something after the last box
        if size < body - pos:
            raise corrupt_video()
        if pos + size > reader.size:
            raise truncated_video()
        yield TopBox(kind, body, pos + size)
        pos += size
    if pos < reader.size:
        raise corrupt_video()


def _printable(kind: bytes) -> bool:
    """A box type writers use: four ASCII letters, digits, spaces or punctuation (``ac-3``, ``.mp3``)."""
    return len(kind) == 4 and all(0x20 <= char < 0x7F for char in kind)


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


def find_movie(reader: BudgetedReader, top: Iterable[TopBox]) -> tuple[Movie | None, list[TopBox]]:
    """The first top-level moov, read (None when there is none that can be read), and every top-level box.

    The moov is read as the walk meets it (in the windows the walk fetches);
    a refusal from the walk (``ContentRejected``) goes through, whatever the
    moov held.
    """
    movie, boxes_seen, moov_seen = None, [], False
    for box in top:
        boxes_seen.append(box)
        if box.kind == b"moov" and not moov_seen:
            moov_seen = True
            try:
                movie = read_movie(reader, box.body, box.end)
            except (Malformed, BudgetExceeded):
                movie = None
    return movie, boxes_seen


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
    track, stsd = Track(), None
    for kind, body, stop in boxes(reader, start, end):
        if kind == b"tkhd":
            _track_header(reader.read_at(body, min(stop - body, 96)), track)
        elif kind == b"mdia":
            for child, child_body, child_end in boxes(reader, body, stop):
                if child == b"mdhd":
                    track.timescale = _times(reader.read_at(child_body, 32))[0]
                elif child == b"hdlr":  # version/flags, pre_defined (QuickTime: 'mhlr'), handler type
                    track.handler = reader.read_at(child_body + 8, 4)
                elif child == b"minf":
                    stsd = _sample_descriptions(reader, child_body, child_end)
    if not track.track_id or len(track.handler) < 4:  # tkhd and hdlr are mandatory
        raise Malformed("trak without tkhd or hdlr")
    if stsd is not None and track.handler in (b"vide", b"soun"):
        track.codec = read_codec(reader, *stsd, track.handler)
    return track


def _sample_descriptions(reader: BudgetedReader, start: int, end: int) -> tuple[int, int] | None:
    """(payload start, end) of minf/stbl/stsd; stsd comes first in stbl, so its big tables are not walked."""
    for kind, body, stop in boxes(reader, start, end):
        if kind != b"stbl":
            continue
        for child, child_body, child_end in boxes(reader, body, stop):
            if child == b"stsd":
                return child_body, child_end
        return None
    return None


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
