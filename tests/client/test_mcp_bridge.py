"""The stdio bridge behind `media mcp`, message by message, against answers an httpx transport gives:
what it sends (the key, the negotiated version, an Idempotency-Key on tool calls) and what it writes
back (the server's JSON-RPC as one line, HTTP refusals and network failures as JSON-RPC errors)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import httpx

from media_client import Client, RetryPolicy
from media_client._mcp_bridge import API_REFUSED, API_UNREACHABLE, Bridge

KEY = "sk_live_" + "k" * 43
Handler = Callable[[httpx.Request], httpx.Response]


class Server:
    """Answers each POST with the next of ``answers`` and keeps what was sent."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.sent: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def rpc(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def bridge_with(server: Server, retries: int = 0) -> tuple[Bridge, io.BytesIO, io.StringIO]:
    client = Client(
        KEY,
        "https://media.example.test",
        transport=httpx.MockTransport(server),
        retry=RetryPolicy(max_retries=retries, backoff_base=0.0),
    )
    out, log = io.BytesIO(), io.StringIO()
    return Bridge(client, out, log), out, log


def lines(out: io.BytesIO) -> list[Any]:
    return [json.loads(line) for line in out.getvalue().decode("utf-8").splitlines()]


def message(method: str, request_id: int | str | None = 1, **params: Any) -> bytes:
    body: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if request_id is not None:
        body["id"] = request_id
    if params:
        body["params"] = params
    return json.dumps(body).encode()


def test_answers_are_written_one_line_each_and_notifications_get_none() -> None:
    answer = {"jsonrpc": "2.0", "id": 1, "result": {"content": [{"type": "text", "text": "two\nlines"}]}}
    server = Server(rpc(answer), httpx.Response(202))
    bridge, out, _ = bridge_with(server)
    bridge.forward(message("tools/call", name="get_account"))
    bridge.forward(message("notifications/initialized", None))
    assert out.getvalue().count(b"\n") == 1
    assert lines(out) == [answer]
    assert [r.url.path for r in server.sent] == ["/mcp", "/mcp"]
    assert all(r.headers["X-Api-Key"] == KEY for r in server.sent)
    assert "application/json" in server.sent[0].headers["Accept"]


def test_the_negotiated_version_goes_with_every_message_after_initialize() -> None:
    initialized = {"jsonrpc": "2.0", "id": 1, "result": {"protocolVersion": "2025-06-18", "capabilities": {}}}
    server = Server(rpc(initialized), httpx.Response(202), rpc({"jsonrpc": "2.0", "id": 2, "result": {}}))
    bridge, _, _ = bridge_with(server)
    bridge.forward(message("initialize", protocolVersion="2025-06-18"))
    bridge.forward(message("notifications/initialized", None))
    bridge.forward(message("ping", 2))
    assert "MCP-Protocol-Version" not in server.sent[0].headers
    assert [r.headers.get("MCP-Protocol-Version") for r in server.sent[1:]] == ["2025-06-18", "2025-06-18"]


def test_only_tool_calls_carry_an_idempotency_key_the_same_on_each_retry() -> None:
    done = rpc({"jsonrpc": "2.0", "id": 1, "result": {"content": [], "isError": False}})
    server = Server(httpx.Response(503, json={"message": "busy", "code": "service_unavailable"}), done)
    bridge, out, _ = bridge_with(server, retries=1)
    bridge.forward(message("tools/call", name="delete_media", arguments={"id": 3}))
    keys = [r.headers.get("Idempotency-Key") for r in server.sent]
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]
    assert lines(out)[0]["result"]["isError"] is False
    server.answers.append(rpc({"jsonrpc": "2.0", "id": 2, "result": {}}))
    bridge.forward(message("ping", 2))
    assert "Idempotency-Key" not in server.sent[-1].headers


def test_a_refusal_that_is_not_json_rpc_answers_each_request_with_the_api_s_words() -> None:
    refused = {"message": "Invalid API key: nope.", "code": "unauthenticated"}
    server = Server(httpx.Response(401, json=refused), httpx.Response(401, json=refused), httpx.Response(401))
    bridge, out, log = bridge_with(server)
    bridge.forward(message("tools/list", "a"))
    bridge.forward(
        b"[" + message("ping", 1) + b"," + message("notifications/x", None) + b"," + message("ping", 2) + b"]"
    )
    bridge.forward(message("notifications/initialized", None))
    single, batch = lines(out)
    assert single["id"] == "a" and single["error"]["code"] == API_REFUSED
    assert "Invalid API key: nope." in single["error"]["message"]
    assert single["error"]["data"] == {"status": 401, "code": "unauthenticated"}
    assert [item["id"] for item in batch] == [1, 2]
    assert log.getvalue().count("refused") == 3  # the notification's failure is logged, nobody waits for it


def test_a_json_rpc_error_without_an_id_gets_the_request_s() -> None:
    parse_error = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "Invalid request"}}
    server = Server(rpc(parse_error, 400), rpc(parse_error, 400))
    bridge, out, _ = bridge_with(server)
    bridge.forward(message("ping", 7))
    bridge.forward(b"not json")
    first, second = lines(out)
    assert first["id"] == 7 and first["error"]["code"] == -32600
    assert second["id"] is None  # nothing to name


def test_no_answer_from_the_api_is_an_error_for_the_request_not_a_hang() -> None:
    server = Server(httpx.ConnectError("refused"))
    bridge, out, log = bridge_with(server)
    bridge.forward(message("initialize", 1, protocolVersion="2025-11-25"))
    answer = lines(out)[0]
    assert answer["id"] == 1 and answer["error"]["code"] == API_UNREACHABLE
    assert "could not be reached" in answer["error"]["message"] and "could not be reached" in log.getvalue()


def test_run_reads_until_the_agent_closes_stdin_skipping_blank_lines() -> None:
    server = Server(rpc({"jsonrpc": "2.0", "id": 1, "result": {}}), rpc({"jsonrpc": "2.0", "id": 2, "result": {}}))
    bridge, out, _ = bridge_with(server)
    bridge.run(io.BytesIO(message("ping", 1) + b"\n\n  \n" + message("ping", 2) + b"\n"))
    assert [line["id"] for line in lines(out)] == [1, 2]
