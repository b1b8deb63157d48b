"""Browsers (docs/architecture.md, "Browsers and links"): MEDIA_CORS_ORIGINS governs the API as it does the
bucket: preflights on
every route, the allowed and exposed headers listed, nothing for other origins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from chalice.test import Client

from chalicelib import caches
from tests.helpers.http import API, call
from tests.helpers.servers import api_over_http, threaded_aws_env
from tests.helpers.tenants import Tenant, make_tenant

ALLOWED = "https://app.example.com"
PATHS = {
    f"{API}/media": "GET, POST",
    f"{API}/media/1": "DELETE, GET, PUT",
    f"{API}/media/uploads": "POST",
    f"{API}/media/uploads/{'0' * 32}": "GET",
    f"{API}/media/uploads/{'0' * 32}/complete": "POST",
    f"{API}/account": "GET",
    f"{API}/openapi.json": "GET",
    "/mcp": "POST",
}


@pytest.fixture
def origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIA_CORS_ORIGINS", f"{ALLOWED}, https://admin.example.com")
    caches.reset()


@pytest.mark.parametrize("path", sorted(PATHS))
def test_a_preflight_from_an_allowed_origin_is_answered_on_every_route(
    client: Client, origins: None, path: str
) -> None:
    reply = call(
        client,
        "OPTIONS",
        path,
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-api-key",
        },
    )
    assert reply.status == 204
    assert reply.header("Access-Control-Allow-Origin") == ALLOWED
    assert reply.header("Access-Control-Allow-Methods") == PATHS[path]
    allowed = {h.strip() for h in str(reply.header("Access-Control-Allow-Headers")).split(",")}
    assert allowed == {
        "X-Api-Key",
        "Content-Type",
        "Idempotency-Key",
        "If-Match",
        "If-None-Match",
        "Authorization",
        "MCP-Protocol-Version",
    }
    assert reply.header("Vary") == "Origin"


def test_another_origin_gets_no_cors_header(client: Client, tenant: Tenant, origins: None) -> None:
    preflight = call(client, "OPTIONS", f"{API}/media", headers={"Origin": "https://evil.example"})
    assert preflight.status == 204
    assert not any(h.lower().startswith("access-control-") for h in preflight.headers)
    answer = call(client, "GET", f"{API}/media", tenant, headers={"Origin": "https://evil.example"})
    assert answer.status == 200 and answer.header("Access-Control-Allow-Origin") is None


def test_answers_to_an_allowed_origin_expose_the_headers_a_client_reads(
    client: Client, tenant: Tenant, origins: None
) -> None:
    for reply in (
        call(client, "GET", f"{API}/media", tenant, headers={"Origin": ALLOWED}),
        call(client, "GET", f"{API}/media/9", tenant, headers={"Origin": ALLOWED}),  # errors too
        call(client, "GET", f"{API}/media", headers={"Origin": ALLOWED}),  # even a 401
    ):
        assert reply.header("Access-Control-Allow-Origin") == ALLOWED
        exposed = {h.strip() for h in str(reply.header("Access-Control-Expose-Headers")).split(",")}
        assert exposed == {"ETag", "Idempotent-Replayed", "Retry-After", "Location"}


def test_the_default_allows_every_origin(client: Client, tenant: Tenant) -> None:
    reply = call(client, "GET", f"{API}/media", tenant, headers={"Origin": "https://anyone.example"})
    assert reply.header("Access-Control-Allow-Origin") == "*" and reply.header("Vary") is None


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with threaded_aws_env(), api_over_http() as base:
        monkeypatch.setenv("MEDIA_CORS_ORIGINS", ALLOWED)  # threaded_aws_env set the test environment anew
        caches.reset()
        yield base


def test_preflights_over_http_on_the_local_server(server: str) -> None:
    tenant = make_tenant("Browser")
    asked = {"Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "x-api-key, if-match"}
    ok = requests.options(f"{server}{API}/media/1", headers={"Origin": ALLOWED, **asked}, timeout=10)
    assert ok.status_code == 204 and ok.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "If-Match" in ok.headers["Access-Control-Allow-Headers"]
    refused = requests.options(
        f"{server}{API}/media/1", headers={"Origin": "https://evil.example", **asked}, timeout=10
    )
    assert "Access-Control-Allow-Origin" not in refused.headers
    listed = requests.get(f"{server}{API}/media", headers={"Origin": ALLOWED, **tenant.headers}, timeout=10)
    assert listed.headers["Access-Control-Allow-Origin"] == ALLOWED
