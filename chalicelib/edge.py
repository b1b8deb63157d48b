"""The HTTP edge without its framework: what app.py's middleware and views share.

* Which status each error of the MediaError family answers with: one table,
  found along the error's ``__mro__``; the JSON error body (``message``,
  ``code``, ``errors`` on 422) and the headers a retryable error adds.
* Chalice's own ``{"Code", "Message"}`` bodies rewritten into ours.
* A request body read as JSON (400 for what is not JSON, or nested too deeply).
* The headers every answer leaves with (:func:`final_headers`).

Nothing here imports chalice: app.py turns these plain values into its
responses, so the same mapping serves any other front (the MCP endpoint).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.errors import (
    AdminFileProtected,
    ConfigurationError,
    IdempotencyInProgress,
    IdempotencyKeyReused,
    InvalidInput,
    MalformedRequest,
    MediaError,
    MediaLimitReached,
    NotFound,
    ObjectChanged,
    PayloadTooLarge,
    PreconditionFailed,
    ServiceUnavailable,
    Unauthenticated,
    UnsupportedMediaType,
    UploadExpired,
    UploadNotReceived,
)

STATUS: dict[type[MediaError], int] = {
    MalformedRequest: 400,
    Unauthenticated: 401,
    AdminFileProtected: 403,
    MediaLimitReached: 403,
    NotFound: 404,
    UploadNotReceived: 409,
    ObjectChanged: 409,
    IdempotencyInProgress: 409,
    UploadExpired: 410,
    PreconditionFailed: 412,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    InvalidInput: 422,
    IdempotencyKeyReused: 422,
    ConfigurationError: 500,
    ServiceUnavailable: 503,
}
#: What an answer that chose no caching of its own gets (every API answer: the page's routes
#: choose theirs): account data is never kept by a shared cache, nor a browser's.
NO_STORE = "no-store"
#: Every answer: a browser never reads a JSON body (a file name, a message) as HTML or script.
NOSNIFF = "nosniff"
#: The answers Chalice (and the gateway) give on their own, as our codes and messages.
FRAMEWORK_CODES = {
    400: ("bad_request", "The request could not be understood."),
    405: ("method_not_allowed", "This method is not allowed on this resource."),
    415: ("unsupported_media_type", "Unsupported Content-Type for this resource."),
    500: ("server_error", "An internal error occurred. It has been logged."),
}


@dataclass(frozen=True)
class ErrorAnswer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"message": message, "code": code, **extra}


def status_of(error: MediaError) -> int:
    return next((STATUS[t] for t in type(error).__mro__ if t in STATUS), 400)


def answer_error(error: MediaError) -> ErrorAnswer:
    """The status, JSON body and headers of an error (``Retry-After`` where a retry helps)."""
    status = status_of(error)
    body = error_body(error.code, error.message, **error.extra)
    if error.errors is not None:
        body["errors"] = error.errors
    retry = status == 503 or isinstance(error, IdempotencyInProgress)
    return ErrorAnswer(status, body, {"Retry-After": "1"} if retry else {})


def framework_error(status: int) -> dict[str, Any]:
    """Our body for an answer the framework made itself (its status kept)."""
    code, message = FRAMEWORK_CODES.get(status, FRAMEWORK_CODES[400])
    return error_body(code, message)


def is_framework_error(body: Any) -> bool:
    return isinstance(body, dict) and set(body) == {"Code", "Message"}


def parse_json(raw: bytes | str | None) -> Any:
    """A request body as JSON, or MalformedRequest (400)."""
    try:
        return json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError):
        raise MalformedRequest("The request body is not valid JSON.") from None
    except RecursionError:  # ~1,000 levels of [[[...]]] fit in 2 KB
        raise MalformedRequest("The request body is nested too deeply.") from None


def final_headers(headers: Mapping[str, Any], cors_headers: dict[str, str]) -> dict[str, Any]:
    """An answer's own ``headers`` with the CORS ones for its request (chalicelib.cors; a
    ``Vary`` joins any the answer set), ``Cache-Control: no-store`` unless the answer
    chose its caching, and ``X-Content-Type-Options: nosniff``."""
    out = dict(headers)
    present = {name.lower(): name for name in out}
    for name, value in cors_headers.items():
        vary = present.get("vary") if name.lower() == "vary" else None
        if vary is None:
            out[name] = value
        elif value.lower() not in (part.strip().lower() for part in out[vary].split(",")):
            out[vary] = f"{out[vary]}, {value}"
    if "cache-control" not in present:
        out["Cache-Control"] = NO_STORE
    if "x-content-type-options" not in present:
        out["X-Content-Type-Options"] = NOSNIFF
    return out
