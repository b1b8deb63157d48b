"""Where the API answers, from trusted sources only (docs/architecture.md, "Browsers and links").

Links in answers (``links``, ``meta.path``, ``Location``, openapi ``servers``)
and the page's own links are built from ``MEDIA_PUBLIC_API_URL`` when it is
set (a custom domain, the local server), else from what API Gateway itself
says in ``requestContext`` (its domain, and the stage or base path in front
of the route). Never from the client's ``Host`` or ``X-Forwarded-*``
headers: those would let a caller point an answer's links anywhere.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from chalicelib.config import get_settings

#: Where the API answers when neither the setting nor the gateway says (the test client).
FALLBACK_BASE = "http://localhost"
#: What a stage or base path may look like (it goes into links and pages as it is).
_SAFE_PATH = re.compile(r"^(/[A-Za-z0-9._~-]+)*$")


def path_prefix(request_path: str | None, route: str) -> str:
    """The path in front of ``route`` in the path the client asked for ('' or '/dev').

    ``request_path`` is ``requestContext.path`` (stage or base path first);
    ``route`` the route as registered (``/api/v1/media/{media_id}``, ``/``).
    Counted in segments, so path parameters need not match literally.
    """
    asked = [s for s in (request_path or "").split("?", 1)[0].strip("/").split("/") if s]
    own = [s for s in route.strip("/").split("/") if s]
    prefix = "".join(f"/{s}" for s in asked[: max(0, len(asked) - len(own))])
    return prefix if _SAFE_PATH.match(prefix) else ""


def configured_path() -> str | None:
    """The path of MEDIA_PUBLIC_API_URL, when it is set."""
    configured = get_settings().public_api_url
    if configured is None:
        return None
    path = urlsplit(configured).path.rstrip("/")
    return path if _SAFE_PATH.match(path) else ""


def api_base(domain: str | None, request_path: str | None, route: str) -> str:
    """The API's base URL: the setting, else ``https://{domain}{prefix}``, else the fallback."""
    configured = get_settings().public_api_url
    if configured:
        return configured
    if not domain:
        return FALLBACK_BASE
    return f"https://{domain}{path_prefix(request_path, route)}"
