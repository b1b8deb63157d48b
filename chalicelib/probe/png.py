"""PNG: size from Pillow, structure walked chunk by chunk to IEND, which must end the file."""

from __future__ import annotations

import struct

from chalicelib.domain.traits import Traits
from chalicelib.probe.pillow import header_size
from chalicelib.probe.reader import BudgetedReader, Walk
from chalicelib.probe.refusals import corrupt_image, trailing_data

_SIGNATURE_BYTES = 8
_MAX_CHUNK_LENGTH = 0x7FFFFFFF  # the spec's limit
# A 50 MB PNG of empty chunks would be ~4 million steps of Python; real
# files have a few thousand (libpng writes 8 KB IDAT chunks).
MAX_CHUNKS = 200_000
# IHDR's bit depth: after the signature, IHDR's length and type, width and height.
_BIT_DEPTH_AT = _SIGNATURE_BYTES + 8 + 8


def png_metadata(reader: BudgetedReader, max_pixels: int) -> tuple[dict[str, int | float], Traits]:
    """Width/height (Pillow reads up to the first IDAT), then the chunk walk; the bit depth from IHDR."""
    width, height = header_size(reader, "PNG", max_pixels, reader)
    reader.budget = max(reader.budget, reader.size)  # the walk may visit every chunk
    walk_chunks(reader)
    depth = reader.read_at(_BIT_DEPTH_AT, 1)  # Pillow has read it: the head is cached
    return {"width": width, "height": height}, Traits(bit_depth=max(8, depth[0] if depth else 8))


def walk_chunks(reader: BudgetedReader) -> None:
    """Follow chunk lengths from the signature to IEND.

    Cut short (a chunk running past the end, no IEND) is ``corrupt_file``;
    anything after IEND (a ZIP or HTML appended: a polyglot) is
    ``trailing_data``. CRCs are not checked: most chunk bodies are skipped.
    """
    walk, pos = Walk(reader), _SIGNATURE_BYTES
    for _ in range(MAX_CHUNKS):
        header = walk.bytes(pos, 8)
        if len(header) < 8:
            raise corrupt_image()
        length, kind = struct.unpack(">I4s", header)
        end = pos + 12 + length  # length, type, data, CRC
        if length > _MAX_CHUNK_LENGTH or end > reader.size or (pos == _SIGNATURE_BYTES and kind != b"IHDR"):
            raise corrupt_image()
        if kind == b"IEND":
            if end < reader.size:
                raise trailing_data()
            return
        pos = end
    raise corrupt_image()
