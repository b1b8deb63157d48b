"""Listing (docs/architecture.md, "Listing"): GET /api/v1/media — newest first, type and search filters, per_page,
Laravel's page and cursor paginator envelopes, and 422 for bad query values."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from chalice.local import LambdaContext
from chalice.test import Client

from chalicelib import caches
from tests.helpers.aws_faults import dynamodb_clients
from tests.helpers.http import API, Reply, call, check_body, put_json, uploaded
from tests.helpers.media import fixture_bytes
from tests.helpers.stores import aws_client, table_name
from tests.helpers.tenants import Tenant

# Links come from the trusted base (docs/architecture.md, "Browsers and links"); these requests also claim
# another host, which must change nothing.
HOST = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
PATH = "https://media.example.com/api/v1/media"


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {"MEDIA_PUBLIC_API_URL": "https://media.example.com/"}


def listing(client: Client, tenant: Tenant, query: str = "", ok: bool = True) -> Reply:
    reply = call(client, "GET", f"{API}/media{'?' + query if query else ''}", tenant, headers=HOST)
    if ok:
        assert reply.status == 200, reply.body
    return reply


def ids(reply: Reply) -> list[int]:
    return [m["id"] for m in reply.body["data"]]


def link(url: str | None) -> tuple[str, dict[str, str]] | None:
    """(absolute base, query params) of a link, so parameter order does not matter."""
    if url is None:
        return None
    parts = urlsplit(url)
    assert parts.scheme and parts.netloc, f"link is not absolute: {url}"
    return f"{parts.scheme}://{parts.netloc}{parts.path}", dict(parse_qsl(parts.query, keep_blank_values=True))


def follow(client: Client, tenant: Tenant, url: str) -> Reply:
    parts = urlsplit(url)
    reply = call(client, "GET", f"{parts.path}?{parts.query}", tenant, headers=HOST)
    assert reply.status == 200, reply.body
    return reply


def seed(client: Client, tenant: Tenant, count: int, filename: str = "photo.png", **kwargs: Any) -> list[int]:
    return [uploaded(client, tenant, filename, **kwargs)["id"] for _ in range(count)]


# -- order, filters, per_page ---------------------------------------------------------


def test_newest_first(client: Client, tenant: Tenant) -> None:
    made = seed(client, tenant, 4)
    reply = listing(client, tenant)
    assert ids(reply) == sorted(made, reverse=True)
    created = [m["created_at"] for m in reply.body["data"]]
    assert created == sorted(created, reverse=True)


def test_type_filter_lists_only_that_type_with_its_total(client: Client, tenant: Tenant) -> None:
    image_ids = seed(client, tenant, 2, "a.png") + seed(client, tenant, 1, "b.jpg", data=fixture_bytes("sample.jpg"))
    video_ids = [
        uploaded(client, tenant, f"clip.{ext}", fixture_bytes(f"sample.{ext}"))["id"] for ext in ("mp4", "webm")
    ]

    images = listing(client, tenant, "type=image")
    assert ids(images) == sorted(image_ids, reverse=True)
    assert {m["file_type"] for m in images.body["data"]} == {"image"}
    assert images.body["meta"]["total"] == 3

    videos = listing(client, tenant, "type=video")
    assert ids(videos) == sorted(video_ids, reverse=True)
    assert videos.body["meta"]["total"] == 2

    assert listing(client, tenant).body["meta"]["total"] == 5


@pytest.mark.moto
def test_type_filter_total_comes_from_the_account_counters(client: Client, tenant: Tenant) -> None:
    seed(client, tenant, 2)
    # The contract: "total for a type filter comes from the account's counters, not a scan".
    aws_client("dynamodb").update_item(
        TableName=table_name("AccountItem"),
        Key={"account_id": {"S": tenant.account_id}},
        UpdateExpression="SET image_count = :n",
        ExpressionAttributeValues={":n": {"N": "7"}},
    )
    assert listing(client, tenant, "type=image&per_page=5").body["meta"]["total"] == 7


def test_search_is_a_case_insensitive_substring_of_name_or_original_name(client: Client, tenant: Tenant) -> None:
    sunset = uploaded(client, tenant, "Sunset-Final.PNG", name="Holiday")["id"]
    beach = uploaded(client, tenant, "beach.png")["id"]
    day = uploaded(client, tenant, "portrait.png", name="BEACH Day")["id"]
    uploaded(client, tenant, "other.png", name="Unrelated")

    assert ids(listing(client, tenant, "search=beach")) == [day, beach]
    assert ids(listing(client, tenant, "search=SUNSET")) == [sunset]  # original_name only
    assert ids(listing(client, tenant, "search=oLiDa")) == [sunset]  # name only
    assert ids(listing(client, tenant, "search=nothing-like-this")) == []
    assert listing(client, tenant, "search=beach").body["meta"]["total"] == 2


@pytest.mark.moto
def test_a_filtered_cursor_page_finds_a_rare_match_in_a_few_reads(client: Client, tenant: Tenant) -> None:
    """DynamoDB's Limit counts items read before the filter: one match in 300 files must not
    cost a call per page-size of items read."""
    from bench.listing import fill_library

    fill_library(tenant.account_id, 300)
    queries: list[str] = []
    hooked = dynamodb_clients()
    for dynamodb in hooked:
        dynamodb.meta.events.register("before-call.dynamodb.Query", lambda **_: queries.append("Query"))
    page = listing(client, tenant, "search=file%20150&cursor=&per_page=10")
    assert [m["name"] for m in page.body["data"]] == ["File 150"]
    assert len(queries) <= 2, queries  # 300 files fit in one 1 MB read; 29 reads of 11 before


def test_search_finds_a_file_by_its_new_name_after_rename(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "x.png")
    assert put_json(client, tenant, media["id"], {"name": "Quarterly Report"}).status == 200
    assert ids(listing(client, tenant, "search=QUARTERLY")) == [media["id"]]


def test_search_matches_literally(client: Client, tenant: Tenant) -> None:
    percent = uploaded(client, tenant, "x.png", name="50% off")["id"]
    uploaded(client, tenant, "y.png", name="Fifty off")
    assert ids(listing(client, tenant, "search=%25")) == [percent]


def test_search_combines_with_type(client: Client, tenant: Tenant) -> None:
    image = uploaded(client, tenant, "launch.png")["id"]
    uploaded(client, tenant, "launch.mp4", fixture_bytes("sample.mp4"))
    reply = listing(client, tenant, "type=image&search=launch")
    assert ids(reply) == [image]
    assert reply.body["meta"]["total"] == 1


def test_per_page_defaults_to_25(client: Client, tenant: Tenant) -> None:
    seed(client, tenant, 26)
    reply = listing(client, tenant)
    assert len(reply.body["data"]) == 25
    assert reply.body["meta"]["per_page"] == 25
    assert reply.body["meta"]["last_page"] == 2
    second = listing(client, tenant, "page=2")
    assert ids(second) == [1]


def test_per_page_accepts_1_to_100(client: Client, tenant: Tenant) -> None:
    seed(client, tenant, 3)
    for per_page in (1, 3, 100):
        reply = listing(client, tenant, f"per_page={per_page}")
        assert len(reply.body["data"]) == min(per_page, 3), per_page
        assert reply.body["meta"]["per_page"] == per_page


# -- page mode envelope -----------------------------------------------------------------


def test_page_envelope_is_laravels_length_aware_paginator(client: Client, tenant: Tenant) -> None:
    seed(client, tenant, 5, "photo.png")  # ids 1..5
    reply = listing(client, tenant, "per_page=2&page=2&search=photo")
    body = reply.body
    assert set(body) == {"data", "links", "meta"}
    assert [m["id"] for m in body["data"]] == [3, 2]
    assert body["meta"] == {
        "current_page": 2,
        "from": 3,
        "last_page": 3,
        "path": PATH,
        "per_page": 2,
        "to": 4,
        "total": 5,
    }
    assert set(body["links"]) == {"first", "last", "prev", "next"}
    keep = {"per_page": "2", "search": "photo"}
    assert link(body["links"]["first"]) == (PATH, {**keep, "page": "1"})
    assert link(body["links"]["last"]) == (PATH, {**keep, "page": "3"})
    assert link(body["links"]["prev"]) == (PATH, {**keep, "page": "1"})
    assert link(body["links"]["next"]) == (PATH, {**keep, "page": "3"})


def test_page_links_keep_the_type_filter_and_lead_through_the_pages(client: Client, tenant: Tenant) -> None:
    seed(client, tenant, 3, "a.png")
    uploaded(client, tenant, "v.mp4", fixture_bytes("sample.mp4"))
    first = listing(client, tenant, "type=image&per_page=2")
    assert first.body["links"]["prev"] is None
    assert link(first.body["links"]["next"]) == (PATH, {"type": "image", "per_page": "2", "page": "2"})
    second = follow(client, tenant, first.body["links"]["next"])
    assert ids(second) == [1]
    assert second.body["links"]["next"] is None
    assert second.body["meta"]["from"] == second.body["meta"]["to"] == 3
    assert second.body["meta"]["total"] == 3


def test_empty_library_in_page_and_cursor_mode(client: Client, tenant: Tenant) -> None:
    body = listing(client, tenant).body
    assert body["data"] == []
    assert body["meta"] == {
        "current_page": 1,
        "from": None,
        "last_page": 1,
        "path": PATH,
        "per_page": 25,
        "to": None,
        "total": 0,
    }
    assert body["links"]["prev"] is None and body["links"]["next"] is None
    cursor = listing(client, tenant, "cursor=").body
    assert cursor["data"] == []
    assert cursor["meta"] == {"path": PATH, "per_page": 25, "next_cursor": None, "prev_cursor": None}
    assert cursor["links"] == {"first": None, "last": None, "prev": None, "next": None}


def test_page_past_the_end_is_empty_with_null_from_and_to(client: Client, tenant: Tenant) -> None:
    seed(client, tenant, 3)
    for query in ("per_page=2&page=3", "per_page=2&page=50", "per_page=2&page=4&type=image"):
        body = listing(client, tenant, query).body
        assert body["data"] == [], query
        assert body["meta"]["from"] is None and body["meta"]["to"] is None, query
        assert body["meta"]["total"] == 3, query
        assert body["meta"]["last_page"] == 2, query
        assert body["links"]["next"] is None, query


def test_links_never_come_from_the_clients_host_headers(client: Client, tenant: Tenant) -> None:
    reply = call(client, "GET", f"{API}/media", tenant, headers=HOST)
    assert reply.body["meta"]["path"] == PATH
    base, _ = link(reply.body["links"]["first"])  # type: ignore[misc]
    assert base == PATH
    assert "evil" not in json.dumps(reply.body)


def test_without_a_configured_base_links_name_the_local_address(
    client: Client, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MEDIA_PUBLIC_API_URL")
    caches.reset()
    reply = call(client, "GET", f"{API}/media", tenant, headers=HOST)
    assert reply.body["meta"]["path"] == "http://localhost/api/v1/media"


@pytest.mark.parametrize(
    ("context_path", "base"),
    [
        ("/prod/api/v1/media", "/prod/api/v1/media"),  # execute-api domain: the stage first
        ("/v2/api/v1/media", "/v2/api/v1/media"),  # a custom domain's base path mapping
        ("/api/v1/media", "/api/v1/media"),  # a custom domain mapped at its root
    ],
)
def test_links_are_built_from_api_gateways_own_domain_and_stage(
    client: Client, tenant: Tenant, monkeypatch: pytest.MonkeyPatch, context_path: str, base: str
) -> None:
    """Deployed, API Gateway names its domain and the stage or base path (requestContext),
    which the client cannot forge; the Host header is the client's and is ignored."""
    from app import app

    monkeypatch.delenv("MEDIA_PUBLIC_API_URL")
    caches.reset()

    seed(client, tenant, 3)
    host = "abc123.execute-api.us-east-1.amazonaws.com"
    event = {
        "resource": "/api/v1/media",
        "path": "/api/v1/media",
        "httpMethod": "GET",
        "headers": {"host": "evil.example", "x-forwarded-host": "evil.example", "x-api-key": tenant.api_key},
        "multiValueQueryStringParameters": {"per_page": ["1"], "type": ["image"]},
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "httpMethod": "GET",
            "resourcePath": "/api/v1/media",
            "path": context_path,
            "stage": "prod",
            "domainName": host,
            "identity": {"sourceIp": "203.0.113.9"},
        },
        "body": None,
        "isBase64Encoded": False,
    }
    response = app(event, LambdaContext("api_handler", 256))
    assert response["statusCode"] == 200, response
    body = check_body(200, response["body"].encode())
    base = f"https://{host}{base}"
    assert body["meta"]["path"] == base
    assert link(body["links"]["next"]) == (base, {"per_page": "1", "type": "image", "page": "2"})


