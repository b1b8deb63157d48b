"""JPEG: segment headers walked by their length fields, orientation, and where the file ends.

Why not hand the whole file to Pillow: its JPEG parser reads (and keeps)
every APPn payload before the frame header, so a phone photo with 600 KB of
XMP, ICC and Photoshop segments would cost 600 KB of ranged reads, and the
frame could sit past any sensible budget. Here each segment costs its 4-byte
header (the reader's windows make neighbours free) and payloads are seeked
over; Pillow then parses SOI + the frame header + the scan header only,
which keeps its header validation and its pixel-bomb check.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass

from chalicelib.domain.traits import Traits
from chalicelib.probe import motion
from chalicelib.probe.pillow import header_size
from chalicelib.probe.reader import KIB, BudgetedReader
from chalicelib.probe.refusals import corrupt_image, trailing_data

SOI, EOI = b"\xff\xd8", b"\xff\xd9"
# Start-of-frame markers (all coding processes); C4, C8 and CC are not frames.
_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE = frozenset(range(0xD0, 0xD8)) | {0x01}  # RSTn, TEM: no length field
_SCAN = 0xDA
_EXIF_ID = b"Exif\x00\x00"
_XMP_ID = b"http://ns.adobe.com/xap/1.0/\x00"  # the standard packet; ExtendedXMP has another

# The end-of-file check: the last bytes (a JPEG may carry padding bytes
# after its EOI marker), then, only for a file that does not end cleanly, a
# larger look at its tail: longer padding, "cut short" or "something appended".
TRAILER_BYTES = 64
TAIL_SEARCH_BYTES = 64 * KIB
_PADDING = b"\x00\xff\r\n\t "
# Inside entropy-coded data 0xFF is only ever followed by 0x00 (stuffing),
# RSTn, fill 0xFF, or the markers that may separate progressive scans. Any
# other pair (EOI included) means the bytes are not (only) the image's scan.
_NOT_SCAN_DATA = re.compile(rb"\xff[^\x00\xd0-\xd7\xff\xc4\xcc\xda\xdb\xdd\xe0-\xef\xfe]")
# Orientations 5-8 turn the image a quarter: displayed width is stored height.
_QUARTER_TURNS = frozenset({5, 6, 7, 8})


@dataclass(frozen=True)
class Layout:
    """Where a JPEG's parts are, from its segment headers."""

    frame: bytes  # the SOFn segment, marker included
    scan: bytes  # the first SOS segment, marker included
    scan_start: int  # offset of the first entropy-coded byte
    exif: tuple[int, int] | None  # (offset, length) of the EXIF TIFF data
    xmp: tuple[int, int] | None  # (offset, length) of the standard XMP packet


def jpeg_metadata(reader: BudgetedReader, max_pixels: int) -> tuple[dict[str, int | float], Traits]:
    """Displayed width/height; refuses bombs, cut-short files and appended data."""
    layout = read_layout(reader)
    width, height = header_size(io.BytesIO(SOI + layout.frame + layout.scan), "JPEG", max_pixels, reader)
    if orientation(reader, layout.exif) in _QUARTER_TURNS:
        width, height = height, width
    check_ending(reader, layout)
    return {"width": width, "height": height}, frame_traits(layout.frame)


def frame_traits(frame: bytes) -> Traits:
    """From the frame header (marker, length, precision P, height, width, components Nf, ...):
    4 components are CMYK (Adobe's YCCK too); P is the bit depth (12-bit and lossless 16-bit JPEGs)."""
    precision, components = (frame[4], frame[9]) if len(frame) >= 10 else (8, 3)
    return Traits(cmyk=components == 4, bit_depth=max(8, precision))


