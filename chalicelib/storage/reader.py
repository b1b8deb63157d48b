"""A stored object as a seekable file: what the probe reads through."""

from __future__ import annotations

import io
from typing import Any

from chalicelib.storage.port import Storage


class RangedReader(io.RawIOBase):
    """A seekable, read-only view of an object: every read is one ranged GET.

    No read-ahead and no cache here: the probe sizes and caches its own
    reads, so exactly the bytes it asks for travel. With ``etag`` every read
    is conditional on it (ObjectChanged when the object was replaced).
    ``bytes_fetched`` and ``requests`` tell what it cost.
    """

    def __init__(self, store: Storage, key: str, size: int, etag: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.key = key
        self.size = size
        self.etag = etag
        self.bytes_fetched = 0
        self.requests = 0
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        remaining = max(0, self.size - self._pos)
        want = remaining if size is None or size < 0 else min(size, remaining)
        if want == 0:
            return b""
        data = self.store.read_range(self.key, self._pos, want, if_match=self.etag)
        self.requests += 1
        self.bytes_fetched += len(data)
        self._pos += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        memoryview(buffer)[: len(data)] = data
        return len(data)
