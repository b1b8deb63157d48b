"""`media mcp`: the server's MCP tools over stdio, for desktop agents.

A bridge, not a second server: each JSON-RPC message a desktop agent writes on
stdin (one per line) is POSTed to the API's ``/mcp`` endpoint with the account's
key, and the answer is written on stdout, one line. The tools, their schemas and
their refusals are defined once, on the server, so a desktop agent and a remote
one see exactly the same library; this side adds no dependency and never needs
updating when a tool changes.

What the bridge adds is what stdio has no HTTP for: after ``initialize`` it sends
the negotiated ``MCP-Protocol-Version`` with every message, a ``tools/call``
carries an ``Idempotency-Key`` (so the client's retries never act twice), and an
HTTP refusal that is not JSON-RPC (401 for a bad key, a network failure) becomes
a JSON-RPC error for each request it answered, naming the status and the API's
message. Messages are handled one at a time, in order.
"""

from __future__ import annotations

import json
import uuid
from typing import IO, Any

import httpx

from media_client.client import Client
from media_client.errors import APIConnectionError, error_from_response

#: Implementation-defined JSON-RPC codes (-32000..-32019 is the implementation's band).
API_REFUSED = -32010
API_UNREACHABLE = -32011
ACCEPT = "application/json, text/event-stream"


def _line(message: Any) -> bytes:
    """One message as one line: JSON-RPC over stdio has no newlines inside a message."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


def _request_ids(message: Any) -> list[Any]:
    """The ids of the requests in a message or a batch (notifications and responses have none to answer)."""
    items = message if isinstance(message, list) else [message]
    return [m["id"] for m in items if isinstance(m, dict) and "method" in m and m.get("id") is not None]


def _error(request_id: Any, code: int, text: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": text}
    if data:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": request_id, "error": error}


class Bridge:
    """Forwards stdio messages to ``{client.base_url}/mcp`` and writes the answers to ``output``."""

    def __init__(self, client: Client, output: IO[bytes], log: IO[str]) -> None:
        self.client = client
        self.output = output
        self.log = log
        self.protocol_version: str | None = None

    def run(self, source: IO[bytes]) -> None:
        """Serve until the agent closes stdin."""
        self.log.write(f"media mcp: tools of {self.client.base_url}/mcp on stdio\n")
        self.log.flush()
        for raw in source:
            if raw.strip():
                self.forward(raw.strip())

    def forward(self, raw: bytes) -> None:
        """Send one line (a message or a batch) and write what answers it."""
        try:
            message: Any = json.loads(raw)
        except ValueError:
            message = None  # sent as it is: the server answers with a parse error
        headers = {"Accept": ACCEPT}
        is_initialize = isinstance(message, dict) and message.get("method") == "initialize"
        if self.protocol_version is not None and not is_initialize:
            headers["MCP-Protocol-Version"] = self.protocol_version
        acts = any(isinstance(m, dict) and m.get("method") == "tools/call" for m in _as_list(message))
        try:
            response = self.client.post_mcp(raw, headers, idempotency_key=uuid.uuid4().hex if acts else None)
        except APIConnectionError as exc:
            self._fail(message, API_UNREACHABLE, f"The Media API could not be reached: {exc}", {})
            return
        if response.status_code == 202:
            return
        answer = _json_rpc(response)
        if answer is None:
            refusal = error_from_response(response)
            data = {"status": response.status_code, "code": refusal.code}
            self._fail(message, API_REFUSED, f"The Media API refused the request: {refusal}", data)
            return
        if is_initialize and isinstance(answer, dict):
            version = (answer.get("result") or {}).get("protocolVersion")
            self.protocol_version = version if isinstance(version, str) else None
        ids = _request_ids(message)
        if isinstance(answer, dict) and answer.get("id") is None and len(ids) == 1:
            answer["id"] = ids[0]  # refused before the server read the id: it is this request's
        self._write(answer)

    def _fail(self, message: Any, code: int, text: str, data: dict[str, Any]) -> None:
        ids = _request_ids(message)
        self.log.write(f"media mcp: {text}\n")
        self.log.flush()
        if not ids:
            return  # a notification: nobody waits for an answer
        errors = [_error(i, code, text, data) for i in ids]
        self._write(errors if isinstance(message, list) else errors[0])

    def _write(self, answer: Any) -> None:
        self.output.write(_line(answer))
        self.output.flush()


def _as_list(message: Any) -> list[Any]:
    return message if isinstance(message, list) else [message]


def _json_rpc(response: httpx.Response) -> Any:
    """The JSON-RPC answer in a response (an object or a batch's array), or None when it holds none."""
    if not response.headers.get("content-type", "").startswith("application/json"):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    items = body if isinstance(body, list) else [body]
    if items and all(isinstance(item, dict) and item.get("jsonrpc") == "2.0" for item in items):
        return body
    return None


def serve(client: Client, source: IO[bytes], output: IO[bytes], log: IO[str]) -> None:
    """`media mcp`'s loop: ``source`` and ``output`` are stdin and stdout (binary), ``log`` stderr."""
    with client:
        Bridge(client, output, log).run(source)
