"""AVI (RIFF): the file checked to its end, and the streams' codecs.

An AVI is a ``RIFF 'AVI '`` chunk, followed (AVI 2.0, OpenDML, past 1 GB)
by ``RIFF 'AVIX'`` extension chunks; together they must tile the file:
anything after them is ``trailing_data``, a chunk running past the end of
the file is ``corrupt_file``. Inside each RIFF the first-level chunks
(``LIST hdrl``, ``LIST movi``, ``idx1``, ``JUNK``, ...) are walked by their
sizes, which must fill it exactly: a handful of headers, a few reads.

Stream headers sit in ``hdrl``: per stream a ``LIST strl`` with ``strh``
(type and handler fourcc) and ``strf`` (a BITMAPINFOHEADER for video, a
WAVEFORMATEX for audio).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from chalicelib.probe import codec_names
from chalicelib.probe.reader import KIB, MAX_HOPS, WINDOW_BYTES, BudgetedReader, BudgetExceeded, Walk
from chalicelib.probe.refusals import corrupt_video, truncated_video, video_trailing_data
from chalicelib.probe.streams import Streams

# A RIFF holds a handful of chunks; the walk refuses a flood of empty ones.
MAX_CHUNKS = 10_000
# hdrl: stream headers plus OpenDML's reserved super-indexes (~4 KB per stream).
MAX_HEADER_BYTES = 256 * KIB
_VIDEO_STREAMS = (b"vids", b"iavs")  # iavs: interleaved DV, audio and video in one stream


def read_avi(reader: BudgetedReader) -> Streams | None:
    """Checks the RIFF chunks tile the file (``ContentRejected`` if not); the streams, if readable."""
    walk = Walk(reader, WINDOW_BYTES, MAX_HOPS)
    streams: list[Streams | None] = []  # read as the walk meets hdrl, in the windows it fetches anyway
    with reader.walking():
        pos, form = 0, b"AVI "
        while pos < reader.size:
            head = walk.bytes(pos, 12)
            if head[:4] != b"RIFF" or head[8:12] != form:
                raise video_trailing_data()  # the first is sure to be one: it was sniffed as AVI
            length = struct.unpack_from("<I", head, 4)[0]
            end = pos + 8 + length
            if length < 4:
                raise corrupt_video()
            if end > reader.size:
                raise truncated_video()
            _walk_chunks(reader, walk, pos + 12, end, streams)
            # Chunks are padded to an even size; a last pad byte left out is tolerated.
            pos, form = min(end + (length & 1), reader.size), b"AVIX"
    return streams[0] if streams else None


def _walk_chunks(reader: BudgetedReader, walk: Walk, pos: int, end: int, streams: list[Streams | None]) -> None:
    """Walk the chunks filling a RIFF; the streams of the first ``LIST hdrl`` go to ``streams``."""
    for _ in range(MAX_CHUNKS):
        if pos >= end:
            return
        head = walk.bytes(pos, 12)
        if len(head) < 8:
            raise corrupt_video()
        length = struct.unpack_from("<I", head, 4)[0]
        if pos + 8 + length > end:
            raise corrupt_video()
        if head[:4] == b"LIST" and head[8:12] == b"hdrl" and not streams:
            try:
                streams.append(_read_streams(reader, pos + 12, pos + 8 + length))
            except BudgetExceeded:
                streams.append(None)
        pos += 8 + length + (length & 1)
    raise corrupt_video()


def _read_streams(reader: BudgetedReader, start: int, end: int) -> Streams | None:
    if end - start > MAX_HEADER_BYTES:
        return None
    data = reader.read_at(start, end - start)
    video: list[str | None] = []
    audio: list[str | None] = []
    for kind, body, stop in _chunks(data, 0, len(data)):
        if kind != b"LIST" or data[body : body + 4] != b"strl":
            continue
        parts = {child: data[child_body:child_end] for child, child_body, child_end in _chunks(data, body + 4, stop)}
        header, stream_format = parts.get(b"strh", b""), parts.get(b"strf", b"")
        if header[:4] in _VIDEO_STREAMS:
            video.append(_video_codec(header, stream_format))
        elif header[:4] == b"auds":
            audio.append(codec_names.from_wave_format_ex(stream_format))
    if not video and not audio:
        return None
    return Streams.listed(video, audio)


def _video_codec(header: bytes, stream_format: bytes) -> str | None:
    """strf's biCompression (what decoders go by), else strh's fccHandler."""
    if header[:4] == b"iavs":
        return "dvvideo"
    compression, handler = stream_format[16:20], header[4:8]
    if codec_names.known_video_fourcc(handler) and not codec_names.known_video_fourcc(compression):
        return codec_names.from_video_fourcc(handler)
    return codec_names.from_bitmap_info(stream_format) or codec_names.text_of(handler)


def _chunks(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(id, payload start, end) of the chunks in ``data[start:end]``; stops at one that does not fit."""
    pos = start
    while pos + 8 <= end:
        kind, length = struct.unpack_from("<4sI", data, pos)
        if pos + 8 + length > end:
            return
        yield kind, pos + 8, pos + 8 + length
        pos += 8 + length + (length & 1)
