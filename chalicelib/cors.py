"""Which browser origins may call the API, and the CORS headers that say so (docs/architecture.md, "Browsers
and links").

``MEDIA_CORS_ORIGINS`` governs the API as it governs the bucket: ``*`` or a
comma-separated list of origins. A preflight from an allowed origin is
answered with what it may send; any other origin gets no CORS header at all,
so the browser refuses the call. Pure functions: app.py puts the headers on
its responses, the deploy template on API Gateway's own.

Caches: with a list, an answer depends on the request's Origin (CORS headers
for an allowed one, none for any other or for no Origin), so EVERY answer
carries ``Vary: Origin``: were only the allowed origins' answers to say so, a
shared cache could keep the copy made for a request without Origin and serve
it, without CORS headers, to the allowed origin. With ``*`` every answer
carries ``Access-Control-Allow-Origin: *``, Origin or not: the same answer for
everyone, nothing for a cache to keep apart, so no Vary.
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
    """CORS headers of an ordinary response to ``origin`` (None: the request sent no
    Origin): ``Vary: Origin`` alone when it is not allowed (see the module docstring)."""
    origins = get_settings().cors_origins
    if "*" in origins:
        return {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": ", ".join(EXPOSE_HEADERS)}
    if not origins:
        return {}  # no browser is ever allowed: the answer does not depend on Origin
    headers = {"Vary": "Origin"}
    allowed = allowed_origin(origin)
    if allowed is not None:
        headers.update(
            {"Access-Control-Allow-Origin": allowed, "Access-Control-Expose-Headers": ", ".join(EXPOSE_HEADERS)}
        )
    return headers


def preflight_headers(origin: str | None, methods: str) -> dict[str, str]:
    """The answer to a preflight from ``origin`` for a path serving ``methods`` (only
    ``Vary`` when it is not allowed)."""
    headers = response_headers(origin)
    if "Access-Control-Allow-Origin" not in headers:
        return headers
    headers.pop("Access-Control-Expose-Headers")
    headers.update(
        {
            "Access-Control-Allow-Methods": methods,
            "Access-Control-Allow-Headers": ", ".join(ALLOW_HEADERS),
            "Access-Control-Max-Age": str(MAX_AGE_SECONDS),
        }
    )
    return headers