# -- cursor mode ----------------------------------------------------------------------------


def test_cursor_envelope_is_laravels_cursor_paginator(client: Client, tenant: Tenant) -> None:
    seed(client, tenant, 3, "photo.png")
    body = listing(client, tenant, "cursor=&per_page=2&search=photo").body
    assert set(body) == {"data", "links", "meta"}
    assert [m["id"] for m in body["data"]] == [3, 2]
    assert body["links"]["first"] is None and body["links"]["last"] is None
    assert body["links"]["prev"] is None
    assert set(body["meta"]) == {"path", "per_page", "next_cursor", "prev_cursor"}
    assert body["meta"]["path"] == PATH
    assert body["meta"]["per_page"] == 2
    assert body["meta"]["prev_cursor"] is None
    assert isinstance(body["meta"]["next_cursor"], str) and body["meta"]["next_cursor"]
    assert link(body["links"]["next"]) == (
        PATH,
        {"per_page": "2", "search": "photo", "cursor": body["meta"]["next_cursor"]},
    )
    assert "total" not in body["meta"]


def test_cursor_walk_next_to_the_end_then_prev_back(client: Client, tenant: Tenant) -> None:
    seed(client, tenant, 5)
    pages = [listing(client, tenant, "cursor=&per_page=2")]
    while pages[-1].body["links"]["next"]:
        pages.append(follow(client, tenant, pages[-1].body["links"]["next"]))
    assert [ids(p) for p in pages] == [[5, 4], [3, 2], [1]]
    assert pages[-1].body["meta"]["next_cursor"] is None

    back = [pages[-1]]
    while back[-1].body["links"]["prev"]:
        back.append(follow(client, tenant, back[-1].body["links"]["prev"]))
    assert [ids(p) for p in back] == [[1], [3, 2], [5, 4]]
    assert back[-1].body["meta"]["prev_cursor"] is None
    assert back[-1].body["meta"]["next_cursor"] is not None


