"""Names and original filenames hold no invisible characters (chalicelib/domain/fields.py):
Unicode format (Cf) and line/paragraph separators (Zl, Zp) are refused in names and
dropped from filenames, as controls and bidi controls are; the joiners that real
writing needs (ZWNJ in Persian and Indic words, ZWJ in Indic conjuncts and emoji
sequences) stay."""

from __future__ import annotations

import pytest

from chalicelib.domain.fields import clean_original_name, name_errors

INVISIBLE = {
    "\u200b": "ZERO WIDTH SPACE",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE",
    "\u2028": "LINE SEPARATOR",
    "\u2029": "PARAGRAPH SEPARATOR",
    "\u061c": "ARABIC LETTER MARK",
    "\u00ad": "SOFT HYPHEN",
    "\u2060": "WORD JOINER",
    "\u2062": "INVISIBLE TIMES",
    "\u180e": "MONGOLIAN VOWEL SEPARATOR",
    "\U000e0041": "TAG LATIN CAPITAL LETTER A",
}

REAL_NAMES = [
    "می\u200cخواهم",  # Persian: "I want", ZWNJ between the prefix and the verb
    "نامه\u200cها",  # Persian plural suffix
    "क्\u200dष",  # Devanagari: ZWJ after the virama (half form)
    "क्\u200cष",  # Devanagari: ZWNJ after the virama (explicit virama)
    "ന്\u200d",  # Malayalam chillu: ZWJ after the virama, at the end
    "\U0001f468\u200d\U0001f469\u200d\U0001f467 family",  # emoji family
    "\u2764\ufe0f\u200d\U0001f525 launch",  # heart on fire (a variation selector before the ZWJ)
    "\U0001f469\U0001f3fd\u200d\U0001f4bb team",  # skin tone before the ZWJ
    "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f Scotland",  # a subdivision flag
    "Ünïcödé Café 東京 (2)",
    "\u845b\U000e0100 ideographic variant",  # one variation selector after a CJK ideograph
]

MISPLACED_JOINERS = [
    "admin\u200d",  # ZWJ at the end of a Latin word
    "\u200dadmin",
    "ad\u200dmin",  # ZWJ between Latin letters joins nothing
    "ad\u200cmin",  # ZWNJ between Latin letters separates nothing
    "report \u200c.png",  # ZWNJ next to a space
    "\u200c",
    "\U0001f468\u200d",  # a dangling ZWJ after an emoji
    "\U0001f3f4\U000e0061\U000e0062\U000e0063\U000e007f flag",  # tags that spell no flag: hidden text
    "Hello\U000e0049\U000e0067\U000e006e\U000e006f\U000e0072\U000e0065",  # "Ignore" in tag characters
    "photo\ufe0f\ufe0f\ufe0f\ufe0f",  # a run of variation selectors carries hidden bytes
    "\ufe0fphoto",
]


@pytest.mark.parametrize("char", sorted(INVISIBLE))
def test_format_and_separator_characters_are_refused_in_names_by_name(char: str) -> None:
    # (str.strip() trims U+2028 and U+2029 from the ends, as the stored name is trimmed)
    ends = [] if char.isspace() else [f"{char}Summer", f"Summer{char}"]
    for name in (f"Sum{char}mer", *ends):
        problems = name_errors(name)
        assert problems == [
            f"The name field must not contain control characters (U+{ord(char):04X} {INVISIBLE[char]})."
        ], name


@pytest.mark.parametrize("name", REAL_NAMES)
def test_what_real_names_need_is_accepted(name: str) -> None:
    assert name_errors(name) == []
    assert clean_original_name(f"{name}.png") == f"{name}.png"


@pytest.mark.parametrize("name", MISPLACED_JOINERS)
def test_joiners_tags_and_selectors_that_join_nothing_are_refused(name: str) -> None:
    assert name_errors(name), name


@pytest.mark.parametrize("char", sorted(INVISIBLE))
def test_original_filenames_lose_invisible_characters(char: str) -> None:
    assert clean_original_name(f"hol{char}iday{char}.png") == "holiday.png"
    assert clean_original_name(f"{char}{char}.png") == "png"  # as ".png" is (refused later: no extension)
    assert clean_original_name(f"{char}.hidden.png") == "hidden.png"


def test_original_filenames_keep_joiners_in_place_and_lose_misplaced_ones() -> None:
    assert clean_original_name("می\u200cخواهم.jpg") == "می\u200cخواهم.jpg"
    assert clean_original_name("ad\u200dmin\u200c.png") == "admin.png"
    assert clean_original_name("Hello\U000e0049\U000e0067.png") == "Hello.png"
    assert clean_original_name("photo\ufe0f\ufe0f.png") == "photo.png"


def test_the_old_refusals_still_hold() -> None:
    assert name_errors("Tab\there") == ["The name field must not contain control characters (U+0009)."]
    assert name_errors("invoice\u202egpj.exe") == [
        "The name field must not contain control characters (U+202E RIGHT-TO-LEFT OVERRIDE)."
    ]
    assert clean_original_name("photo\u202egnp.exe") == "photognp.exe"
