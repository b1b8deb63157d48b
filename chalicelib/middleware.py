"""The middlewares every request passes, outermost first, and the answers Chalice does not
give by itself (docs/architecture.md, "Request flow").

1. :func:`answer_at_the_edge`: timing, every error as our JSON, the headers every answer
   carries (CORS, caching), one request line.
2. :func:`authenticate`: the account named by the key, on API paths and /mcp.
3. :func:`idempotent_posts`: an authenticated POST with an Idempotency-Key runs once.

:func:`register_method_answers` adds a 405 for every method a path does not serve, and a
CORS preflight on every path. app.py registers all of these; chalicelib.edge holds what
they share with other fronts (statuses, error bodies, final headers).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from chalice import Chalice, Response
from chalice.app import Request

from chalicelib import auth, cors, edge, telemetry
from chalicelib.errors import MediaError

#: The same logger as app.log (Chalice names it after the app).
log = logging.getLogger("media-api")
API = "/api/v1"
MCP = "/mcp"
MCP_KEY_HEADERS = "the X-Api-Key header or an Authorization: Bearer token"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ANY_TYPE = ["*/*"]  # routes without a body accept any Content-Type
PUBLIC_PATHS: set[str] = {f"{API}/openapi.json"}
#: Path -> the methods it serves (the Allow header of its 405 answers).
ALLOWED: dict[str, str] = {}
Handler = Callable[[Request], Response]


def error_response(error: MediaError) -> Response:
    answer = edge.answer_error(error)
    return Response(body=answer.body, status_code=answer.status, headers=dict(answer.headers))


def internal_error(path: str) -> Response:
    log.exception("unhandled error on %s", path)
    return Response(body=edge.framework_error(500), status_code=500)


def _normalize(response: Response, path: str) -> Response:
    """Chalice's own error bodies ({"Code", "Message"}) become ours."""
    if response.status_code >= 400 and edge.is_framework_error(response.body):
        if response.status_code == 500:
            log.error("chalice returned an internal error: %s", response.body)
        if response.status_code == 405 and path in ALLOWED:
            # Chalice's own 405 (a method no route knows, e.g. TRACE) lists every
            # registered method, the 405 handlers' included: name the served ones.
            response.headers = {**(response.headers or {}), "Allow": ALLOWED[path]}
        response.body = edge.framework_error(response.status_code)
    return response


def answer_at_the_edge(event: Request, get_response: Handler) -> Response:
    """Outermost: every error leaves as our JSON with the headers every answer carries
    (CORS, caching: edge.final_headers), and each request writes one line."""
    started = time.perf_counter()
    try:
        response = get_response(event)
    except MediaError as exc:
        response = error_response(exc)
    except Exception:
        response = internal_error(event.path)
    response = _normalize(response, event.path)
    response.headers = edge.final_headers(response.headers or {}, cors.response_headers(event.headers.get("origin")))
    body = response.body if isinstance(response.body, dict) else {}
    telemetry.request(
        getattr(event.lambda_context, "aws_request_id", None) or event.context.get("requestId"),
        event.method,
        event.path,
        response.status_code,
        started,
        event.context.get("account_id"),
        body.get("code"),
        key_prefix=auth.display_prefix(event.headers.get("x-api-key")),
        source_ip=(event.context.get("identity") or {}).get("sourceIp"),
    )
    return response


def authenticate(event: Request, get_response: Handler) -> Response:
    """Every API request names its account by its key (Chalice's authorizer ignores X-Api-Key
    locally, aws/chalice#1675); the page, its files and the public document need none.
    The MCP endpoint takes it as a bearer token too (remote agent platforms often set only that)."""
    if event.method != "OPTIONS" and event.path == MCP:
        key = auth.presented_key(event.headers.get("x-api-key"), event.headers.get("authorization"))
        event.context["account_id"] = auth.authenticate(key, sent_in=MCP_KEY_HEADERS)
    elif event.method != "OPTIONS" and event.path.startswith(API) and event.path not in PUBLIC_PATHS:
        event.context["account_id"] = auth.authenticate(event.headers.get("x-api-key"))
    return get_response(event)


def idempotent_posts(event: Request, get_response: Handler) -> Response:
    """An authenticated POST with an Idempotency-Key runs once; its retries get the kept answer."""
    raw_key = event.headers.get("idempotency-key") if event.method == "POST" else None
    account_id = event.context.get("account_id")
    if raw_key is None or account_id is None:
        return get_response(event)
    from chalicelib import idempotency  # POSTs with a key only: off the cold start

    key = idempotency.parse_key(raw_key)
    raw = event.raw_body if isinstance(event.raw_body, bytes) else (event.raw_body or "").encode()
    params = dict(event.uri_params or {})
    print_ = idempotency.fingerprint(event.method, event.path, params, event.headers.get("content-type", ""), raw)
    kept = idempotency.begin(str(account_id), key, print_)
    if kept is not None:
        headers = {**kept.headers, "Content-Type": "application/json", "Idempotent-Replayed": "true"}
        return Response(body=kept.body, status_code=kept.status, headers=dict(headers))
    try:
        response = get_response(event)
    except BaseException:
        idempotency.release(str(account_id), key, print_)
        raise
    body = response.body if isinstance(response.body, str) else json.dumps(response.body, separators=(",", ":"))
    headers = {name: str(value) for name, value in (response.headers or {}).items()}
    idempotency.finish(str(account_id), key, print_, idempotency.Answer(response.status_code, body, headers))
    return response


def register_method_answers(app: Chalice) -> None:
    """Answer 405 (not API Gateway's 403) for every method a path does not serve,
    and CORS preflights (OPTIONS) on every path, locally and on API Gateway alike.
    Called once every route is registered."""
    for path, entries in list(app.routes.items()):
        allowed = ALLOWED[path] = ", ".join(sorted(entries))
        missing = [m for m in METHODS if m not in entries]
        name = "".join(c if c.isalnum() else "_" for c in path)

        def preflight(allowed: str = allowed, **_: Any) -> Response:
            request = app.current_request
            origin = request.headers.get("origin") if request is not None else None
            return Response(
                body="", status_code=204, headers={"Allow": allowed, **cors.preflight_headers(origin, allowed)}
            )

        preflight.__name__ = f"preflight_{name}"
        app.route(path, methods=["OPTIONS"], content_types=ANY_TYPE)(preflight)
        if not missing:
            continue

        def not_allowed(allowed: str = allowed, **_: Any) -> Response:
            return Response(body=edge.framework_error(405), status_code=405, headers={"Allow": allowed})

        not_allowed.__name__ = f"method_not_allowed_{name}"
        app.route(path, methods=missing, content_types=ANY_TYPE)(not_allowed)