def test_cursor_walk_is_stable_while_uploads_arrive(client: Client, tenant: Tenant) -> None:
    seed(client, tenant, 5)
    first = listing(client, tenant, "cursor=&per_page=2")
    assert ids(first) == [5, 4]
    uploaded(client, tenant)  # id 6 arrives between pages
    uploaded(client, tenant)  # id 7
    second = follow(client, tenant, first.body["links"]["next"])
    assert ids(second) == [3, 2]
    third = follow(client, tenant, second.body["links"]["next"])
    assert ids(third) == [1]
    assert third.body["links"]["next"] is None
    assert ids(follow(client, tenant, third.body["links"]["prev"])) == [3, 2]
    assert ids(follow(client, tenant, second.body["links"]["prev"])) == [5, 4]


def test_cursor_walk_with_search_skips_the_files_that_do_not_match(client: Client, tenant: Tenant) -> None:
    names = ["match-a", "other", "other", "MATCH-b", "other", "other", "other", "Match-c"]
    made = [uploaded(client, tenant, "x.png", name=n)["id"] for n in names]
    matching = [i for i, n in zip(made, names, strict=False) if "match" in n.lower()][::-1]  # newest first
    pages = [listing(client, tenant, "cursor=&per_page=1&search=match")]
    while pages[-1].body["links"]["next"]:
        pages.append(follow(client, tenant, pages[-1].body["links"]["next"]))
        assert len(pages) <= len(names), "the walk does not end"
    assert [ids(p) for p in pages] == [[i] for i in matching]
    back = follow(client, tenant, pages[-1].body["links"]["prev"])
    assert ids(back) == [matching[-2]]


