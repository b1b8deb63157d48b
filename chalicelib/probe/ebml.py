"""EBML, the binary format of Matroska and WebM: element headers and in-memory iteration.

An element is an ID (a variable-length integer of 1-4 bytes, its length
marker kept), a size (a variable-length integer of 1-8 bytes, marker
removed; all ones means "unknown size"), then the payload.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

MAX_HEADER_BYTES = 12  # a 4-byte ID and an 8-byte size


class Malformed(ValueError):
    """Bytes that are not EBML elements, or a size that does not fit its parent."""


@dataclass(frozen=True)
class Header:
    ident: int
    size: int | None  # None: unknown size (allowed for a Segment or a Cluster)
    length: int  # bytes of the ID and the size


def header(data: bytes, pos: int = 0) -> Header | None:
    """The element header at ``data[pos:]``; None when those bytes are not one (or are cut short)."""
    ident = _vint(data, pos, 4)
    if ident is None:
        return None
    size = _vint(data, pos + ident[1], 8)
    if size is None:
        return None
    value, size_length = size
    marker = 1 << (7 * size_length)
    unknown = value == marker - 1 + marker  # every value bit set
    return Header(ident[0], None if unknown else value - marker, ident[1] + size_length)


def id_at(data: bytes, pos: int = 0) -> int | None:
    """The element ID at ``data[pos:]``, None when it is not a valid one."""
    ident = _vint(data, pos, 4)
    return None if ident is None else ident[0]


def _vint(data: bytes, pos: int, longest: int) -> tuple[int, int] | None:
    """(value with its length marker, length) of the variable-length integer at ``pos``."""
    if pos >= len(data) or data[pos] == 0:
        return None
    length = 9 - data[pos].bit_length()  # leading zero bits + 1
    if length > longest or pos + length > len(data):
        return None
    return int.from_bytes(data[pos : pos + length], "big"), length


def children(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """(ID, payload start, end) of the elements of known size filling ``data[start:end]``."""
    pos = start
    while pos < end:
        found = header(data, pos)
        if found is None or found.size is None or pos + found.length + found.size > end:
            raise Malformed(f"no element of known size fits at {pos}")
        body = pos + found.length
        yield found.ident, body, body + found.size
        pos = body + found.size


def unsigned(data: bytes) -> int:
    return int.from_bytes(data, "big")
