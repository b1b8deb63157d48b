"""A refused file explained to a person, word for word as the API explains it.

The client refuses what the API would refuse before sending a byte (from
GET /account's limits), so its message must be the API's own: "big.mp4 is
60 MB; the limit is 50 MB.", "notes.txt is not an image or a video (jpg, ...)."
"""

from __future__ import annotations

from collections.abc import Sequence

_UNITS = ("B", "KB", "MB", "GB")


def formatted_size(size: int) -> str:
    """1024-based, at most 2 decimals, trailing zeros dropped (the API's ``formatted_size``)."""
    value, index = float(size), 0
    while value >= 1024 and index < len(_UNITS) - 1:
        value /= 1024
        index += 1
    return f"{round(value, 2):.2f}".rstrip("0").rstrip(".") + f" {_UNITS[index]}"


def shown_name(filename: str | None) -> str:
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base or "The file"


def not_media(filename: str | None, extensions: Sequence[str]) -> str:
    return f"{shown_name(filename)} is not an image or a video ({', '.join(extensions)})."


def too_large(filename: str | None, size: int, limit: int) -> str:
    shown, most = formatted_size(size), formatted_size(limit)
    if shown == most:  # 50 MB and one byte: the bytes tell them apart
        shown, most = f"{size:,} bytes", f"{limit:,} bytes"
    return f"{shown_name(filename)} is {shown}; the limit is {most}."


def empty(filename: str | None) -> str:
    return f"{shown_name(filename)} is empty."
