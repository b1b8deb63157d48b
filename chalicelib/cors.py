"""Which browser origins may call the API, and the CORS headers that say so (docs/architecture.md, "Browsers
and links").

``MEDIA_CORS_ORIGINS`` governs the API as it governs the bucket: ``*`` or a
comma-separated list of origins. A preflight from an allowed origin is
answered with what it may send; any other origin gets no CORS header at all,
so the browser refuses the call. Pure functions: app.py puts the headers on
its responses, the deploy template on API Gateway's own.
"""

from __future__ import annotations

from chalicelib.config import get_settings

#: Authorization and MCP-Protocol-Version: what a browser-based MCP client sends to /mcp.
ALLOW_HEADERS = (
    "X-Api-Key",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "If-None-Match",
    "Authorization",
    "MCP-Protocol-Version",
)
EXPOSE_HEADERS = ("ETag", "Idempotent-Replayed", "Retry-After", "Location")
#: How long a browser may reuse a preflight's answer.
MAX_AGE_SECONDS = 600


def allowed_origin(origin: str | None) -> str | None:
    """The Access-Control-Allow-Origin value for ``origin``, or None when it is not allowed."""
    if not origin:
        return None
    origins = get_settings().cors_origins
    if "*" in origins:
        return "*"
    return origin if origin in origins else None


def response_headers(origin: str | None) -> dict[str, str]:
    """CORS headers of an ordinary response to ``origin`` (empty when not allowed)."""
    allowed = allowed_origin(origin)
    if allowed is None:
        return {}
    headers = {"Access-Control-Allow-Origin": allowed, "Access-Control-Expose-Headers": ", ".join(EXPOSE_HEADERS)}
    if allowed != "*":
        headers["Vary"] = "Origin"  # the answer depends on who asks: caches must keep them apart
    return headers


def preflight_headers(origin: str | None, methods: str) -> dict[str, str]:
    """The answer to a preflight from ``origin`` for a path serving ``methods`` (empty when not allowed)."""
    headers = response_headers(origin)
    if not headers:
        return {}
    headers.pop("Access-Control-Expose-Headers")
    headers.update(
        {
            "Access-Control-Allow-Methods": methods,
            "Access-Control-Allow-Headers": ", ".join(ALLOW_HEADERS),
            "Access-Control-Max-Age": str(MAX_AGE_SECONDS),
        }
    )
    return headers
