"""One implementation of a port per process: built on first use, replaceable.

``records.store()`` and ``storage.store()`` hand out what their slot holds:
the real implementation, built lazily (nothing happens at import), unless a
test installed an in-memory fake with ``use()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Slot(Generic[T]):
    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._held: T | None = None

    def get(self) -> T:
        """What the slot holds, built on first use."""
        if self._held is None:
            self._held = self._build()
        return self._held

    def use(self, implementation: T | None) -> None:
        """Hold ``implementation`` from now on (None: build the real one again on next use)."""
        self._held = implementation
