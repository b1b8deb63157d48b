"""Descriptions and tags (docs/architecture.md, "Search"): set with PUT beside the name,
validated like names, filtered with ?tag=, and a list search that ignores case and accents."""

from __future__ import annotations

from typing import Any

import pytest
from chalice.test import Client

from tests.helpers.http import API, call, put_json, uploaded
from tests.helpers.media import fixture_bytes
from tests.helpers.tenants import Tenant


def listed(client: Client, tenant: Tenant, query: str) -> list[str]:
    reply = call(client, "GET", f"{API}/media?{query}", tenant)
    assert reply.status == 200, reply.body
    return [m["name"] for m in reply.body["data"]]


def test_a_new_file_has_no_description_and_no_tags(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "photo.png")
    assert (media["description"], media["tags"]) == (None, [])


def test_description_and_tags_are_set_together_or_alone_and_the_name_stays(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "terrace.png")
    body = {"description": "  The café terrace at night.  ", "tags": ["Café", "night", "cafe", "NIGHT", "été"]}
    reply = put_json(client, tenant, media["id"], body)
    assert reply.status == 200, reply.body
    got = reply.body
    assert (got["name"], got["description"], got["tags"]) == (
        "terrace.png",
        "The café terrace at night.",
        ["café", "night", "cafe", "été"],
    )
    assert got["updated_at"] >= media["updated_at"] and reply.header("ETag")
    tags_only = put_json(client, tenant, media["id"], {"tags": ["summer"]}).body
    assert (tags_only["description"], tags_only["tags"]) == ("The café terrace at night.", ["summer"])
    cleared = put_json(client, tenant, media["id"], {"description": None, "tags": []}).body
    assert (cleared["description"], cleared["tags"], cleared["name"]) == (None, [], "terrace.png")
    assert put_json(client, tenant, media["id"], {"description": "   "}).body["description"] is None
    renamed = put_json(client, tenant, media["id"], {"name": "Terrace", "unknown": 1, "id": 99}).body
    assert (renamed["name"], renamed["id"]) == ("Terrace", media["id"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": "x" * 1001}, "description"),
        ({"description": "null\x00byte"}, "description"),
        ({"description": 12}, "description"),
        ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"tags": ["x" * 41]}, "tags"),
        ({"tags": [""]}, "tags"),
        ({"tags": ["no/slash"]}, "tags"),
        ({"tags": "summer"}, "tags"),
        ({"tags": [1]}, "tags"),
        ({}, "name"),
        ({"name": None}, "name"),
    ],
)
def test_bad_descriptions_and_tags_are_422_naming_the_field_and_change_nothing(
    client: Client, tenant: Tenant, body: dict[str, Any], field: str
) -> None:
    media = uploaded(client, tenant, "photo.png")
    reply = put_json(client, tenant, media["id"], body)
    assert (reply.status, reply.body["code"], set(reply.body["errors"])) == (422, "validation_failed", {field})
    after = call(client, "GET", f"{API}/media/{media['id']}", tenant).body
    assert after == media


def test_the_tag_filter_keeps_its_filters_pages_and_cursors(client: Client, tenant: Tenant) -> None:
    for name in ("a.png", "b.png", "c.mp4", "d.png"):
        media = uploaded(client, tenant, name, None if name.endswith("png") else fixture_bytes("sample.mp4"))
        tags = ["summer"] if name in ("a.png", "c.mp4", "d.png") else ["winter"]
        assert put_json(client, tenant, media["id"], {"tags": tags}).status == 200
    assert listed(client, tenant, "tag=Summer") == ["d.png", "c.mp4", "a.png"]
    assert listed(client, tenant, "tag=summer&type=image") == ["d.png", "a.png"]
    page = call(client, "GET", f"{API}/media?tag=summer&per_page=2", tenant).body
    assert page["meta"]["total"] == 3 and "tag=summer" in page["links"]["next"]
    first = call(client, "GET", f"{API}/media?tag=summer&per_page=2&cursor=", tenant).body
    assert [m["name"] for m in first["data"]] == ["d.png", "c.mp4"] and "tag=summer" in first["links"]["next"]
    assert listed(client, tenant, "tag=autumn") == []
    bad = call(client, "GET", f"{API}/media?tag=" + "x" * 41, tenant)
    assert (bad.status, set(bad.body["errors"])) == (422, {"tag"})


def test_the_list_search_ignores_case_and_accents_in_names_and_filenames(client: Client, tenant: Tenant) -> None:
    cafe = uploaded(client, tenant, "terrace.png")
    assert put_json(client, tenant, cafe["id"], {"name": "Café terrace at night"}).status == 200
    uploaded(client, tenant, "CAFÉ-menu.png")
    uploaded(client, tenant, "beach.png")
    for query in ("cafe", "CAFE", "café", "Cafè"):
        assert listed(client, tenant, f"search={query}") == ["CAFÉ-menu.png", "Café terrace at night"], query
    described = uploaded(client, tenant, "plain.png")
    assert put_json(client, tenant, described["id"], {"description": "a cafe", "tags": ["cafe"]}).status == 200
    assert "plain.png" not in listed(client, tenant, "search=cafe")  # the contract's search: name or filename only


def test_another_accounts_tags_and_descriptions_stay_theirs(
    client: Client, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = uploaded(client, tenant, "mine.png")
    assert put_json(client, tenant, mine["id"], {"tags": ["secret"]}).status == 200
    assert listed(client, other_tenant, "tag=secret") == []
    assert put_json(client, other_tenant, mine["id"], {"tags": ["stolen"]}).status == 404
