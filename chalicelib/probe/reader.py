"""The one way the probe reads an upload: budgeted, cached, seekable.

In production ``source`` is ``storage.RangedReader``, where every ``read`` is
an S3 ranged GET, so both the bytes and the number of requests cost.
``BudgetedReader`` fetches in windows, keeps what it fetched for the rest of
the call (parsers re-read headers), never fetches a byte twice, and refuses
to fetch past a fixed per-file budget (bytes and read calls) whatever sizes
the file declares. ``Walk`` reads forward through a structure (PNG chunks,
GIF blocks, FLV tags, the top-level boxes and elements of a video) in
windows that grow while its headers are close together, so a walk over a
whole file costs a handful of requests; headers far apart (a video's
clusters or fragments) cost a small window each, up to ``MAX_HOPS`` of them.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

KIB, MIB = 1024, 1024 * 1024

# Per-file read budgets. Images: a JPEG is read by its segment headers (plus
# its EXIF IFD0, its tail and, for a motion photo, its XMP packet); PNG and
# GIF are walked to their end, so their budget is the file's size. Videos:
# only box/element headers and small header boxes, a few KB.
IMAGE_READ_BUDGET = 256 * KIB
VIDEO_READ_BUDGET = 2 * MIB
# Bounds CPU as well as bytes: a file of millions of 8-byte boxes costs
# little to fetch but one parser call (hachoir: ~20 us a field) per box.
MAX_READ_CALLS = 20_000
# A miss fetches at least this much, so the next small reads hit the cache.
WINDOW_BYTES = 8 * KIB
# Extra bytes fetched after a big read, to cover the next header.
READ_AHEAD = 4 * KIB
# Windows of a Walk: the first one after a jump, and the most kept at once.
WALK_FIRST_WINDOW = 64 * KIB
WALK_LARGEST_WINDOW = 8 * MIB
# Far jumps a Walk makes with small windows before its windows grow anyway.
# A header walk over a video (a cluster or fragment every few hundred KB)
# costs one request per header; past this many, the windows double at each
# jump, so any layout of a 50 MB file is walked in at most about
# MAX_HOPS + 10 + 50 MB / WALK_LARGEST_WINDOW requests (~80), reading more
# bytes instead of making more requests.
MAX_HOPS = 64


class BudgetExceeded(Exception):
    """A parser asked for more bytes or reads than the per-file budget."""


class BudgetedReader:
    """Seekable, caching, budgeted view of ``source`` for our parsers, Pillow and hachoir.

    Parsers issue many tiny reads (hachoir: one per field); passing them
    through would mean one ranged GET each, so a miss fetches a window and
    everything fetched stays cached for the call.
    """

    def __init__(self, source: BinaryIO, size: int, budget: int) -> None:
        self.budget = budget
        self.bytes_fetched = 0
        self.fetches = 0  # requests made to the source
        # Pillow and hachoir swallow exceptions; a failing source (S3 down)
        # must not be reported as a corrupt file, so its error is kept.
        self.source_error: Exception | None = None
        self._source, self._end, self._pos, self._calls = source, size, 0, 0
        self._starts: list[int] = []  # sorted starts of cached segments
        self._segments: dict[int, bytes] = {}

    @property
    def size(self) -> int:
        """Bytes readable: the claimed size, or less once EOF was hit early."""
        return self._end

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._end}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, n: int | None = -1) -> bytes:
        self._calls += 1
        if self._calls > MAX_READ_CALLS:
            raise BudgetExceeded("too many reads")
        end = self._end if n is None or n < 0 else min(self._pos + n, self._end)
        parts = []
        while self._pos < end:
            chunk = self._from_cache(self._pos, end)
            if not chunk:
                # Small reads (hachoir fields, headers) fetch a window so the
                # next ones hit the cache; big ones what was asked plus room
                # for the next header.
                needed = end - self._pos
                wanted = WINDOW_BYTES if needed <= WINDOW_BYTES else needed + READ_AHEAD
                chunk = self.fetch(self._pos, wanted, needed)[:needed]
            if not chunk:
                break
            parts.append(chunk)
            self._pos += len(chunk)
        return b"".join(parts)

    @contextmanager
    def walking(self) -> Iterator[None]:
        """Let a walk to the end of the file read up to the whole file, counted apart.

        Header parsers keep their own budget: what the walk fetched is added
        to it afterwards. No byte is fetched twice, so a file never costs
        more than its size.
        """
        budget, before = self.budget, self.bytes_fetched
        self.budget = max(budget, self._end)
        try:
            yield
        finally:
            self.budget = budget + (self.bytes_fetched - before)

    def read_at(self, pos: int, n: int) -> bytes:
        """Up to ``n`` bytes at ``pos`` (fewer at the end of the file)."""
        self.seek(pos)
        return self.read(n)

    def cached(self, pos: int) -> tuple[int, bytes] | None:
        """The cached segment holding ``pos``, as (start, bytes), if any."""
        i = bisect.bisect_right(self._starts, pos) - 1
        if i < 0:
            return None
        start = self._starts[i]
        data = self._segments[start]
        return (start, data) if pos < start + len(data) else None

    def fetch(self, pos: int, wanted: int, needed: int, *, keep: bool = True) -> bytes:
        """Fetch up to ``wanted`` bytes at ``pos`` from the source, one request.

        Stops before the next cached segment (no byte is fetched twice) and
        at the end of the file. Raises ``BudgetExceeded`` when even the
        ``needed`` bytes would pass the budget. ``keep=False`` leaves the
        bytes out of the cache (a Walk keeps its own window).
        """
        if self.source_error is not None:  # fail fast: parsers retry after errors
            raise self.source_error
        i = bisect.bisect_right(self._starts, pos)
        limit = min(self._end, self._starts[i] if i < len(self._starts) else self._end)
        remaining = self.budget - self.bytes_fetched
        if min(needed, limit - pos) > remaining:
            raise BudgetExceeded(f"read budget of {self.budget} bytes exhausted")
        length = min(wanted, remaining, limit - pos)
        if length <= 0:
            return b""
        data = self._get(pos, length)
        if keep and data:
            bisect.insort(self._starts, pos)
            self._segments[pos] = data
        return data

    def _from_cache(self, pos: int, end: int) -> bytes:
        segment = self.cached(pos)
        if segment is None:
            return b""
        start, data = segment
        return data[pos - start : end - start]

    def _get(self, pos: int, length: int) -> bytes:
        parts, got = [], 0
        self.fetches += 1
        try:
            self._source.seek(pos)
            while got < length:  # raw streams may return short reads
                more = self._source.read(length - got)
                if not more:
                    self._end = pos + got  # the object is shorter than claimed
                    break
                parts.append(more)
                got += len(more)
        except Exception as err:
            self.source_error = err
            raise
        self.bytes_fetched += got
        return b"".join(parts)


class Walk:
    """Forward reads through a structure, in windows that grow while it is dense.

    A miss close to the end of the previous window doubles the next window
    (up to ``WALK_LARGEST_WINDOW``, which bounds memory); a jump far ahead
    starts again at ``first``, or, after ``max_hops`` such jumps, doubles the
    window too (bounding the requests of a walk over sparse headers). Bytes
    the reader already cached are used, not fetched again, and only windows
    of at most ``WINDOW_BYTES`` are added to the reader's cache (a header a
    parser reads next, such as a moov found at the end), so a walk over a
    whole file fetches each byte at most once.
    """

    def __init__(self, reader: BudgetedReader, first: int = WALK_FIRST_WINDOW, max_hops: int | None = None) -> None:
        self._reader, self._first, self._window = reader, first, 0
        self._start, self._data = 0, b""
        self._hops, self._max_hops = 0, max_hops

    @property
    def _end(self) -> int:
        return self._start + len(self._data)

    def bytes(self, pos: int, n: int) -> bytes:
        """Up to ``n`` bytes at ``pos`` (fewer at the end of the file)."""
        if not (self._start <= pos and pos + n <= self._end):
            self._load(pos, n)
        offset = pos - self._start
        return self._data[offset : offset + n]

    def byte(self, pos: int) -> int:
        """The byte at ``pos``, or -1 past the end of the file."""
        if not (self._start <= pos < self._end):
            self._load(pos, 1)
        return self._data[pos - self._start] if pos < self._end else -1

    def _load(self, pos: int, n: int) -> None:
        held = self._data[pos - self._start :] if self._start <= pos < self._end else b""
        parts, have, grown = [held], pos + len(held), False
        while have < pos + n:
            segment = self._reader.cached(have)
            if segment is not None:
                chunk = segment[1][have - segment[0] :]
            else:
                if not grown:
                    self._grow(pos)
                    grown = True
                wanted = max(pos + n - have, self._window)
                chunk = self._reader.fetch(have, wanted, pos + n - have, keep=wanted <= WINDOW_BYTES)
            if not chunk:
                break
            parts.append(chunk)
            have += len(chunk)
        self._start, self._data = pos, b"".join(parts)

    def _grow(self, pos: int) -> None:
        dense = pos < self._end + max(self._window, self._first)
        if not dense and self._max_hops is not None:
            self._hops += 1
            dense = self._hops > self._max_hops
        self._window = min(max(2 * self._window, self._first), WALK_LARGEST_WINDOW) if dense else self._first
