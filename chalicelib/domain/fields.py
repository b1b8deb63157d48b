"""What people may write into a file's text fields: its display name, its description and
tags, and the original filename a client sent (cleaned, never refused for what it
contains); and how search compares text (:func:`fold`).

Bidirectional overrides and isolates make ``photo\\u202egnp.exe`` display as
``photoexe.png``: refused in names, stripped from original filenames.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from chalicelib.domain.formats import extension_of

NAME_MAX = 255
_BIDI = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F))


def is_unsafe_char(char: str) -> bool:
    """A character no displayed text may hold: controls, surrogates, bidi controls."""
    return char in _BIDI or unicodedata.category(char) in ("Cc", "Cs")


def clean_original_name(filename: str) -> str:
    """The client's filename made safe to store and show.

    Path components are dropped (``../../etc/passwd.jpg`` -> ``passwd.jpg``),
    control and bidi characters removed, and long names shortened keeping the
    extension. The result is only ever displayed; storage keys never use it.
    """
    base = re.split(r"[\\/]", filename)[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if not is_unsafe_char(c)).strip()
    base = base.lstrip(".") or "file"
    if len(base) > NAME_MAX:
        ext = extension_of(base)
        keep = NAME_MAX - len(ext) - 1 if ext else NAME_MAX
        base = base[:keep] + (f".{ext}" if ext else "")
    return base


def name_errors(value: Any, field: str = "name") -> list[str]:
    """Messages for a display name that cannot be accepted (empty when valid)."""
    if not isinstance(value, str):
        return [f"The {field} field must be a string."]
    text = value.strip()
    if not text:
        return [f"The {field} field is required."]
    if len(text) > NAME_MAX:
        return [f"The {field} field must not be greater than {NAME_MAX} characters."]
    if any(is_unsafe_char(c) for c in text):
        return [f"The {field} field must not contain control characters."]
    return []


DESCRIPTION_MAX = 1000
TAGS_MAX = 20
TAG_MAX = 40
_TAG_PUNCTUATION = frozenset(" -_")


def description_errors(value: Any) -> list[str]:
    """Messages for a description that cannot be accepted (empty when valid; null clears it)."""
    if value is None:
        return []
    if not isinstance(value, str):
        return ["The description field must be a string or null."]
    text = value.strip()
    if len(text) > DESCRIPTION_MAX:
        return [f"The description field must not be greater than {DESCRIPTION_MAX} characters."]
    if any(is_unsafe_char(c) for c in text):
        return ["The description field must not contain control characters."]
    return []


def clean_description(value: str | None) -> str | None:
    """A valid description as stored: trimmed, None when nothing is left."""
    text = (value or "").strip()
    return text or None


def tags_errors(value: Any) -> list[str]:
    """Messages for a list of tags that cannot be accepted (empty when valid)."""
    if not isinstance(value, list):
        return ["The tags field must be an array of strings."]
    if len(value) > TAGS_MAX:
        return [f"The tags field must not have more than {TAGS_MAX} items."]
    problems = []
    for index, tag in enumerate(value):
        text = tag.strip() if isinstance(tag, str) else None
        if text is None:
            problems.append(f"The tags.{index} field must be a string.")
        elif not 1 <= len(text) <= TAG_MAX:
            problems.append(f"The tags.{index} field must be 1 to {TAG_MAX} characters.")
        elif not all(c.isalnum() or c in _TAG_PUNCTUATION for c in text):
            problems.append(f"The tags.{index} field may hold only letters, digits, spaces, - and _.")
    return problems


def clean_tags(value: list[str]) -> tuple[str, ...]:
    """Valid tags as stored: trimmed, lower-cased, each once, in the order given."""
    return tuple(dict.fromkeys(tag.strip().lower() for tag in value))


def fold(text: str) -> str:
    """Text as search compares it: case-folded, accents removed (NFKD, combining marks
    dropped), so "café", "CAFÉ" and "cafe" read the same."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
