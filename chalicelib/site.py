"""The media library page and the API reference, served by the app itself
(docs/architecture.md, "The media library page").

The files live in ``chalicelib/web/`` (they ship with chalicelib; no build
step). Everything is read through importlib.resources on first use and kept
for the life of the process; nothing happens at import.

Caching: every static file is served under ``/static/{version}/{name}``, where
``version`` is a digest of all of them, so a deploy that changes any file
changes every URL and the files can be cached for a year (``immutable``).
Pages (``/``, ``/docs``) are revalidated on every load (``no-cache``). All of
them carry a strong ETag and answer ``If-None-Match`` with 304.

Headers: a Content-Security-Policy with no inline script (``script-src
'self'``), images and videos only from the API and the storage's public base
URL, ``connect-src`` the API and the storage endpoint presigned forms post
to; ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` and
``frame-ancestors 'none'`` everywhere.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import resources
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

from chalicelib import links
from chalicelib.config import Settings, get_settings
from chalicelib.domain.etags import none_match
from chalicelib.errors import NotFound, ServiceUnavailable

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from chalicelib.storage import Storage

WEB = "web"
#: What a static file's extension says it is (anything else under web/ is not served).
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}
HTML_TYPE = "text/html; charset=utf-8"
PAGES = {"page": "index.html", "docs": "docs.html"}
YEAR = 365 * 24 * 3600
#: Every answer of this module, whatever it is.
COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class Reply(NamedTuple):
    """What a view sends: app.py turns it into its framework's response."""

    status: int
    body: str
    headers: dict[str, str]


class Asset(NamedTuple):
    name: str
    body: str
    content_type: str
    etag: str


class Bundle(NamedTuple):
    version: str
    assets: dict[str, Asset]


def _etag(body: str) -> str:
    return '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


def _files(folder: Traversable) -> list[Traversable]:
    found: list[Traversable] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            found += _files(entry)
        elif entry.name.endswith(tuple(CONTENT_TYPES)):
            found.append(entry)
    return found


@functools.lru_cache(maxsize=1)
def bundle() -> Bundle:
    """Every static file by its name (names are unique across web/ and web/vendor/)."""
    assets: dict[str, Asset] = {}
    for entry in _files(resources.files("chalicelib").joinpath(WEB)):
        if entry.name in assets:
            raise RuntimeError(f"two static files are named {entry.name}")
        body = entry.read_text("utf-8")
        suffix = entry.name[entry.name.rindex(".") :]
        assets[entry.name] = Asset(entry.name, body, CONTENT_TYPES[suffix], _etag(body))
    digest = hashlib.sha256("".join(f"{a.name}:{a.etag}\n" for a in assets.values()).encode())
    return Bundle(digest.hexdigest()[:12], assets)


@functools.lru_cache(maxsize=2)
def _template(name: str) -> str:
    return resources.files("chalicelib").joinpath(WEB, name).read_text("utf-8")


def base_path(request_path: str | None, route: str) -> str:
    """The path the app answers under: '' locally, '/api' (the stage) on API Gateway's
    own domain, a custom domain's base path, so the page's links work behind any of them."""
    configured = links.configured_path()
    return configured if configured is not None else links.path_prefix(request_path, route)


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _upload_origin(settings: Settings) -> str | None:
    from chalicelib import storage

    return _form_origin(settings, storage.store())  # type: ignore[arg-type]  # every port object hashes by identity


@functools.lru_cache(maxsize=4)
def _form_origin(settings: Settings, store: Storage) -> str | None:
    """Where presigned forms send the bytes: the origin of a form for a throwaway key
    (signing is local computation; no request leaves), kept per settings and storage."""
    try:
        form = store.presign_upload("uploads/page/csp", "image/png", 1, 60)
    except ServiceUnavailable:  # no credentials to sign with: the endpoint then
        return _origin(settings.s3_endpoint_url or "")
    return _origin(form.url)


def page_policy() -> str:
    """The page's Content-Security-Policy: nothing inline, media from the storage only."""
    settings = get_settings()
    media = _origin(settings.public_base_url)
    upload = _upload_origin(settings)
    media_src = " ".join(s for s in ("'self'", media) if s)
    connect = " ".join(dict.fromkeys(s for s in ("'self'", upload) if s))
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {media_src}",
            f"media-src {media_src}",
            f"connect-src {connect}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


#: The API reference (Redoc) injects its styles and runs a search worker: its page
#: allows inline styles and blob: workers, still no inline or foreign script.
DOCS_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
STATIC_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def _answer(body: str, content_type: str, etag: str, headers: dict[str, str], if_none_match: str | None) -> Reply:
    headers = {**COMMON_HEADERS, **headers, "ETag": etag}
    if none_match(if_none_match, etag):
        return Reply(304, "", headers)
    return Reply(200, body, {**headers, "Content-Type": content_type})


@functools.lru_cache(maxsize=16)
def _render(name: str, prefix: str, version: str) -> str:
    values = {
        "{{static}}": f"{prefix}/static/{version}",
        "{{home}}": f"{prefix}/",
        "{{docs}}": f"{prefix}/docs",
        "{{openapi}}": f"{prefix}/api/v1/openapi.json",
    }
    text = _template(name)
    for token, value in values.items():
        # Safe in an attribute as they are: a version is hex, a prefix is a safe path (links).
        text = text.replace(token, value)
    return text


def _page(kind: str, request_path: str | None, route: str, policy: str, if_none_match: str | None) -> Reply:
    body = _render(PAGES[kind], base_path(request_path, route), bundle().version)
    headers = {"Cache-Control": "no-cache", "Content-Security-Policy": policy}
    return _answer(body, HTML_TYPE, _etag(body + policy), headers, if_none_match)


def page(request_path: str | None, if_none_match: str | None = None) -> Reply:
    """``GET /``: the media library page."""
    return _page("page", request_path, "/", page_policy(), if_none_match)


def docs(request_path: str | None, if_none_match: str | None = None) -> Reply:
    """``GET /docs``: the OpenAPI document rendered by the vendored Redoc."""
    return _page("docs", request_path, "/docs", DOCS_POLICY, if_none_match)


def static(version: str, name: str, if_none_match: str | None = None) -> Reply:
    """``GET /static/{version}/{name}``: cached for a year under the current version;
    an old version's URL still gets today's file, revalidated on every use."""
    current = bundle()
    asset = current.assets.get(name)
    if asset is None:
        raise NotFound(f"No static file is named {name!r}.")
    cache = f"public, max-age={YEAR}, immutable" if version == current.version else "no-cache"
    headers = {"Cache-Control": cache, "Content-Security-Policy": STATIC_POLICY}
    return _answer(asset.body, asset.content_type, asset.etag, headers, if_none_match)


def reset() -> None:
    """Forget what was read (tests that change the files or the settings)."""
    bundle.cache_clear()
    _template.cache_clear()
    _render.cache_clear()
    _form_origin.cache_clear()
