"""MCP over the Chalice test client: POSTs to /mcp, and the checks every answer meets.

Every successful result is validated by the official SDK's own per-version models
(``mcp_types.methods.validate_server_result``), and every tool's structured result
against the outputSchema that tool lists: the server's wire format is written by
hand (chalicelib/mcp), the SDK is the judge of it.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

import jsonschema
from chalice.test import Client
from mcp_types import methods as sdk_methods

from tests.helpers.tenants import Tenant

PATH = "/mcp"
LATEST = "2025-11-25"
VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26")
#: What a Streamable HTTP client sends with every POST.
BASE_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
TOOL_NAMES = {"search_media", "get_media", "describe_media", "rename_media", "delete_media", "get_account"}


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


def post(
    client: Client,
    body: Any,
    tenant: Tenant | None = None,
    *,
    headers: dict[str, str] | None = None,
    version: str | None = LATEST,
    raw: bytes | None = None,
    server_error: bool = False,
) -> Answer:
    """POST /mcp; ``version`` is the MCP-Protocol-Version header (None: leave it out). A 5xx fails
    the test unless ``server_error`` says the test provoked one."""
    sent = {**BASE_HEADERS, **(tenant.headers if tenant else {})}
    if version is not None:
        sent["MCP-Protocol-Version"] = version
    sent.update(headers or {})
    response = client.http.post(PATH, headers=sent, body=raw if raw is not None else json.dumps(body))
    payload = response.body or b""
    assert b"Traceback" not in payload, payload
    assert (response.status_code >= 500) == server_error, (response.status_code, payload)
    parsed = json.loads(payload) if payload else None
    if response.status_code == 202:
        assert payload == b"", payload
    return Answer(response.status_code, parsed, dict(response.headers))


def request(method: str, params: dict[str, Any] | None = None, request_id: int | str = 1) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        message["params"] = params
    return message


def initialize_params(version: str = LATEST) -> dict[str, Any]:
    return {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "tests", "version": "1"}}


def result(client: Client, tenant: Tenant, method: str, params: Any = None, *, version: str = LATEST) -> Any:
    """The result of a request, checked against the SDK's model of that method's result at ``version``."""
    answer = post(client, request(method, params), tenant, version=version)
    assert answer.status == 200, answer.body
    assert "error" not in answer.body, answer.body
    sdk_methods.validate_server_result(method, version, answer.body["result"])
    return answer.body["result"]


def rpc_error(answer: Answer) -> dict[str, Any]:
    """The JSON-RPC error of an answer (the body has no ``result``)."""
    assert isinstance(answer.body, dict) and "result" not in answer.body, answer.body
    assert answer.body["jsonrpc"] == "2.0", answer.body
    return dict(answer.body["error"])


@functools.lru_cache(maxsize=1)
def output_schemas() -> dict[str, dict[str, Any]]:
    from chalicelib.mcp import tools

    return {tool["name"]: tool["outputSchema"] for tool in tools.list_tools()}


def call_tool(client: Client, tenant: Tenant, name: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    """A tools/call result; a successful one's structuredContent must meet the tool's outputSchema."""
    called = result(client, tenant, "tools/call", {"name": name, "arguments": arguments or {}})
    if not called["isError"]:
        jsonschema.validate(called["structuredContent"], output_schemas()[name])
        assert called["content"][0]["type"] == "text" and called["content"][0]["text"], called
    return dict(called)


def structured(client: Client, tenant: Tenant, name: str, arguments: dict[str, Any] | None = None) -> Any:
    called = call_tool(client, tenant, name, arguments)
    assert called["isError"] is False, called
    return called["structuredContent"]


def tool_error(client: Client, tenant: Tenant, name: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    """The API error body a failed tool call carries (its text), with ``isError`` checked."""
    called = call_tool(client, tenant, name, arguments)
    assert called["isError"] is True, called
    assert "structuredContent" not in called, called
    body = json.loads(called["content"][0]["text"])
    assert isinstance(body["message"], str) and body["message"], body
    return dict(body)
