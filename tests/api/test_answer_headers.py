"""Headers every answer leaves with (docs/architecture.md, "Browsers and links"):

* With an origin allow-list an answer depends on the request's Origin, so every answer
  says so (``Vary: Origin``), whoever asked: a shared cache that kept a copy made for
  no Origin (no CORS headers) must not serve it to an allowed origin. With ``*`` every
  answer is the same for everyone, Origin or not, so nothing varies.
* API answers are never stored by a cache (``Cache-Control: no-store``) nor sniffed by
  a browser (``X-Content-Type-Options: nosniff``), errors included; the page's own
  routes keep their caching.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from chalice.test import Client

from chalicelib import caches
from tests.helpers.aws_faults import dynamodb_failing
from tests.helpers.http import API, Reply, call, put_json, upload_file
from tests.helpers.tenants import Tenant

ALLOWED = "https://app.example.com"
EVIL = "https://evil.example"


@pytest.fixture
def allow_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIA_CORS_ORIGINS", f"{ALLOWED}, https://admin.example.com")
    caches.reset()


def static_path(client: Client) -> str:
    page = call_raw(client, "GET", "/")
    found = re.search(r'src="(/static/[^"]+\.js)"', page)
    assert found, page[:500]
    return found.group(1)


def call_raw(client: Client, method: str, path: str, headers: dict[str, str] | None = None) -> str:
    response = getattr(client.http, method.lower())(path, headers=headers or {})
    return str(response.body.decode())


def varies_on_origin(reply: Reply) -> bool:
    return "origin" in [part.strip().lower() for part in (reply.header("Vary") or "").split(",")]


def every_kind_of_answer(client: Client, tenant: Tenant, origin: str | None) -> dict[str, Reply]:
    """One answer of each kind the app makes, asked from ``origin`` (None: no Origin header)."""
    asked = {"Origin": origin} if origin else {}

    def get(path: str, who: Tenant | None = tenant, **more: str) -> Reply:
        return call(client, "GET", path, who, headers={**asked, **more})

    def raw(method: str, path: str, **more: str) -> Reply:
        response = getattr(client.http, method.lower())(path, headers={**asked, **more})
        return Reply(response.status_code, None, dict(response.headers))

    return {
        "list": get(f"{API}/media"),
        "401": get(f"{API}/media", None),
        "404": get(f"{API}/media/999"),
        "account": get(f"{API}/account"),
        "document": get(f"{API}/openapi.json", None),
        "preflight": raw("OPTIONS", f"{API}/media", **{"Access-Control-Request-Method": "GET"}),
        "405": raw("PATCH", f"{API}/media"),
        "page": raw("GET", "/"),
        "docs": raw("GET", "/docs"),
        "static": raw("GET", static_path(client)),
        "missing static": raw("GET", "/static/0000/nothing.js"),
    }


@pytest.mark.parametrize("origin", [None, EVIL, ALLOWED])
def test_with_an_allow_list_every_answer_varies_on_origin(
    client: Client, tenant: Tenant, allow_list: None, origin: str | None
) -> None:
    for kind, reply in every_kind_of_answer(client, tenant, origin).items():
        assert varies_on_origin(reply), (kind, reply.headers)
        expected = ALLOWED if origin == ALLOWED else None
        assert reply.header("Access-Control-Allow-Origin") == expected, (kind, reply.headers)


@pytest.mark.parametrize("origin", [None, EVIL])
def test_with_every_origin_allowed_every_answer_is_the_same_for_everyone(
    client: Client, tenant: Tenant, origin: str | None
) -> None:
    for kind, reply in every_kind_of_answer(client, tenant, origin).items():
        assert reply.header("Access-Control-Allow-Origin") == "*", (kind, reply.headers)
        assert not varies_on_origin(reply), (kind, reply.headers)


@pytest.mark.moto
def test_every_api_answer_is_no_store_and_nosniff(client: Client, tenant: Tenant) -> None:
    created = upload_file(client, tenant, "photo.png")
    media = f"{API}/media/{created.body['id']}"
    etag = str(call(client, "GET", media, tenant).header("ETag"))
    answers: dict[str, Callable[[], Reply]] = {
        "201": lambda: created,
        "200": lambda: call(client, "GET", f"{API}/media", tenant),
        "304": lambda: call(client, "GET", media, tenant, headers={"If-None-Match": etag}),
        "400": lambda: call(client, "PUT", media, tenant, headers={"Content-Type": "application/json"}, body="{"),
        "401": lambda: call(client, "GET", f"{API}/media"),
        "404": lambda: call(client, "GET", f"{API}/media/999", tenant),
        "405": lambda: call(client, "PATCH", f"{API}/media", tenant),
        "412": lambda: call(client, "DELETE", media, tenant, headers={"If-Match": '"stale"'}),
        "422": lambda: put_json(client, tenant, created.body["id"], {"name": ""}),
        "preflight": lambda: call(client, "OPTIONS", f"{API}/media", headers={"Origin": ALLOWED}),
        "document": lambda: call(client, "GET", f"{API}/openapi.json"),
        "204": lambda: call(client, "DELETE", media, tenant),
    }
    for kind, send in answers.items():
        reply = send()
        assert (reply.header("Cache-Control"), reply.header("X-Content-Type-Options")) == ("no-store", "nosniff"), (
            kind,
            reply.status,
            reply.headers,
        )
    with dynamodb_failing("GetItem", 1, table="media"):
        failed = call(client, "GET", media, tenant)
    assert failed.status == 503 and failed.header("Cache-Control") == "no-store"


def test_the_page_and_its_files_keep_their_caching(client: Client) -> None:
    page = client.http.get("/")
    static = client.http.get(static_path(client))
    assert page.headers["Cache-Control"] == "no-cache"
    assert static.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert page.headers["X-Content-Type-Options"] == static.headers["X-Content-Type-Options"] == "nosniff"
