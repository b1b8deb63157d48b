"""POST /mcp as a transport (docs/architecture.md, "Agents (MCP)"): Streamable HTTP, stateless, JSON answers;
the key in X-Api-Key or a bearer token; version negotiation and the MCP-Protocol-Version header;
batches only where the protocol revision has them; malformed JSON-RPC is a JSON-RPC error, never a 5xx."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import caches
from tests.helpers.http import call
from tests.helpers.mcp import (
    LATEST,
    TOOL_NAMES,
    VERSIONS,
    initialize_params,
    post,
    request,
    result,
    rpc_error,
)
from tests.helpers.tenants import Tenant


def initialize(client: Client, tenant: Tenant, params: dict[str, Any]) -> dict[str, Any]:
    answer = post(client, request("initialize", params), tenant, version=None)
    assert answer.status == 200, answer.body
    return dict(answer.body)


# -- auth ------------------------------------------------------------------------------------


def test_the_key_works_in_x_api_key_and_as_a_bearer_token(client: Client, tenant: Tenant) -> None:
    as_header = post(client, request("ping"), tenant)
    as_bearer = post(client, request("ping"), headers={"Authorization": f"Bearer {tenant.api_key}"})
    lower_case_scheme = post(client, request("ping"), headers={"Authorization": f"bearer {tenant.api_key}"})
    assert as_header.status == as_bearer.status == lower_case_scheme.status == 200
    assert as_header.body == as_bearer.body == {"jsonrpc": "2.0", "id": 1, "result": {}}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Api-Key": "sk_live_" + "x" * 43},
        {"Authorization": "Bearer sk_live_" + "x" * 43},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
    ],
    ids=["no key", "unknown key", "unknown bearer", "another scheme", "empty bearer"],
)
def test_a_missing_or_bad_key_is_a_401_with_our_json_body_never_a_tool_result(
    client: Client, headers: dict[str, str]
) -> None:
    for message in (request("initialize", initialize_params()), request("tools/call", {"name": "get_account"})):
        answer = post(client, message, headers=headers)
        assert answer.status == 401
        assert answer.body["code"] == "unauthenticated"
        assert "Authorization: Bearer" in answer.body["message"]
        assert "jsonrpc" not in answer.body and "result" not in answer.body


def test_a_revoked_key_is_refused(client: Client, tenant: Tenant) -> None:
    from chalicelib import accounts

    accounts.revoke_key(tenant.api_key)
    caches.reset()
    assert post(client, request("ping"), headers={"Authorization": f"Bearer {tenant.api_key}"}).status == 401


def test_get_is_405_naming_post_and_other_methods_too(client: Client, tenant: Tenant) -> None:
    for method in ("GET", "DELETE", "PUT"):
        reply = call(client, method, "/mcp", tenant)
        assert reply.status == 405, (method, reply.body)
        assert reply.header("Allow") == "POST"
        assert reply.body["code"] == "method_not_allowed"
    assert call(client, "GET", "/mcp").status == 401  # as on every other path: the key first


def test_a_preflight_is_answered_without_a_key(client: Client) -> None:
    preflight = {"Origin": "https://agent.example", "Access-Control-Request-Method": "POST"}
    reply = call(client, "OPTIONS", "/mcp", headers=preflight)
    assert reply.status == 204
    assert reply.header("Allow") == "POST"


# -- initialize and versions -------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_initialize_answers_the_version_the_client_asked_for_when_served(
    client: Client, tenant: Tenant, version: str
) -> None:
    from mcp_types import methods as sdk_methods

    answer = initialize(client, tenant, initialize_params(version))
    body = answer["result"]
    sdk_methods.validate_server_result("initialize", version, body)
    assert body["protocolVersion"] == version
    assert body["capabilities"] == {"tools": {"listChanged": False}}
    assert body["serverInfo"]["name"] == "media-api" and body["serverInfo"]["version"]
    assert "search_media" in body["instructions"]


@pytest.mark.parametrize("asked", ["2024-11-05", "2026-07-28", "1.0"])
def test_initialize_answers_the_latest_version_when_the_asked_one_is_not_served(
    client: Client, tenant: Tenant, asked: str
) -> None:
    assert initialize(client, tenant, initialize_params(asked))["result"]["protocolVersion"] == LATEST


def test_initialize_ignores_a_version_header_it_has_not_negotiated_yet(client: Client, tenant: Tenant) -> None:
    answer = post(client, request("initialize", initialize_params()), tenant, version="2024-11-05")
    assert answer.status == 200 and answer.body["result"]["protocolVersion"] == LATEST


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"protocolVersion": 2025, "capabilities": {}, "clientInfo": {"name": "a", "version": "1"}},
        {"protocolVersion": LATEST, "clientInfo": {"name": "a", "version": "1"}},
        {"protocolVersion": LATEST, "capabilities": {}, "clientInfo": {"name": "a"}},
    ],
)
def test_initialize_with_bad_params_is_invalid_params(client: Client, tenant: Tenant, params: dict[str, Any]) -> None:
    error = rpc_error(post(client, request("initialize", params, 7), tenant, version=None))
    assert error["code"] == -32602 and "params" in error["message"]


def test_an_unsupported_version_header_is_a_400_naming_the_supported_ones(client: Client, tenant: Tenant) -> None:
    answer = post(client, request("tools/list"), tenant, version="2026-07-28")
    assert answer.status == 400
    error = rpc_error(answer)
    assert error["code"] == -32022
    assert error["data"] == {"supported": list(VERSIONS), "requested": "2026-07-28"}


@pytest.mark.parametrize("version", VERSIONS)
def test_every_served_version_lists_the_six_tools(client: Client, tenant: Tenant, version: str) -> None:
    listed = result(client, tenant, "tools/list", version=version)
    assert {tool["name"] for tool in listed["tools"]} == TOOL_NAMES
    assert "nextCursor" not in listed


def test_a_request_without_the_version_header_is_served(client: Client, tenant: Tenant) -> None:
    answer = post(client, request("ping"), tenant, version=None)
    assert answer.status == 200 and answer.body["result"] == {}


# -- the transport's HTTP rules ----------------------------------------------------------------


def test_notifications_and_client_responses_are_accepted_with_202_and_no_body(client: Client, tenant: Tenant) -> None:
    for message in (
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 3}},
        {"jsonrpc": "2.0", "method": "notifications/whatever"},
        {"jsonrpc": "2.0", "id": 5, "result": {}},
        {"jsonrpc": "2.0", "id": None, "error": {"code": -32601, "message": "no"}},
    ):
        answer = post(client, message, tenant)
        assert (answer.status, answer.body) == (202, None), message


@pytest.mark.parametrize(
    ("accept", "status"),
    [
        ("application/json, text/event-stream", 200),
        ("application/json", 200),
        ("*/*", 200),
        ("application/*;q=0.5", 200),
        ("text/event-stream", 406),
        ("text/html", 406),
        ("application/json;q=0, */*", 406),
    ],
)
def test_accept_must_admit_json(client: Client, tenant: Tenant, accept: str, status: int) -> None:
    answer = post(client, request("ping"), tenant, headers={"Accept": accept})
    assert answer.status == status
    if status == 406:
        assert rpc_error(answer)["code"] == -32600


def test_a_browser_origin_must_be_an_allowed_one(
    client: Client, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIA_CORS_ORIGINS", "https://app.example.com")
    caches.reset()
    refused = post(client, request("ping"), tenant, headers={"Origin": "https://rebound.example"})
    assert refused.status == 403 and refused.body["code"] == "origin_not_allowed"
    allowed = post(client, request("ping"), tenant, headers={"Origin": "https://app.example.com"})
    assert allowed.status == 200
    assert allowed.header("Access-Control-Allow-Origin") == "https://app.example.com"


def test_another_content_type_is_415(client: Client, tenant: Tenant) -> None:
    answer = post(client, request("ping"), tenant, headers={"Content-Type": "text/plain"})
    assert answer.status == 415 and answer.body["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"not json", b"\xff\xfe", b"[" * 5000 + b"]" * 5000],
    ids=["empty", "truncated", "text", "not utf-8", "deeply nested"],
)
def test_a_body_that_is_not_json_is_a_400_parse_error(client: Client, tenant: Tenant, raw: bytes) -> None:
    answer = post(client, None, tenant, raw=raw)
    assert answer.status == 400
    error = rpc_error(answer)
    assert error["code"] == -32700 and answer.body["id"] is None


@pytest.mark.parametrize(
    "message",
    [
        "ping",
        42,
        None,
        {},
        {"jsonrpc": "1.0", "id": 1, "method": "ping"},
        {"id": 1, "method": "ping"},
        {"jsonrpc": "2.0", "id": 1, "method": 7},
        {"jsonrpc": "2.0", "id": 1, "method": ""},
        {"jsonrpc": "2.0", "id": None, "method": "ping"},
        {"jsonrpc": "2.0", "id": 1.5, "method": "ping"},
        {"jsonrpc": "2.0", "id": True, "method": "ping"},
        {"jsonrpc": "2.0", "id": 1, "method": "ping", "params": [1, 2]},
        {"jsonrpc": "2.0", "id": 1},
        {"jsonrpc": "2.0", "id": 1, "result": 5},
        {"jsonrpc": "2.0", "result": {}},
        {"jsonrpc": "2.0", "id": 1, "result": {}, "error": {"code": 1, "message": "x"}},
        {"jsonrpc": "2.0", "id": 1, "error": {"code": "x", "message": "x"}},
    ],
)
def test_a_message_that_is_not_json_rpc_is_a_400_invalid_request(client: Client, tenant: Tenant, message: Any) -> None:
    answer = post(client, message, tenant)
    assert answer.status == 400
    assert rpc_error(answer)["code"] == -32600


def test_an_invalid_request_keeps_its_id_when_it_has_a_usable_one(client: Client, tenant: Tenant) -> None:
    answer = post(client, {"jsonrpc": "2.0", "id": "abc", "method": "ping", "params": 3}, tenant)
    assert answer.status == 400 and answer.body["id"] == "abc"


@pytest.mark.parametrize("method", ["resources/list", "prompts/list", "logging/setLevel", "server/discover", "foo"])
def test_an_unknown_method_is_method_not_found(client: Client, tenant: Tenant, method: str) -> None:
    answer = post(client, request(method, {}, "r-1"), tenant)
    assert answer.status == 200
    assert answer.body["id"] == "r-1"
    assert rpc_error(answer)["code"] == -32601


def test_tools_call_needs_a_tool_name_and_object_arguments(client: Client, tenant: Tenant) -> None:
    for params in ({}, {"name": 3}, {"name": "get_account", "arguments": [1]}, {"name": "no_such_tool"}):
        error = rpc_error(post(client, request("tools/call", params), tenant))
        assert error["code"] == -32602, params
    unknown = rpc_error(post(client, request("tools/call", {"name": "no_such_tool"}), tenant))
    assert "no_such_tool" in unknown["message"]


# -- batches: 2025-03-26 only --------------------------------------------------------------------


def test_a_batch_without_a_version_header_gets_one_answer_per_request(client: Client, tenant: Tenant) -> None:
    batch = [
        request("ping", request_id=1),
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        request("tools/call", {"name": "get_account"}, request_id="two"),
        request("no/such", request_id=3),
    ]
    answer = post(client, batch, tenant, version=None)
    assert answer.status == 200
    by_id = {item["id"]: item for item in answer.body}
    assert set(by_id) == {1, "two", 3}
    assert by_id[1]["result"] == {}
    assert by_id["two"]["result"]["structuredContent"]["name"] == "Acme"
    assert by_id[3]["error"]["code"] == -32601
    assert post(client, batch, tenant, version="2025-03-26").status == 200


def test_a_batch_of_notifications_only_is_202(client: Client, tenant: Tenant) -> None:
    answer = post(client, [{"jsonrpc": "2.0", "method": "notifications/initialized"}], tenant, version=None)
    assert (answer.status, answer.body) == (202, None)


@pytest.mark.parametrize("version", ["2025-06-18", "2025-11-25"])
def test_a_batch_is_refused_where_the_version_has_none(client: Client, tenant: Tenant, version: str) -> None:
    answer = post(client, [request("ping")], tenant, version=version)
    assert answer.status == 400
    error = rpc_error(answer)
    assert error["code"] == -32600 and version in error["message"]


def test_initialize_is_never_part_of_a_batch(client: Client, tenant: Tenant) -> None:
    batch = [request("initialize", initialize_params("2025-03-26"), 9), request("ping", None, 10)]
    answer = post(client, batch, tenant, version=None)
    assert answer.status == 200
    by_id = {item["id"]: item for item in answer.body}
    assert by_id[9]["error"]["code"] == -32600 and by_id[10]["result"] == {}


def test_a_batch_with_a_malformed_message_runs_nothing(client: Client, tenant: Tenant) -> None:
    from tests.helpers.http import uploaded

    media = uploaded(client, tenant, "keep.png")
    rename = request("tools/call", {"name": "rename_media", "arguments": {"id": media["id"], "name": "Changed"}})
    answer = post(client, [rename, {"jsonrpc": "2.0", "id": 2}], tenant, version=None)
    assert answer.status == 400
    assert "Message 1" in rpc_error(answer)["message"]
    assert call(client, "GET", f"/api/v1/media/{media['id']}", tenant).body["name"] == "keep.png"


def test_an_empty_batch_is_a_400(client: Client, tenant: Tenant) -> None:
    answer = post(client, [], tenant, version=None)
    assert answer.status == 400 and rpc_error(answer)["code"] == -32600


def test_answers_are_json_and_name_their_request(client: Client, tenant: Tenant) -> None:
    answer = post(client, request("ping", None, "abc-123"), tenant)
    assert answer.header("Content-Type") == "application/json"
    assert answer.body == {"jsonrpc": "2.0", "id": "abc-123", "result": {}}
    assert answer.header("Mcp-Session-Id") is None  # stateless: nothing to resume


def test_each_request_writes_one_line_naming_the_account_never_the_key(
    client: Client, tenant: Tenant, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MEDIA_LOG_FORMAT", "json")
    capsys.readouterr()
    post(client, request("ping"), headers={"Authorization": f"Bearer {tenant.api_key}"})
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    mine = [line for line in lines if line.get("event") == "request" and line.get("route") == "/mcp"]
    assert len(mine) == 1
    assert (mine[0]["method"], mine[0]["status"], mine[0]["account_id"]) == ("POST", 200, tenant.account_id)
    assert tenant.api_key not in out and tenant.api_key[8:20] not in out
