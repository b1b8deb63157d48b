"""HTTP routes and Lambda handlers of the Media API (docs/architecture.md, "Request flow").

A view reads the request, calls one use case and hands its value to a
presenter. Three middlewares wrap every request (chalicelib/middleware.py),
outermost first: the edge (timing, errors as our JSON, CORS headers, the
request line), authentication (API paths), then idempotent POSTs
(authenticated requests only).
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable
from importlib import resources
from typing import TYPE_CHECKING, Any

from chalice import Chalice, Rate, Response
from chalice.app import Request

from chalicelib import accounts, edge, library, links, listing, middleware, presenters, telemetry, uploads
from chalicelib.errors import MediaError
from chalicelib.middleware import API, MCP

if TYPE_CHECKING:
    from chalicelib import site

# Imported where first needed, to keep a cold start's imports to what every request
# uses (bench: import_ratio): idempotency (POSTs with a key), site (the page), mcp
# (agents), events and reconcile (their own functions).

app = Chalice(app_name="media-api")
# multipart bodies must reach the view as bytes (API Gateway binary media type).
app.api.binary_types.append("multipart/form-data")
app.log.setLevel(logging.INFO)

JSON_TYPES = ["application/json"]
#: Seconds a derivatives invocation keeps to record a transcode that ran out of time.
DEADLINE_MARGIN_SECONDS = 20

# Outermost first: the edge, authentication, idempotent POSTs (chalicelib/middleware.py).
app.middleware("http")(middleware.answer_at_the_edge)
app.middleware("http")(middleware.authenticate)
app.middleware("http")(middleware.idempotent_posts)


def view(path: str, methods: list[str], content_types: list[str] | None = None) -> Callable[..., Any]:
    """Register a route whose MediaErrors become our JSON error bodies (Chalice keeps a
    REST view's exceptions from the middleware)."""

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapped(**kwargs: Any) -> Any:
            try:
                return func(**kwargs)
            except MediaError as exc:
                return middleware.error_response(exc)
            except Exception:
                return middleware.internal_error(request().path)

        app.route(path, methods=methods, content_types=content_types or middleware.ANY_TYPE)(wrapped)
        return func

    return decorator


def request() -> Request:
    current = app.current_request
    assert current is not None
    return current


def account_id() -> str:
    return str(request().context["account_id"])


def json_body() -> Any:
    return edge.parse_json(request().raw_body)


def api_base() -> str:
    """The API's own base URL, from trusted sources only (chalicelib.links)."""
    req = request()
    return links.api_base(req.context.get("domainName"), req.context.get("path"), req.path)


def created(media: dict[str, Any], status: int = 201) -> Response:
    """A MediaFile answer that names where the file lives from now on."""
    return Response(body=media, status_code=status, headers={"Location": f"{api_base()}{API}/media/{media['id']}"})


def tagged(found: library.Tagged) -> Response:
    if found.media is None:
        return Response(body="", status_code=304, headers={"ETag": found.etag})
    return Response(body=presenters.media_json(found.media), status_code=200, headers={"ETag": found.etag})


@view(f"{API}/media", ["GET"])
def list_media() -> dict[str, Any]:
    query = listing.parse_list_query(dict(request().query_params or {}))
    return presenters.list_json(listing.list_media(account_id(), query), f"{api_base()}{API}/media")


@view(f"{API}/media", ["POST"], content_types=["multipart/form-data"])
def upload_media() -> Response:
    req = request()
    body = req.raw_body if isinstance(req.raw_body, bytes) else req.raw_body.encode()
    media = uploads.upload_multipart(account_id(), body, req.headers.get("content-type", ""))
    return created(presenters.media_json(media))


@view(f"{API}/media/{{media_id}}", ["GET"])
def get_media(media_id: str) -> Response:
    return tagged(library.get_media(account_id(), media_id, request().headers.get("if-none-match")))


@view(f"{API}/media/{{media_id}}", ["PUT"], content_types=JSON_TYPES)
def update_media(media_id: str) -> Response:
    return tagged(library.update_media(account_id(), media_id, json_body(), request().headers.get("if-match")))


@view(f"{API}/media/{{media_id}}", ["DELETE"])
def delete_media(media_id: str) -> Response:
    library.delete_media(account_id(), media_id, request().headers.get("if-match"))
    return Response(body="", status_code=204)


@view(f"{API}/media/{{media_id}}/download", ["GET"])
def download_media(media_id: str) -> dict[str, Any]:
    """A short-lived link that saves the file under its name (chalicelib/downloads.py says why)."""
    from chalicelib import downloads

    return presenters.download_json(downloads.download_link(account_id(), library.parse_media_id(media_id)))


@view(f"{API}/media/uploads", ["POST"], content_types=JSON_TYPES)
def start_upload() -> Response:
    started = uploads.start_upload(account_id(), json_body())
    return Response(body=presenters.started_upload_json(started.session, started.form), status_code=201)


@view(f"{API}/media/uploads/{{upload_id}}", ["GET"])
def get_upload(upload_id: str) -> dict[str, Any]:
    state = uploads.get_upload(account_id(), upload_id)
    return presenters.session_json(state.session, state.media, state.error)


@view(f"{API}/media/uploads/{{upload_id}}/complete", ["POST"])
def complete_upload(upload_id: str) -> Response:
    media, first = uploads.complete_upload(account_id(), upload_id)
    return created(presenters.media_json(media), 201 if first else 200)


@view(f"{API}/account", ["GET"])
def get_account() -> dict[str, Any]:
    """The caller's account: plan, usage and the limits to respect before uploading."""
    return presenters.account_json(accounts.require_account(account_id()))


@functools.lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    """chalicelib/openapi.json (ships with chalicelib), read on first use."""
    return dict(json.loads(resources.files("chalicelib").joinpath("openapi.json").read_text("utf-8")))


@view(f"{API}/openapi.json", ["GET"])
def get_openapi() -> dict[str, Any]:
    """The API's OpenAPI 3.1 document (public), naming the deployment that answered as its server."""
    return {**openapi_document(), "servers": [{"url": api_base()}]}


@view(MCP, ["POST"], content_types=JSON_TYPES)
def mcp_endpoint() -> Response:
    """The library as MCP tools for AI agents (Streamable HTTP, stateless, JSON answers)."""
    from chalicelib import mcp

    req = request()
    raw = req.raw_body if isinstance(req.raw_body, bytes) else (req.raw_body or "").encode()
    headers = req.headers
    inbound = mcp.Inbound(raw, headers.get("accept"), headers.get("mcp-protocol-version"), headers.get("origin"))
    reply = mcp.answer(account_id(), inbound)
    body = "" if reply.body is None else reply.body
    return Response(body=body, status_code=reply.status, headers=dict(reply.headers))


def served(reply: site.Reply) -> Response:
    """The page's answer; HEAD gets GET's status and headers without the body (link checkers, monitors)."""
    body = "" if request().method == "HEAD" else reply.body
    return Response(body=body, status_code=reply.status, headers=dict(reply.headers))


@view("/", ["GET", "HEAD"])
def media_page() -> Response:
    """The media library page; it signs in with a key, the page itself needs none."""
    from chalicelib import site

    return served(site.page(request().context.get("path"), request().headers.get("if-none-match")))


@view("/docs", ["GET", "HEAD"])
def api_reference() -> Response:
    from chalicelib import site

    return served(site.docs(request().context.get("path"), request().headers.get("if-none-match")))


@view("/static/{version}/{name}", ["GET", "HEAD"])
def static_file(version: str, name: str) -> Response:
    from chalicelib import site

    return served(site.static(version, name, request().headers.get("if-none-match")))


@app.lambda_function(name="ingest")
def ingest_objects(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Storage events of staged uploads (wired by the deploy template: `chalice package`
    refuses @app.on_s3_event)."""
    from chalicelib import events

    return {"results": events.handle(event)}


@app.lambda_function(name="derivatives")
def make_derivatives(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Storage events of new public files (promotions, direct uploads): their thumbnails,
    posters and renditions, off the request path (wired by the deploy template, like ingest)."""
    from chalicelib import events

    return {"results": events.handle(event, _deadline(context))}


def _deadline(context: Any) -> float | None:
    """When a transcode must give up: the invocation's remaining time, less a margin to record
    the failure (the local event pump passes no deadline)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    seconds = remaining() / 1000
    return time.monotonic() + seconds - min(DEADLINE_MARGIN_SECONDS, seconds / 10)


@app.lambda_function(name="invalidate")
def invalidate_paths(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Batches of deleted files' keys from the invalidation queue (wired by the deploy
    template or post-deploy): one CDN invalidation per batch."""
    from chalicelib import cdn

    return cdn.invalidate_batch(event)


@app.schedule(Rate(1, unit=Rate.HOURS), name="reconcile")
def reconcile_storage(event: Any) -> dict[str, Any]:
    from chalicelib import reconcile

    report = reconcile.reconcile().to_json()
    telemetry.emit("reconcile", **report)
    return report


middleware.register_method_answers(app)
