"""``POST /mcp``: MCP's Streamable HTTP transport, stateless, answered in JSON (docs/architecture.md,
"Agents (MCP)").

One POST carries one JSON-RPC message (or, under protocol 2025-03-26, a batch) and
its answer is the response: 200 with the JSON-RPC response, 202 with no body for
notifications and client responses. Nothing is kept between requests (no
``Mcp-Session-Id``, no SSE stream), so each one is a single Lambda invocation.

What the transport asks of a server, and the answer when a request breaks it:

* ``Origin``, when a browser sends one, must be an allowed origin
  (``MEDIA_CORS_ORIGINS``): 403 otherwise (DNS rebinding).
* ``Accept`` must admit ``application/json`` (a request without Accept admits
  anything, RFC 9110): 406.
* The body must be JSON (-32700) holding a JSON-RPC message (-32600): 400.
* ``MCP-Protocol-Version`` names the negotiated revision on every request after
  ``initialize``; one we do not serve is a 400 (-32022, naming the ones we do).
  Without the header a server assumes 2025-03-26, the last revision with batches.
  A batch is read whole before any of it runs: one malformed message refuses it all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from chalicelib import cors, edge
from chalicelib.mcp import methods
from chalicelib.mcp.wire import (
    INVALID_REQUEST,
    PARSE_ERROR,
    UNSUPPORTED_PROTOCOL_VERSION,
    Notice,
    RpcError,
    error,
    read_message,
    result,
)

#: The revision of a request that names none (the transport's rule since 2025-06-18).
ASSUMED_VERSION = "2025-03-26"
#: Revisions whose JSON-RPC has batches (2025-06-18 removed them).
BATCH_VERSIONS = frozenset({"2025-03-26"})
JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Inbound:
    """What the endpoint reads of an HTTP request."""

    body: bytes
    accept: str | None = None
    protocol_version: str | None = None
    origin: str | None = None


@dataclass(frozen=True)
class Reply:
    """The HTTP answer: a status, a JSON body (None: no body) and headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def _rejected(status: int, failure: RpcError) -> Reply:
    return Reply(status, error(failure), JSON)


def accepts_json(accept: str | None) -> bool:
    """Whether an Accept header admits application/json (the most specific range decides; q=0 refuses)."""
    if accept is None or not accept.strip():
        return True
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media_range, *parameters = (p.strip() for p in part.split(";"))
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[media_range.lower()] = weight
    for media_range in ("application/json", "application/*", "*/*"):
        if media_range in weights:
            return weights[media_range] > 0
    return False


def _decoded(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise RpcError(PARSE_ERROR, "Parse error: the body is not JSON.") from None
    except RecursionError:
        raise RpcError(PARSE_ERROR, "Parse error: the body is nested too deeply.") from None


def answer(account_id: str, inbound: Inbound) -> Reply:
    """The answer to one POST of an authenticated account."""
    if inbound.origin and cors.allowed_origin(inbound.origin) is None:
        message = "Requests from this origin are not allowed (MEDIA_CORS_ORIGINS)."
        return Reply(403, edge.error_body("origin_not_allowed", message), JSON)
    if not accepts_json(inbound.accept):
        return _rejected(406, RpcError(INVALID_REQUEST, "Not Acceptable: the client must accept application/json."))
    try:
        message = _decoded(inbound.body)
    except RpcError as failure:
        return _rejected(400, failure)
    if isinstance(message, dict) and message.get("method") == "initialize":
        # The negotiation itself: the version is in its params, a header (if any) says nothing yet.
        return _single(account_id, message)
    version = inbound.protocol_version
    if version is not None and version not in methods.SUPPORTED_VERSIONS:
        supported = {"supported": list(methods.SUPPORTED_VERSIONS), "requested": version}
        return _rejected(400, RpcError(UNSUPPORTED_PROTOCOL_VERSION, "Unsupported protocol version", supported))
    if isinstance(message, list):
        return _batch(account_id, message, version or ASSUMED_VERSION)
    return _single(account_id, message)


def _single(account_id: str, value: Any) -> Reply:
    try:
        message = read_message(value)
    except RpcError as failure:
        return _rejected(400, failure)
    if isinstance(message, Notice):
        return Reply(202)
    try:
        return Reply(200, result(message.id, methods.answer_request(account_id, message)), JSON)
    except RpcError as failure:
        return Reply(200, error(failure), JSON)


def _batch(account_id: str, values: list[Any], version: str) -> Reply:
    """A JSON-RPC batch: one answer per request in it, in one array (202 when none is a request)."""
    if version not in BATCH_VERSIONS:
        refusal = f"Invalid request: protocol version {version} has no batches; send one message per request."
        return _rejected(400, RpcError(INVALID_REQUEST, refusal))
    if not values:
        return _rejected(400, RpcError(INVALID_REQUEST, "Invalid request: an empty batch."))
    messages = []
    for index, value in enumerate(values):
        # Every message is read before any runs: a batch that cannot be accepted changes nothing.
        try:
            messages.append(read_message(value))
        except RpcError as failure:
            return _rejected(400, RpcError(failure.code, f"Message {index} of the batch: {failure.message}"))
    answers: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, Notice):
            continue
        try:
            if message.method == "initialize":
                refusal = "Invalid request: initialize is never part of a batch."
                raise RpcError(INVALID_REQUEST, refusal, request_id=message.id)
            answers.append(result(message.id, methods.answer_request(account_id, message)))
        except RpcError as failure:
            answers.append(error(failure))
    return Reply(200, answers, JSON) if answers else Reply(202)
