"""What people may write into a file's text fields: its display name, and the
original filename a client sent (cleaned, never refused for what it contains).

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
