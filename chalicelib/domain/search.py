"""How search finds and ranks files (docs/architecture.md, "Search").

Every searchable field is kept folded (lower-cased, accents removed: "Café" reads "cafe")
beside the field itself, each on its own, so that changing one field rewrites only its
folded copy (a rename stays one conditional write) and a store can filter on any of them.

The list's ``search`` (the contract's) matches the display name or the original filename.
Agents' search matches the name, the tags, the original filename and the description, and
ranks what it finds: files that match every word of the query first, then those matching
more of its words, then by where the words matched (the name weighs most, then the tags,
the original filename, the description), the newest first among equals.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.fields import fold

QUERY_MAX = 255
WORDS_MAX = 16
#: Where a word is found, by weight.
NAME, TAGS, ORIGINAL, DESCRIPTION = 8, 4, 2, 1


@dataclass(frozen=True)
class Folded:
    """A file's searchable fields, folded."""

    name: str
    tags: str
    original_name: str
    description: str

    @classmethod
    def of(cls, name: str, original_name: str, description: str | None, tags: tuple[str, ...]) -> Folded:
        return cls(fold(name), fold(" ".join(tags)), fold(original_name), fold(description or ""))


def query_words(query: str) -> list[str]:
    """The query's words, folded, each once, in order (at most WORDS_MAX)."""
    return list(dict.fromkeys(fold(query).split()))[:WORDS_MAX]


@dataclass(frozen=True, order=True)
class Score:
    every_word: bool
    words: int
    weight: int


def score(words: list[str], folded: Folded) -> Score | None:
    """How well a file answers ``words`` (None: no word found anywhere)."""
    weighted = (
        (folded.name, NAME),
        (folded.tags, TAGS),
        (folded.original_name, ORIGINAL),
        (folded.description, DESCRIPTION),
    )
    found, weight = 0, 0
    for word in words:
        best = max((w for text, w in weighted if word in text), default=0)
        if best:
            found += 1
            weight += best
    return Score(found == len(words), found, weight) if found else None
