"""GIF: size from Pillow, structure walked block by block to the trailer, which must end the file."""

from __future__ import annotations

from chalicelib.domain.traits import Traits
from chalicelib.probe.pillow import header_size
from chalicelib.probe.reader import BudgetedReader, Walk
from chalicelib.probe.refusals import corrupt_image, trailing_data

_HEADER_BYTES = 13  # signature + logical screen descriptor
_IMAGE, _EXTENSION, _TRAILER = 0x2C, 0x21, 0x3B
# Encoders write 255-byte sub-blocks, so a 50 MB GIF is ~200,000 of them; a
# file of 1-byte sub-blocks would cost millions of steps of Python.
MAX_BLOCKS = 1_000_000


def gif_metadata(reader: BudgetedReader, max_pixels: int) -> tuple[dict[str, int | float], Traits]:
    """Width/height (Pillow reads up to the first frame), then the block walk, which counts the frames."""
    width, height = header_size(reader, "GIF", max_pixels, reader)
    reader.budget = max(reader.budget, reader.size)  # sub-blocks are <= 255 bytes: the walk reads it all
    frames = walk_blocks(reader)
    return {"width": width, "height": height}, Traits(animated=frames > 1)


def walk_blocks(reader: BudgetedReader) -> int:
    """Follow extensions, image descriptors and their sub-blocks to the 0x3B trailer; the number of frames.

    Cut short is ``corrupt_file``; anything after the trailer (HTML ending
    in ";" included) is ``trailing_data``.
    """
    walk = Walk(reader)
    flags = walk.byte(10)
    pos, steps, frames = _HEADER_BYTES + _color_table_bytes(flags), 0, 0
    while steps < MAX_BLOCKS:
        introducer = walk.byte(pos)
        steps += 1
        if introducer == _TRAILER:
            if pos + 1 < reader.size:
                raise trailing_data()
            return frames
        if introducer == _IMAGE:
            # descriptor (10 bytes), local colour table, LZW minimum code size
            frames += 1
            pos += 10 + _color_table_bytes(walk.byte(pos + 9)) + 1
        elif introducer == _EXTENSION:
            pos += 2  # introducer, label
        else:
            raise corrupt_image()  # -1: cut short; anything else: not a GIF block
        while (length := walk.byte(pos)) > 0 and steps < MAX_BLOCKS:  # data sub-blocks
            pos += 1 + length
            steps += 1
        if length < 0:
            raise corrupt_image()
        pos += 1  # the block terminator
    raise corrupt_image()


def _color_table_bytes(flags: int) -> int:
    """Size of the colour table a packed-fields byte announces (0 without one)."""
    return 3 * (2 << (flags & 0x07)) if flags >= 0 and flags & 0x80 else 0
