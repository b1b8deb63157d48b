"""Media files built at test time from the small fixtures (nothing big is committed),
and the counting source the probe tests read them through.

Pillow and the probe are imported where used: bench imports ``big_mp4``
from here and must not pay for them.
"""

from __future__ import annotations

import functools
import io
import random
import struct
import zlib
from typing import TYPE_CHECKING, BinaryIO, cast

import pytest

from tests.helpers.media import fixture_bytes

if TYPE_CHECKING:
    from chalicelib.errors import ContentRejected
    from chalicelib.probe import Probed

KIB, MIB = 1024, 1024 * 1024


class CountingSource:
    """Seekable in-memory BinaryIO stand-in that counts bytes and read calls.

    In production every read is one S3 ranged GET, so ``reads`` is the
    number of requests and ``bytes_read`` what they carried. ``max_chunk``
    makes it return short reads, like a raw socket would; ``fail_after``
    makes reads past that many calls raise, like S3 going down.
    """

    def __init__(self, data: bytes, max_chunk: int | None = None, fail_after: int | None = None) -> None:
        self._data, self._pos, self._max_chunk, self._fail_after = data, 0, max_chunk, fail_after
        self.bytes_read = self.reads = 0

    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = [0, self._pos, len(self._data)][whence] + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def read(self, n: int | None = -1) -> bytes:
        if self._fail_after is not None and self.reads >= self._fail_after:
            raise ConnectionError("storage unavailable")
        n = len(self._data) - self._pos if n is None or n < 0 else n
        if self._max_chunk:
            n = min(n, self._max_chunk)
        chunk = self._data[self._pos : self._pos + n]
        self._pos += len(chunk)
        self.bytes_read += len(chunk)
        self.reads += 1
        return chunk

    def stream(self) -> BinaryIO:
        """This source where the probe takes a binary file (it only seeks, tells and reads)."""
        return cast(BinaryIO, self)


def run(data: bytes, family: str, size: int | None = None, **kwargs: int) -> tuple[Probed, CountingSource]:
    """Probe ``data`` through a CountingSource: (result, the source with its counts)."""
    from chalicelib import probe

    source = CountingSource(data)
    result = probe.inspect(source.stream(), len(data) if size is None else size, family, **kwargs)
    return result, source


def rejected(data: bytes, family: str, **kwargs: int) -> ContentRejected:
    """The refusal probing ``data`` raises (fails the test if it is accepted)."""
    from chalicelib.errors import ContentRejected

    with pytest.raises(ContentRejected) as info:
        run(data, family, **kwargs)
    return info.value


# --- ISO-BMFF -------------------------------------------------------------------


def box_list(data: bytes) -> list[tuple[bytes, bytes]]:
    """Top-level ISO-BMFF boxes of a small file, in order, as (type, whole box)."""
    found, offset = [], 0
    while offset < len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        found.append((kind, data[offset : offset + size]))
        offset += size
    return found


def boxes(data: bytes) -> dict[bytes, bytes]:
    """Top-level ISO-BMFF boxes of a small fixture, by type (last one wins)."""
    return dict(box_list(data))


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def moov_at_end(name: str, junk: bytes) -> bytes:
    """The fixture's boxes with ``junk`` (a big box) inserted before ``moov``."""
    parts = boxes(fixture_bytes(name))
    head = b"".join(body for kind, body in parts.items() if kind != b"moov")
    return head + junk + parts[b"moov"]


def big_mp4(total_size: int, name: str = "sample.mp4") -> bytes:
    """A playable-header MP4 of ``total_size`` bytes whose ``moov`` is at the very end
    (as cameras and many encoders write it without faststart)."""
    base = len(fixture_bytes(name))
    padding = total_size - base - 8
    assert padding >= 0, "total_size is smaller than the fixture"
    return moov_at_end(name, struct.pack(">I4s", 8 + padding, b"free") + bytes(padding))


def with_mehd(data: bytes, duration: int) -> bytes:
    """A fragmented MP4 whose mvex gains an mehd box (whole duration, movie timescale)."""
    parts = box_list(data)
    moov = next(body for kind, body in parts if kind == b"moov")
    at = moov.index(b"mvex") - 4
    (mvex_size,) = struct.unpack(">I", moov[at : at + 4])
    mehd = box(b"mehd", struct.pack(">II", 0, duration))
    mvex = box(b"mvex", mehd + moov[at + 8 : at + mvex_size])
    new_moov = box(b"moov", moov[8:at] + mvex + moov[at + mvex_size :])
    return b"".join(new_moov if kind == b"moov" else body for kind, body in parts)