def read_layout(reader: BudgetedReader) -> Layout:
    """Walk the segments from SOI to the first SOS by their length fields."""
    pos, frame = 2, b""
    exif: tuple[int, int] | None = None
    xmp: tuple[int, int] | None = None
    while True:
        head = reader.read_at(pos, 4)
        if len(head) < 2 or head[0] != 0xFF:
            raise corrupt_image()
        marker = head[1]
        if marker == 0xFF or marker in _STANDALONE:  # fill byte, or a marker without a length
            pos += 1 if marker == 0xFF else 2
            continue
        if len(head) < 4 or marker in (0x00, 0xD8, 0xD9):  # stuffing, a second SOI, EOI before any scan
            raise corrupt_image()
        (length,) = struct.unpack(">H", head[2:])
        end = pos + 2 + length
        if length < 2 or end > reader.size:
            raise corrupt_image()
        if marker == _SCAN:
            if not frame:
                raise corrupt_image()
            return Layout(frame, reader.read_at(pos, end - pos), end, exif, xmp)
        if marker in _FRAMES and not frame:
            frame = reader.read_at(pos, end - pos)
        elif marker == 0xE1:  # APP1: EXIF, XMP or ExtendedXMP; only the identifier is read
            ident = reader.read_at(pos + 4, min(length - 2, len(_XMP_ID)))
            if exif is None and ident.startswith(_EXIF_ID):
                exif = (pos + 4 + len(_EXIF_ID), length - 2 - len(_EXIF_ID))
            elif xmp is None and ident == _XMP_ID:
                xmp = (pos + 4 + len(_XMP_ID), length - 2 - len(_XMP_ID))
        pos = end


def orientation(reader: BudgetedReader, exif: tuple[int, int] | None) -> int:
    """EXIF Orientation (1-8; 1 when absent or unreadable), from IFD0's entries only.

    Pillow's ``Image.Exif`` wants the whole segment (up to 64 KB, a camera's
    thumbnail included); the tag sits in IFD0's first entries, so only the
    TIFF header and that directory are read.
    """
    if exif is None:
        return 1
    start, length = exif
    tiff = reader.read_at(start, min(8, length))
    order = {b"II*\x00": "<", b"MM\x00*": ">"}.get(tiff[:4])
    if order is None or len(tiff) < 8:
        return 1
    (ifd,) = struct.unpack(order + "I", tiff[4:])
    count = reader.read_at(start + ifd, 2) if ifd + 2 <= length else b""
    if len(count) < 2:
        return 1
    entries = min(struct.unpack(order + "H", count)[0], (length - ifd - 2) // 12)
    table = reader.read_at(start + ifd + 2, 12 * entries)
    for offset in range(0, len(table) - 11, 12):
        tag, kind, _, value = struct.unpack_from(order + "HHI4s", table, offset)
        if tag == 0x0112 and kind == 3:  # Orientation, SHORT
            found = struct.unpack(order + "H", value[:2])[0]
            return found if 1 <= found <= 8 else 1
    return 1


def check_ending(reader: BudgetedReader, layout: Layout) -> None:
    """The file ends at the image's EOI (or at the video of a declared motion photo).

    Raises ``trailing_data`` when something follows the image, and
    ``corrupt_file`` when the file looks cut short. Appended data bigger
    than ``TAIL_SEARCH_BYTES`` that happens to look like scan data cannot be
    told from a cut-short file; it is refused either way.
    """
    tail = reader.read_at(max(0, reader.size - TRAILER_BYTES), TRAILER_BYTES)
    if tail.rstrip(_PADDING).endswith(EOI) or _is_motion_photo(reader, layout):
        return
    start = max(layout.scan_start, reader.size - TAIL_SEARCH_BYTES)
    window = reader.read_at(start, reader.size - start)
    if window.rstrip(_PADDING).endswith(EOI):  # padded to a block size: nothing hides in zeros
        return
    if _NOT_SCAN_DATA.search(window):
        raise trailing_data()
    raise corrupt_image()


def _is_motion_photo(reader: BudgetedReader, layout: Layout) -> bool:
    """The bytes after the image are exactly the video its XMP declares.

    The XMP packet is only read here, for files that do not end at an EOI,
    and it is one APP1 segment (at most 64 KB).
    """
    if layout.xmp is None:
        return False
    start, length = layout.xmp
    video = motion.declared_video_length(reader.read_at(start, length))
    if video is None or reader.size - video < layout.scan_start + len(EOI):
        return False
    video_start = reader.size - video
    joint = reader.read_at(video_start - len(EOI), len(EOI) + 8)
    box_size = int.from_bytes(joint[2:6], "big")
    return joint[:2] == EOI and joint[6:10] == b"ftyp" and 8 <= box_size <= video
