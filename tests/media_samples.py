"""Media files built at test time from the small fixtures (nothing big is committed)."""

from __future__ import annotations

import struct

from tests.conftest import fixture_bytes


def boxes(data: bytes) -> dict[bytes, bytes]:
    """Top-level ISO-BMFF boxes of a small fixture, by type (last one wins)."""
    found, offset = {}, 0
    while offset < len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        found[kind] = data[offset : offset + size]
        offset += size
    return found


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
