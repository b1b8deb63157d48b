"""WMV (ASF): the top-level objects walked to the end of the file, and the streams' codecs.

An ASF file is a sequence of objects, each a GUID and a 64-bit size: the
Header object (everything about the streams), the Data object (the
packets), then index objects. They must tile the file: an object whose
GUID is none of these, or bytes too few for one, is ``trailing_data``; an
object running past the end of the file is ``corrupt_file``. A handful of
objects: one or two reads.

Streams are declared by Stream Properties objects, in the Header object or
inside Extended Stream Properties objects of its Header Extension, so they
are found by their GUID in the Header's bytes (hachoir parses only the
first kind). A video stream's type-specific data holds a
BITMAPINFOHEADER, an audio stream's a WAVEFORMATEX.
"""

from __future__ import annotations

import struct
import uuid

from chalicelib.probe import codec_names
from chalicelib.probe.reader import MAX_HOPS, MIB, WINDOW_BYTES, BudgetedReader, BudgetExceeded, Walk
from chalicelib.probe.refusals import corrupt_video, truncated_video, video_trailing_data
from chalicelib.probe.streams import Streams


def _guid(text: str) -> bytes:
    """A GUID as ASF stores it: its first three fields little-endian."""
    return uuid.UUID(text).bytes_le


HEADER = _guid("75B22630-668E-11CF-A6D9-00AA0062CE6C")
DATA = _guid("75B22636-668E-11CF-A6D9-00AA0062CE6C")
INDEXES = frozenset(
    {
        _guid("33000890-E5B1-11CF-89F4-00A0C90349CB"),  # Simple Index
        _guid("D6E229D3-35DA-11D1-9034-00A0C90349BE"),  # Index
        _guid("FEB103F8-12AD-4C64-840F-2A1D2F7AD48C"),  # Media Object Index
        _guid("3CB73FD0-0C4A-4803-953D-EDF7B6228F0C"),  # Timecode Index
    }
)
STREAM_PROPERTIES = _guid("B7DC0791-A9B7-11CF-8EE6-00C00C205365")
VIDEO_MEDIA = _guid("BC19EFC0-5B4D-11CF-A8FD-00805F5C442B")
AUDIO_MEDIA = _guid("F8699E40-5B4D-11CF-A8FD-00805F5C442B")
_OBJECT_HEADER = 24  # GUID + 64-bit size
# Stream Properties: header, stream type, error correction type, time offset,
# then the lengths of the type-specific and error correction data, flags, reserved.
_TYPE_SPECIFIC_LENGTH_AT, _TYPE_SPECIFIC_AT = 64, 78
# Video type-specific data: encoded width and height, flags, format data size, then the BITMAPINFOHEADER.
_BITMAP_INFO_AT = 11
# Real files: Header, Data and a few indexes.
MAX_OBJECTS = 1_000
# The Header may carry cover art and long metadata; past this its streams are not read.
MAX_HEADER_BYTES = MIB


def read_wmv(reader: BudgetedReader) -> Streams | None:
    """Checks the top-level objects tile the file (``ContentRejected`` if not); the streams, if readable."""
    walk = Walk(reader, WINDOW_BYTES, MAX_HOPS)
    streams = None
    with reader.walking():
        pos, data_seen = 0, False
        for _ in range(MAX_OBJECTS):
            if pos >= reader.size:
                break
            head = walk.bytes(pos, _OBJECT_HEADER)
            guid = head[:16]
            if len(head) < _OBJECT_HEADER or not (guid == HEADER if pos == 0 else guid == DATA or guid in INDEXES):
                raise video_trailing_data()  # the Header is sure to be first: it was sniffed as ASF
            size = struct.unpack_from("<Q", head, 16)[0]
            if size < _OBJECT_HEADER:
                raise corrupt_video()
            if pos + size > reader.size:
                raise truncated_video()
            if pos == 0:  # read now, in the windows the walk fetches anyway
                streams = _read_header(reader, size)
            data_seen = data_seen or guid == DATA
            pos += size
        else:
            raise corrupt_video()
        if not data_seen:  # a Header alone: the packets are missing
            raise truncated_video()
    return streams


def _read_header(reader: BudgetedReader, size: int) -> Streams | None:
    """The streams the Header object (at the start of the file, ``size`` bytes) declares."""
    if size > MAX_HEADER_BYTES:
        return None
    try:
        data = reader.read_at(0, size)
    except BudgetExceeded:
        return None
    video: list[str | None] = []
    audio: list[str | None] = []
    at = data.find(STREAM_PROPERTIES, 30)  # after the Header's own fields
    while at >= 0:
        fields = data[at : at + _TYPE_SPECIFIC_AT]
        if len(fields) == _TYPE_SPECIFIC_AT:
            length = struct.unpack_from("<I", fields, _TYPE_SPECIFIC_LENGTH_AT)[0]
            specific = data[at + _TYPE_SPECIFIC_AT : at + _TYPE_SPECIFIC_AT + length]
            if fields[24:40] == VIDEO_MEDIA:
                video.append(codec_names.from_bitmap_info(specific[_BITMAP_INFO_AT:]))
            elif fields[24:40] == AUDIO_MEDIA:
                audio.append(codec_names.from_wave_format_ex(specific))
        at = data.find(STREAM_PROPERTIES, at + 16)
    if not video and not audio:
        return None
    return Streams.listed(video, audio)