def test_cursor_walk_keeps_the_type_filter(client: Client, tenant: Tenant) -> None:
    for i in range(3):
        uploaded(client, tenant, f"p{i}.png")
        uploaded(client, tenant, f"v{i}.mp4", fixture_bytes("sample.mp4"))
    first = listing(client, tenant, "cursor=&type=video&per_page=2")
    assert ids(first) == [6, 4]
    assert link(first.body["links"]["next"])[1]["type"] == "video"  # type: ignore[index]
    second = follow(client, tenant, first.body["links"]["next"])
    assert ids(second) == [2]
    assert {m["file_type"] for m in first.body["data"] + second.body["data"]} == {"video"}


# -- bad values: 422 -------------------------------------------------------------------------


BAD_QUERIES = [
    ("type=audio", "type"),
    ("type=IMAGE", "type"),
    ("per_page=0", "per_page"),
    ("per_page=101", "per_page"),
    ("per_page=abc", "per_page"),
    ("per_page=-5", "per_page"),
    ("page=0", "page"),
    ("page=-1", "page"),
    ("page=two", "page"),
    ("cursor=garbage", "cursor"),
    ("cursor=a.b", "cursor"),
]


def test_bad_query_values_are_422_with_field_errors(client: Client, tenant: Tenant) -> None:
    problems = []
    for query, field in BAD_QUERIES:
        reply = listing(client, tenant, query, ok=False)
        if reply.status != 422 or field not in reply.body.get("errors", {}):
            problems.append(f"{query}: {reply.status} {reply.body}")
    assert not problems, problems


def _tampered(token: str) -> str:
    import base64
    import json

    payload, mac = token.split(".", 1)
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["id"] = int(data["id"]) + 1000
    forged = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return f"{forged}.{mac}"


def test_tampered_cursor_is_422(client: Client, tenant: Tenant) -> None:
    seed(client, tenant, 3)
    token = listing(client, tenant, "cursor=&per_page=1").body["meta"]["next_cursor"]
    assert listing(client, tenant, f"cursor={token}&per_page=1").status == 200
    for bad in (_tampered(token), token[:-2], token + "x", token.replace(".", "")):
        reply = listing(client, tenant, f"cursor={bad}&per_page=1", ok=False)
        assert reply.status == 422, bad
        assert "cursor" in reply.body["errors"]


def test_another_accounts_cursor_is_422(client: Client, tenant: Tenant, other_tenant: Tenant) -> None:
    seed(client, tenant, 2)
    seed(client, other_tenant, 3)
    foreign = listing(client, other_tenant, "cursor=&per_page=1").body["meta"]["next_cursor"]
    reply = listing(client, tenant, f"cursor={foreign}&per_page=1", ok=False)
    assert reply.status == 422
    assert "cursor" in reply.body["errors"]