def spread_fragments(data: bytes, padding: int, *, index: bool = True) -> bytes:
    """A fragmented MP4 with ``padding`` bytes added to each mdat, as a long recording has.

    The mfra index's moof offsets are moved to match (or, ``index=False``,
    the index is left out, as some writers do).
    """
    out, moved = b"", {}
    offset = 0
    for kind, body in box_list(data):
        if kind == b"moof":
            moved[offset] = len(out)
        offset += len(body)
        if kind == b"mdat":
            body = box(b"mdat", body[8:] + bytes(padding))
        elif kind == b"mfra":
            body = _moved_index(body, moved) if index else b""
        out += body
    return out


def _moved_index(mfra: bytes, moved: dict[int, int]) -> bytes:
    children = []
    for kind, child in box_list(mfra[8:]):
        if kind == b"tfra":
            version, sizes, count = child[8], child[19], struct.unpack(">I", child[20:24])[0]
            wide = 8 if version == 1 else 4
            entry = 2 * wide + sum(((sizes >> shift) & 3) + 1 for shift in (4, 2, 0))
            table = bytearray(child)
            code = ">Q" if version == 1 else ">I"
            for at in range(24 + wide, 24 + count * entry, entry):
                struct.pack_into(code, table, at, moved[struct.unpack_from(code, table, at)[0]])
            child = bytes(table)
        children.append(child)
    return box(b"mfra", b"".join(children))


# --- images ---------------------------------------------------------------------


def noise_jpeg(size: tuple[int, int], **save: object) -> bytes:
    """A JPEG of random pixels: incompressible, so a few MB for a moderate size."""
    from PIL import Image

    pixels = random.Random(7).randbytes(size[0] * size[1] * 3)
    buf = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buf, "JPEG", quality=97, **save)
    return buf.getvalue()


@functools.cache
def five_mb_jpeg() -> bytes:
    """A 5 MB photo-sized JPEG (2200x1650 of noise), built once per test process."""
    return noise_jpeg((2200, 1650))


def segment(marker: int, payload: bytes) -> bytes:
    """A JPEG marker segment (payload up to 65,533 bytes)."""
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def with_segments(jpeg: bytes, *segments: bytes) -> bytes:
    """``jpeg`` with ``segments`` inserted right after its SOI marker."""
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


XMP_ID = b"http://ns.adobe.com/xap/1.0/\x00"
EXTENDED_XMP_ID = b"http://ns.adobe.com/xmp/extension/\x00"


def xmp_segments(total: int) -> list[bytes]:
    """A standard XMP packet (one APP1) plus ExtendedXMP APP1s, ``total`` bytes of XMP in all.

    As Photoshop and Lightroom write a big packet: the standard one names
    the extension by GUID, the rest follows in chunks of at most ~65 KB.
    """
    guid = b"0123456789ABCDEF0123456789ABCDEF"
    packet = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:xmpNote="http://ns.adobe.com/xmp/note/" xmpNote:HasExtendedXMP="'
        + guid
        + b'"/></rdf:RDF></x:xmpmeta>'
    )
    standard = packet + b" " * (60_000 - len(packet))
    extended = b"<x:xmpmeta>" + b"<rdf:li>history</rdf:li>" * ((total - len(standard)) // 24) + b"</x:xmpmeta>"
    chunk = 65_533 - len(EXTENDED_XMP_ID) - 40
    parts = [segment(0xE1, XMP_ID + standard)]
    for start in range(0, len(extended), chunk):
        header = EXTENDED_XMP_ID + guid + struct.pack(">II", len(extended), start)
        parts.append(segment(0xE1, header + extended[start : start + chunk]))
    return parts


def png(width: int, height: int, idat: bytes = b"") -> bytes:
    """A 1-bit greyscale PNG with the given (not necessarily valid) IDAT data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def noise_png(size: tuple[int, int], idat_chunk: int) -> bytes:
    """A real PNG of random pixels (a few MB), its image data split into ``idat_chunk``-byte
    IDAT chunks as libpng writes it (8 KB by default)."""
    from PIL import Image

    pixels = random.Random(11).randbytes(size[0] * size[1] * 3)
    buf = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buf, "PNG", compress_level=1)
    data, pos, stream = buf.getvalue(), 8, b""
    head = tail = b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, whole = data[pos + 4 : pos + 8], data[pos : pos + 12 + length]
        if kind == b"IDAT":
            stream += whole[8:-4]
        elif stream:
            tail += whole
        else:
            head += whole
        pos += 12 + length
    chunks = b"".join(png_chunk(b"IDAT", stream[i : i + idat_chunk]) for i in range(0, len(stream), idat_chunk))
    return data[:8] + head + chunks + tail


def noise_gif(size: tuple[int, int]) -> bytes:
    """A real GIF of random palette pixels: LZW cannot shrink them, so ~1.2 bytes a pixel."""
    from PIL import Image

    pixels = random.Random(13).randbytes(size[0] * size[1])
    image = Image.frombytes("P", size, pixels)
    image.putpalette(list(range(256)) * 3)
    buf = io.BytesIO()
    image.save(buf, "GIF")
    return buf.getvalue()
