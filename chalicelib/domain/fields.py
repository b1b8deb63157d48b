"""What people may write into a file's text fields: its display name, its description and
tags, and the original filename a client sent (cleaned, never refused for what it
contains); and how search compares text (:func:`fold`).

Names are shown to people and read by chat agents, so a name must look like
what it holds. Refused in names, dropped from original filenames:

* controls (Cc) and surrogates (Cs);
* bidirectional controls: ``photo\\u202egnp.exe`` displays as ``photoexe.png``;
* line and paragraph separators (Zl, Zp: U+2028, U+2029), which break a name
  over lines in a chat message or a log;
* format characters (Cf): zero-width spaces, U+FEFF, the soft hyphen, word
  joiners, invisible operators, the Arabic letter mark. They make two names
  that look the same differ, or a name that looks empty hold something. Tag
  characters (U+E0000..E007F) spell ASCII that no screen shows: the known way
  to hide instructions for a language model inside innocent-looking text;
* variation selectors anywhere but right after a character that has variants
  (an emoji, a symbol, a CJK ideograph): one per character at most, since a
  run of them hides bytes the same way.

Two format characters are what real writing needs, so they stay where they do
that job (after RFC 5892's contextual rules, narrowed to what names need):

* ZWNJ (U+200C) keeps two letters from joining: Persian writes ``می‌خواهم``
  with it, and Indic scripts use it after a virama. Allowed after a virama, or
  between two letters or marks when the first is not Latin (between Latin
  letters it changes nothing visible: ``ad\\u200cmin`` would pass for ``admin``).
* ZWJ (U+200D) joins: after a virama it makes Indic half forms and Malayalam
  chillus; between emoji it makes one picture of several (a family, a flag, a
  skin tone and a job). Allowed after a virama, or between emoji.

The three subdivision flags Unicode recommends (England, Scotland, Wales) are
the one use of tag characters kept: a black flag, their fixed letters, the
cancel tag.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from chalicelib.domain.formats import extension_of

NAME_MAX = 255
_BIDI = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C))
_ZWNJ, _ZWJ = "\u200c", "\u200d"
_VIRAMA = 9  # the canonical combining class of viramas
_SKIN_TONES = frozenset(chr(c) for c in range(0x1F3FB, 0x1F400))
_EMOJI_SELECTOR = "\ufe0f"
_SUBDIVISION_FLAG = re.compile(
    "\U0001f3f4(?:\U000e0067\U000e0062(?:\U000e0065\U000e006e\U000e0067|"
    "\U000e0073\U000e0063\U000e0074|\U000e0077\U000e006c\U000e0073))\U000e007f"
)


def _is_variation_selector(char: str) -> bool:
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def _is_virama(char: str) -> bool:
    return unicodedata.combining(char) == _VIRAMA


def _is_emoji_part(char: str) -> bool:
    """A character that ends an emoji a ZWJ may follow (or one that may follow it)."""
    return unicodedata.category(char) == "So" or char in _SKIN_TONES or char == _EMOJI_SELECTOR


def _is_letter_or_mark(char: str) -> bool:
    return unicodedata.category(char)[0] in "LM" and not _is_variation_selector(char)


def _joiner_in_place(text: str, index: int) -> bool:
    before = text[index - 1] if index > 0 else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    if before and _is_virama(before):
        return True
    if text[index] == _ZWJ:
        return bool(before and after) and _is_emoji_part(before) and unicodedata.category(after) == "So"
    if not (before and after and _is_letter_or_mark(before) and _is_letter_or_mark(after)):
        return False
    return not unicodedata.name(before, "").startswith("LATIN")


def _selector_in_place(text: str, index: int) -> bool:
    """One variation selector right after a visible character that has variants (emoji,
    symbols, digits of a keycap, CJK ideographs): never after a Latin letter, which has none."""
    before = text[index - 1] if index > 0 else ""
    if not before or _is_variation_selector(before) or unicodedata.category(before)[0] not in "LMNPS":
        return False
    return not unicodedata.name(before, "").startswith("LATIN")


def unsafe_positions(text: str) -> list[int]:
    """The indexes of the characters no displayed text may hold (see the module docstring)."""
    flags = {i for found in _SUBDIVISION_FLAG.finditer(text) for i in range(found.start() + 1, found.end())}
    unsafe = []
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if char in _BIDI or category in ("Cc", "Cs", "Zl", "Zp"):
            unsafe.append(index)
        elif _is_variation_selector(char):
            if not _selector_in_place(text, index):
                unsafe.append(index)
        elif category == "Cf" and index not in flags:
            if char not in (_ZWNJ, _ZWJ) or not _joiner_in_place(text, index):
                unsafe.append(index)
    return unsafe


def _described(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}" if name else f"U+{ord(char):04X}"


def clean_original_name(filename: str) -> str:
    """The client's filename made safe to store and show.

    Path components are dropped (``../../etc/passwd.jpg`` -> ``passwd.jpg``),
    the characters :func:`unsafe_positions` finds removed, and long names
    shortened keeping the extension. The result is only ever displayed;
    storage keys never use it.
    """
    base = unicodedata.normalize("NFC", re.split(r"[\\/]", filename)[-1])
    unsafe = set(unsafe_positions(base))
    base = "".join(c for i, c in enumerate(base) if i not in unsafe).strip()
    base = base.lstrip(".") or "file"
    if len(base) > NAME_MAX:
        ext = extension_of(base)
        keep = NAME_MAX - len(ext) - 1 if ext else NAME_MAX
        base = base[:keep] + (f".{ext}" if ext else "")
    return base


def name_errors(value: Any, field: str = "name") -> list[str]:
    """Messages for a display name that cannot be accepted (empty when valid); an unsafe
    character is named, since most of them cannot be seen."""
    if not isinstance(value, str):
        return [f"The {field} field must be a string."]
    text = value.strip()
    if not text:
        return [f"The {field} field is required."]
    if len(text) > NAME_MAX:
        return [f"The {field} field must not be greater than {NAME_MAX} characters."]
    return unsafe_errors(text, field)


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
    return unsafe_errors(text, "description")


def unsafe_errors(text: str, field: str) -> list[str]:
    """The message for a text holding a character no displayed text may hold (empty when none)."""
    unsafe = unsafe_positions(text)
    if unsafe:
        return [f"The {field} field must not contain control characters ({_described(text[unsafe[0]])})."]
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
