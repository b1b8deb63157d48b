"""Crafted PNGs at the probe's 40 Mpx limit that compress to a few KB: one colour over
the whole image, written row by row through zlib, so making one never holds its pixels.

They are what an attacker uploads to make the thumbnail maker decode 40 Mpx in an
expensive mode (16-bit grey, a palette with transparency); the bench measures the
thumbnail's memory on them and the tests render them under a memory ceiling.
"""

from __future__ import annotations

import struct
import zlib

#: The probe's bomb limit (chalicelib.pictures.MAX_PIXELS), as 8000 x 5000.
WIDTH, HEIGHT = 8000, 5000
SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: PNG colour types (the IHDR field).
GREY, RGB, PALETTE, GREY_ALPHA, RGBA = 0, 2, 3, 4, 6
_CHANNELS = {GREY: 1, RGB: 3, PALETTE: 1, GREY_ALPHA: 2, RGBA: 4}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def uniform_png(
    colour_type: int,
    bit_depth: int,
    width: int = WIDTH,
    height: int = HEIGHT,
    *,
    sample: int = 0x5A,
    palette: bytes | None = None,
    transparency: bytes | None = None,
) -> bytes:
    """A ``width`` x ``height`` PNG whose every sample byte is ``sample`` (filter "none" on
    each row), with an optional PLTE and tRNS chunk."""
    row_bytes = (width * _CHANNELS[colour_type] * bit_depth + 7) // 8
    row = b"\x00" + bytes([sample]) * row_bytes
    squeeze = zlib.compressobj(9)
    idat = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    chunks = [_chunk(b"IHDR", header)]
    if palette is not None:
        chunks.append(_chunk(b"PLTE", palette))
    if transparency is not None:
        chunks.append(_chunk(b"tRNS", transparency))
    chunks += [_chunk(b"IDAT", idat), _chunk(b"IEND", b"")]
    return SIGNATURE + b"".join(chunks)


def grey16_png(width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """16-bit greyscale (Pillow's mode I;16): ~78 KB on disk at 40 Mpx."""
    return uniform_png(GREY, 16, width, height)


def palette_alpha_png(width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """1-bit palette whose first entry is transparent (mode P with a tRNS chunk): ~5 KB at 40 Mpx."""
    return uniform_png(
        PALETTE, 1, width, height, sample=0x55, palette=bytes((20, 120, 200, 240, 200, 20)), transparency=b"\x00"
    )
