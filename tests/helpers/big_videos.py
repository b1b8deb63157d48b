"""Big WebM and AVI files built in memory from the small fixtures, for the probe's
read counts (tests) and figures (bench): nothing big is committed.

Built by their structure, as writers lay them out: a WebM's Segment holds
its header elements and then clusters (of known size, as FFmpeg writes
them, or of unknown size, as a browser's MediaRecorder streams them); an
AVI's RIFF holds ``hdrl``, a big ``LIST movi`` and ``idx1``, and (AVI 2.0)
``RIFF AVIX`` extensions follow it. Only the frames' bytes are filler.
"""

from __future__ import annotations

import struct

from tests.helpers.media import fixture_bytes

EBML_HEADER, SEGMENT, CLUSTER, CUES = 0x1A45DFA3, 0x18538067, 0x1F43B675, 0x1C53BB6B
TIMESTAMP, SIMPLE_BLOCK = 0xE7, 0xA3
UNKNOWN_SIZE = b"\x01\xff\xff\xff\xff\xff\xff\xff"  # an 8-byte size with every value bit set


def ebml_id(ident: int) -> bytes:
    return ident.to_bytes((ident.bit_length() + 7) // 8, "big")


def element(ident: int, payload: bytes) -> bytes:
    """An EBML element, its size written on 8 bytes (as muxers that patch sizes later do)."""
    return ebml_id(ident) + (len(payload) | 1 << 56).to_bytes(8, "big") + payload


def ebml_children(data: bytes, start: int, end: int) -> list[tuple[int, bytes]]:
    """(ID, whole element) of the elements of known size in ``data[start:end]``."""
    found, pos = [], start
    while pos < end:
        id_length = 9 - data[pos].bit_length()
        size_length = 9 - data[pos + id_length].bit_length()
        ident = int.from_bytes(data[pos : pos + id_length], "big")
        size = int.from_bytes(data[pos + id_length : pos + id_length + size_length], "big") & ~(1 << 7 * size_length)
        stop = pos + id_length + size_length + size
        found.append((ident, data[pos:stop]))
        pos = stop
    return found


def webm_parts(name: str = "vp9-opus.webm") -> tuple[bytes, list[tuple[int, bytes]]]:
    """The fixture's EBML header and its Segment's children."""
    data = fixture_bytes(name)
    (_, header), (_, segment) = ebml_children(data, 0, len(data))
    id_length = 4
    size_length = 9 - segment[id_length].bit_length()
    return header, ebml_children(segment, id_length + size_length, len(segment))


def _blocks(total: int, block_bytes: int) -> bytes:
    """SimpleBlocks of track 1 filling ``total`` bytes: track number, timecode, flags, frame."""
    frame = bytes(block_bytes - 4)
    block = ebml_id(SIMPLE_BLOCK) + (len(frame) + 4 | 1 << 56).to_bytes(8, "big") + b"\x81\x00\x00\x80" + frame
    count = max(1, total // len(block))
    return block * count


def big_webm(total: int, cluster_bytes: int, *, streamed: bool = False, block_bytes: int = 4096) -> bytes:
    """A WebM of about ``total`` bytes: the fixture's header elements, then clusters of about
    ``cluster_bytes`` holding ``block_bytes`` frames.

    ``streamed``: Segment and Clusters of unknown size and no Cues, as a
    browser's MediaRecorder writes them.
    """
    header, children = webm_parts()
    head = b"".join(whole for ident, whole in children if ident not in (CLUSTER, CUES))
    body = element(TIMESTAMP, b"\x00") + _blocks(cluster_bytes, block_bytes)
    cluster = ebml_id(CLUSTER) + UNKNOWN_SIZE + body if streamed else element(CLUSTER, body)
    clusters = cluster * max(1, (total - len(header) - len(head)) // len(cluster))
    if streamed:
        return header + ebml_id(SEGMENT) + UNKNOWN_SIZE + head + clusters
    return header + element(SEGMENT, head + clusters)


def riff_chunks(data: bytes, start: int, end: int) -> list[tuple[bytes, bytes]]:
    """(id, whole chunk, padding included) of the chunks in ``data[start:end]``."""
    found, pos = [], start
    while pos + 8 <= end:
        kind, length = struct.unpack_from("<4sI", data, pos)
        stop = pos + 8 + length + (length & 1)
        found.append((kind, data[pos:stop]))
        pos = stop
    return found


def riff(form: bytes, chunks: bytes) -> bytes:
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + form + chunks


def big_avi(total: int, name: str = "mpeg4-mp3.avi", *, extensions: int = 0) -> bytes:
    """An AVI of about ``total`` bytes: the fixture's ``hdrl``, a ``LIST movi`` grown with
    filler frames, its ``idx1``; ``extensions`` AVI 2.0 ``RIFF AVIX`` chunks share the bytes."""
    data = fixture_bytes(name)
    chunks = riff_chunks(data, 12, len(data))
    parts = total // (1 + extensions)
    movi = next(whole for kind, whole in chunks if kind == b"LIST" and whole[8:12] == b"movi")
    frame = b"00dc" + struct.pack("<I", 4096) + bytes(4096)
    filler = frame * max(0, (parts - len(data)) // len(frame))
    grown = b"LIST" + struct.pack("<I", len(movi) - 8 + len(filler)) + movi[8:] + filler
    first = riff(b"AVI ", b"".join(grown if whole is movi else whole for _, whole in chunks))
    extension = riff(b"AVIX", b"LIST" + struct.pack("<I", 4 + len(filler)) + b"movi" + filler)
    return first + extension * extensions


def flv_tags(data: bytes) -> tuple[bytes, list[bytes]]:
    """An FLV's header (with PreviousTagSize0) and its tags, each with its PreviousTagSize."""
    start = int.from_bytes(data[5:9], "big") + 4
    tags, pos = [], start
    while pos < len(data):
        end = pos + 11 + int.from_bytes(data[pos + 1 : pos + 4], "big") + 4
        tags.append(data[pos:end])
        pos = end
    return data[:start], tags


def big_flv(total: int, name: str = "h264-aac.flv") -> bytes:
    """An FLV of about ``total`` bytes: the fixture's header and first tags, its frames repeated."""
    header, tags = flv_tags(fixture_bytes(name))
    head, frames = b"".join(tags[:3]), b"".join(tags[3:])  # metadata, codec configurations
    return header + head + frames * max(1, (total - len(header) - len(head)) // len(frames))
