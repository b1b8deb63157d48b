"""JSON-RPC 2.0 as MCP carries it: which message a decoded body is, and the answers we send.

MCP narrows JSON-RPC: a request id is a string or an integer (never null),
``params`` is an object, and a client may send responses (to requests a server
made) besides requests and notifications. A message outside those shapes is an
invalid request (-32600); the caller decides the HTTP status. The OpenAPI
document's ``JsonRpcMessage`` schema states the same rules (chalicelib/openapi.json).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
#: What MCP 2026-07-28 answers a protocol version it does not serve; its ``data.supported``
#: lets a client that probes with a newer version fall back to one we speak.
UNSUPPORTED_PROTOCOL_VERSION = -32022

RequestId = str | int


@dataclass(frozen=True)
class Request:
    """A call that wants an answer."""

    id: RequestId
    method: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Notice:
    """A message nothing answers: a notification, or the client's response to a request of ours."""

    method: str | None


class RpcError(Exception):
    """A JSON-RPC error answer; ``request_id`` is None when the message's id could not be read."""

    def __init__(self, code: int, message: str, data: Any = None, request_id: RequestId | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data
        self.request_id = request_id


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_id(value: Any) -> bool:
    return isinstance(value, str) or _is_int(value)


def _invalid(message: str, request_id: RequestId | None = None) -> RpcError:
    return RpcError(INVALID_REQUEST, f"Invalid request: {message}", request_id=request_id)


def read_message(value: Any) -> Request | Notice:
    """The message ``value`` (one decoded JSON value) is, or RpcError(INVALID_REQUEST)."""
    if not isinstance(value, dict):
        raise _invalid("a message is a JSON object.")
    request_id = value.get("id") if _is_id(value.get("id")) else None
    if value.get("jsonrpc") != "2.0":
        raise _invalid('"jsonrpc" must be "2.0".', request_id)
    if "method" in value:
        method = value["method"]
        if not isinstance(method, str) or not method:
            raise _invalid('"method" must be a non-empty string.', request_id)
        params = value.get("params")
        if params is not None and not isinstance(params, dict):
            raise _invalid('"params" must be an object.', request_id)
        if "id" not in value:
            return Notice(method)
        if request_id is None:
            raise _invalid('"id" must be a string or an integer.')
        return Request(request_id, method, dict(params or {}))
    if "result" in value or "error" in value:
        return _read_response(value, request_id)
    raise _invalid('a message has a "method" (a request or a notification), or a "result" or an "error".', request_id)


def _read_response(value: dict[str, Any], request_id: RequestId | None) -> Notice:
    """A client's answer to a server request: checked for shape, then nothing to do (we send no requests)."""
    if "result" in value and "error" in value:
        raise _invalid('a response has a "result" or an "error", not both.', request_id)
    if "result" in value:
        if request_id is None:
            raise _invalid('"id" must be a string or an integer.')
        if not isinstance(value["result"], dict):
            raise _invalid('"result" must be an object.', request_id)
        return Notice(None)
    if "id" not in value or not (value["id"] is None or request_id is not None):
        raise _invalid('"id" must be a string, an integer or null.')
    error = value["error"]
    well_formed = isinstance(error, dict) and _is_int(error.get("code")) and isinstance(error.get("message"), str)
    if not well_formed:
        raise _invalid('"error" must be an object with an integer "code" and a string "message".', request_id)
    return Notice(None)


def result(request_id: RequestId, body: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "result": body}


def error(failure: RpcError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": failure.code, "message": failure.message}
    if failure.data is not None:
        body["data"] = failure.data
    return {"jsonrpc": "2.0", "id": failure.request_id, "error": body}
