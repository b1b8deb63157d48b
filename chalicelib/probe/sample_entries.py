"""ISO BMFF sample descriptions: a track's codec, from the first entry of its ``stsd`` box.

The entry's type names the codec (``avc1``, ``hvc1``, ``Opus``, ...), except
for ``mp4a``/``mp4v``, which carry MPEG-4 streams of several codecs: there
the ``esds`` descriptor's objectTypeIndication decides (MP3 in MP4 is an
``mp4a`` entry with object type 0x6B). Encrypted entries (``encv``/``enca``)
name the original in ``sinf/frma``. Only the entry itself is read: a few
hundred bytes next to the rest of the moov's header boxes.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from chalicelib.probe.codec_names import OBJECT_TYPES, from_sample_entry
from chalicelib.probe.reader import KIB, BudgetedReader

# An entry is its fixed fields and a few small boxes (avcC with a handful of
# parameter sets, esds, colr, pasp, btrt); more than this is not read.
MAX_ENTRY_BYTES = 64 * KIB
# Bytes of fixed fields before an entry's child boxes: its box header, then
# 6 reserved + data reference index, then the visual / audio fields.
_VISUAL_CHILDREN = 8 + 8 + 70
_AUDIO_CHILDREN = 8 + 8 + 20
# QuickTime sound descriptions: version 1 adds 16 bytes of fields, version 2 adds 36.
_SOUND_VERSION_BYTES = {0: 0, 1: 16, 2: 36}
_ES_DESCRIPTOR, _DECODER_CONFIG = 0x03, 0x04


def read_codec(reader: BudgetedReader, body: int, end: int, handler: bytes) -> str | None:
    """The codec of an ``stsd`` box (payload from ``body`` to ``end``) of a ``vide`` or ``soun`` track."""
    head = reader.read_at(body, 16)  # version/flags, entry count, the first entry's size and type
    if len(head) < 16 or struct.unpack_from(">I", head, 4)[0] == 0:
        return None
    size = struct.unpack_from(">I", head, 8)[0]
    if size < 8 or body + 8 + size > end:
        return None
    return entry_codec(reader.read_at(body + 8, min(size, MAX_ENTRY_BYTES)), handler)


def entry_codec(entry: bytes, handler: bytes) -> str | None:
    """The codec a sample entry (the whole box, header included) describes."""
    kind = entry[4:8]
    children = _AUDIO_CHILDREN if handler == b"soun" else _VISUAL_CHILDREN
    if handler == b"soun" and len(entry) >= 18:
        children += _SOUND_VERSION_BYTES.get(struct.unpack_from(">H", entry, 16)[0], 0)
    if kind in (b"encv", b"enca"):
        frma = _find(entry, children, [b"sinf", b"frma"])
        kind = frma[:4] if frma is not None and len(frma) >= 4 else kind
    if kind in (b"mp4a", b"mp4v"):
        # ISO files keep esds in the entry; QuickTime's sound description v1 in a 'wave' box.
        esds = _find(entry, children, [b"esds"]) or _find(entry, children, [b"wave", b"esds"])
        object_type = _object_type(esds) if esds is not None else None
        if object_type in OBJECT_TYPES:
            return OBJECT_TYPES[object_type]
    return from_sample_entry(kind)


def _find(data: bytes, start: int, path: list[bytes]) -> bytes | None:
    """The payload of the box at ``path`` among the boxes from ``start`` to the end of ``data``."""
    for kind, body, end in _boxes(data, start, len(data)):
        if kind == path[0]:
            return data[body:end] if len(path) == 1 else _find(data[:end], body, path[1:])
    return None


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        if size < 8 or pos + size > end:
            return
        yield kind, pos + 8, pos + size
        pos += size


def _object_type(esds: bytes) -> int | None:
    """objectTypeIndication of the DecoderConfigDescriptor in an esds payload."""
    found = _descriptor(esds, 4)  # after version and flags
    if found is not None and found[0] == _ES_DESCRIPTOR:
        pos = found[1]
        if pos + 3 > len(esds):
            return None
        flags = esds[pos + 2]  # after ES_ID
        pos += 3 + (2 if flags & 0x80 else 0)  # dependsOn_ES_ID
        if flags & 0x40 and pos < len(esds):  # URL
            pos += 1 + esds[pos]
        pos += 2 if flags & 0x20 else 0  # OCR_ES_Id
        found = _descriptor(esds, pos)
    if found is None or found[0] != _DECODER_CONFIG or found[1] >= len(esds):
        return None
    return esds[found[1]]


def _descriptor(data: bytes, pos: int) -> tuple[int, int] | None:
    """(tag, payload start) of the descriptor at ``pos``; its length takes 1-4 bytes of 7 bits."""
    if pos >= len(data):
        return None
    tag, pos = data[pos], pos + 1
    for _ in range(4):
        if pos >= len(data):
            return None
        more, pos = data[pos] & 0x80, pos + 1
        if not more:
            return tag, pos
    return None
