"""Agents' search (chalicelib.search): accents and case ignored, ranked, one account's files only."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import library, search, uploads
from chalicelib.domain.names import FileType
from chalicelib.domain.search import Folded, query_words, score
from chalicelib.errors import InvalidInput
from tests.helpers.media import fixture_bytes, png_bytes
from tests.helpers.tenants import Tenant


def add(tenant: Tenant, filename: str, **changes: Any) -> int:
    data = fixture_bytes("sample.mp4") if filename.endswith(".mp4") else png_bytes()
    media = uploads.upload_direct(tenant.account_id, filename, data)
    if changes:
        library.update_media(tenant.account_id, str(media.media_id), changes)
    return media.media_id


def names(tenant: Tenant, query: str | None = None, **filters: Any) -> list[str]:
    return [m.name for m in search.search_media(tenant.account_id, query, **filters)]


def test_a_query_finds_a_file_by_its_name_description_or_tag_whatever_the_accents(tenant: Tenant) -> None:
    add(tenant, "terrace.png", name="Café terrace at night")
    add(tenant, "menu.png", description="The CAFÉ's menu board", tags=["food"])
    add(tenant, "sign.png", tags=["Café"])
    add(tenant, "beach.png", description="Sunset over the sea")
    for query in ("cafe", "CAFÉ", "café", "Cafe"):
        assert sorted(names(tenant, query)) == ["Café terrace at night", "menu.png", "sign.png"], query
    assert names(tenant, "sunset") == ["beach.png"]
    assert names(tenant, "food") == ["menu.png"]
    assert names(tenant, "nothing-like-this") == []


def test_files_matching_every_word_come_first_then_more_words_then_the_name_before_the_description(
    tenant: Tenant,
) -> None:
    add(tenant, "described.png", description="night cafe")  # both words, in the description
    add(tenant, "one.png", name="Night")  # one word, in the name
    add(tenant, "named.png", name="Cafe at night")  # both words, in the name
    add(tenant, "tagged.png", tags=["cafe", "night"])  # both words, in the tags
    assert names(tenant, "cafe night") == ["Cafe at night", "tagged.png", "described.png", "Night"]


def test_equal_matches_come_newest_first_and_the_limit_holds(tenant: Tenant) -> None:
    for index in range(5):
        add(tenant, f"photo-{index}.png")
    assert names(tenant, "photo", limit=3) == ["photo-4.png", "photo-3.png", "photo-2.png"]
    assert names(tenant, None, limit=2) == ["photo-4.png", "photo-3.png"]


def test_type_and_tag_filters_narrow_the_search(tenant: Tenant) -> None:
    add(tenant, "summer.png", tags=["summer"])
    add(tenant, "summer.mp4", tags=["summer"])
    add(tenant, "winter.png", tags=["winter"])
    assert names(tenant, "summer", file_type=FileType.VIDEO) == ["summer.mp4"]
    assert names(tenant, None, tag="summer") == ["summer.mp4", "summer.png"]
    assert names(tenant, "summer", tag="winter") == []


def test_another_accounts_files_are_never_found(tenant: Tenant, other_tenant: Tenant) -> None:
    add(tenant, "secret.png", description="the launch plan")
    assert names(other_tenant, "launch") == [] and names(other_tenant) == []


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"query": "x" * 256}, "query"),
        ({"query": "bad\x00query"}, "query"),
        ({"query": 5}, "query"),
        ({"type_name": "audio"}, "type"),
        ({"tag": "no/slash"}, "tag"),
        ({"limit": 0}, "limit"),
        ({"limit": 51}, "limit"),
        ({"limit": "10"}, "limit"),
    ],
)
def test_bad_search_arguments_name_their_field(arguments: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        search.parse_search(**arguments)
    assert set(refused.value.errors or {}) == {field}


def test_words_are_folded_and_scored_by_where_they_are_found() -> None:
    assert query_words("  Café  CAFE night ") == ["cafe", "night"]
    folded = Folded.of("Café terrace", "IMG_1.png", "At night", ("paris",))
    found = score(["cafe", "night"], folded)
    assert found is not None and (found.every_word, found.words) == (True, 2)
    partial = score(["cafe", "london"], folded)
    assert partial is not None and (partial.every_word, partial.words) == (False, 1)
    assert score(["london"], folded) is None
