"""Videos: width/height and duration, through hachoir."""

from __future__ import annotations

import math
from datetime import timedelta

from chalicelib.probe import containers
from chalicelib.probe.reader import VIDEO_READ_BUDGET, BudgetedReader


def video_metadata(reader: BudgetedReader, mime: str) -> dict[str, int | float] | None:
    """``{"width", "height", "duration"}`` with the keys that could be read; None if none.

    A video whose metadata cannot be read is still accepted (its type was
    sniffed), so unreadable or malformed headers degrade to fewer keys.
    """
    reader.budget = VIDEO_READ_BUDGET
    return _hachoir_metadata(reader, mime) or None


def _hachoir_metadata(reader: BudgetedReader, mime: str) -> dict[str, int | float]:
    _, metadata = containers.parse(reader, mime)
    if reader.source_error is not None:
        raise reader.source_error
    if metadata is None:
        return {}
    found: dict[str, int | float] = {}
    # Container-level values first, then per-stream groups (MKV and ASF keep
    # width/height in a "Video stream" group). Width and height are taken
    # as a pair from one group so they never mix two streams.
    for group in [metadata, *getattr(metadata, "iterGroups", lambda: [])()]:
        width, height = _value(group, "width"), _value(group, "height")
        if "width" not in found and width is not None and height is not None:
            found.update(width=width, height=height)
        duration = _value(group, "duration")
        if "duration" not in found and duration is not None:
            found["duration"] = duration
    return found


def _value(group: object, key: str) -> int | float | None:
    """First plausible value of ``key``: positive size, finite duration."""
    item = group.getItem(key, 0)  # type: ignore[attr-defined]
    value = None if item is None else item.value
    if key == "duration":
        seconds = value.total_seconds() if isinstance(value, timedelta) else -1.0
        return round(seconds, 3) if seconds >= 0 else None
    plausible = isinstance(value, (int, float)) and math.isfinite(value) and 0 < value < 1 << 20
    return int(value) if plausible and value is not None else None
