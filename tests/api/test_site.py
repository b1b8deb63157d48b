"""The media library page's routes (docs/architecture.md, "The media library page"): what they send and how it
is cached,
without a browser (tests/browser drives the page itself in Chromium)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib import resources
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import caches, site
from ops import vendor
from tests.helpers.http import Reply, check_body

WEB = resources.files("chalicelib").joinpath("web")


def call(client: Client, method: str, path: str, *, headers: dict[str, str] | None = None) -> Reply:
    """A request to the app; JSON answers checked as every API answer is, pages and files as text."""
    response = client.http.request(method, path, headers=headers or {})
    raw = response.body or b""
    kind = next((v for k, v in response.headers.items() if k.lower() == "content-type"), "")
    text = kind.startswith(("text/", "image/svg"))
    body = raw.decode() if text else check_body(response.status_code, raw)
    return Reply(response.status_code, body, dict(response.headers))


def policy(reply: Any) -> dict[str, list[str]]:
    parts = (p.split() for p in str(reply.header("Content-Security-Policy")).split(";") if p.strip())
    return {words[0]: words[1:] for words in parts}


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html)


class InlineCode(HTMLParser):
    """Every way a page could run or style something inline."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        self._in_script = tag == "script"
        self.found += [f"{tag} {name}=" for name in names if name == "style" or name.startswith("on")]
        self.found += [f"{tag} {v}" for _, v in attrs if v and v.strip().lower().startswith("javascript:")]

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append("inline script text")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


@pytest.mark.moto
def test_the_page_needs_no_key_and_is_sent_with_its_security_headers(client: Client) -> None:
    reply = call(client, "GET", "/")
    assert reply.status == 200
    assert reply.header("Content-Type") == "text/html; charset=utf-8"
    assert reply.header("X-Content-Type-Options") == "nosniff"
    assert reply.header("Referrer-Policy") == "no-referrer"
    assert reply.header("Cache-Control") == "no-cache"
    csp = policy(reply)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["img-src"] == csp["media-src"] == ["'self'", "https://cdn.example.test"]  # MEDIA_PUBLIC_BASE_URL
    assert csp["connect-src"] == ["'self'", "https://media-test.s3.amazonaws.com"]  # where the forms post
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert call(client, "GET", "/api/v1/media").status == 401  # the API still needs one


def test_the_docs_page_renders_the_openapi_document_with_the_vendored_redoc(client: Client) -> None:
    reply = call(client, "GET", "/docs")
    assert reply.status == 200 and reply.header("Content-Type") == "text/html; charset=utf-8"
    html = str(reply.body)
    assert 'data-spec="/api/v1/openapi.json"' in html
    assert [u.rsplit("/", 1)[1] for u in static_urls(html) if u.endswith(".js")] == ["redoc.standalone.js", "docs.js"]
    csp = policy(reply)
    assert csp["script-src"] == ["'self'"]  # Redoc injects styles, never scripts
    assert csp["frame-ancestors"] == ["'none'"] and reply.header("X-Content-Type-Options") == "nosniff"


@pytest.mark.parametrize("name", ["index.html", "docs.html"])
def test_the_pages_have_no_inline_script_or_style(name: str) -> None:
    parser = InlineCode()
    parser.feed(WEB.joinpath(name).read_text("utf-8"))
    assert parser.found == []


def test_no_script_of_ours_writes_html_from_strings() -> None:
    """User data only ever reaches the page as text (textContent, DOM calls)."""
    sinks = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function")
    for entry in WEB.iterdir():
        if entry.name.endswith(".js"):
            assert not sinks.findall(entry.read_text("utf-8")), entry.name


def test_every_file_the_pages_name_is_served_with_its_type(client: Client) -> None:
    bundle = site.bundle()
    page = str(call(client, "GET", "/").body) + str(call(client, "GET", "/docs").body)
    urls = static_urls(page)
    assert {u.rsplit("/", 1)[1] for u in urls} >= {"app.js", "app.css", "icon.svg", "redoc.standalone.js"}
    types = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
    for url in urls:
        assert url.startswith(f"/static/{bundle.version}/")
        reply = call(client, "GET", url)
        assert reply.status == 200, url
        assert reply.header("Content-Type") == types[url[url.rindex(".") :]]
        assert reply.header("X-Content-Type-Options") == "nosniff"


def test_every_module_the_page_imports_is_preloaded_and_exists() -> None:
    index = WEB.joinpath("index.html").read_text("utf-8")
    preloaded = set(re.findall(r'rel="modulepreload" href="\{\{static\}\}/([\w.]+)"', index))
    imported = set()
    for entry in WEB.iterdir():
        if entry.name.endswith(".js"):
            imported |= set(re.findall(r'from "\./([\w.]+)"', entry.read_text("utf-8")))
    assert imported == preloaded
    assert imported <= set(site.bundle().assets)


def test_a_current_static_file_is_cached_for_a_year_and_answers_304_to_its_etag(client: Client) -> None:
    version = site.bundle().version
    first = call(client, "GET", f"/static/{version}/app.js")
    assert first.status == 200
    assert first.header("Cache-Control") == "public, max-age=31536000, immutable"
    etag = str(first.header("ETag"))
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = call(client, "GET", f"/static/{version}/app.js", headers={"If-None-Match": header})
        assert (again.status, again.body, again.header("ETag")) == (304, None, etag), header
    stale = call(client, "GET", f"/static/{version}/app.js", headers={"If-None-Match": '"older"'})
    assert stale.status == 200


def test_an_old_versions_url_gets_todays_file_revalidated(client: Client) -> None:
    reply = call(client, "GET", "/static/000000000000/app.css")
    assert reply.status == 200 and reply.header("Cache-Control") == "no-cache"
    assert reply.body == site.bundle().assets["app.css"].body


def test_the_page_answers_304_when_unchanged(client: Client) -> None:
    etag = call(client, "GET", "/").header("ETag")
    again = call(client, "GET", "/", headers={"If-None-Match": str(etag)})
    assert again.status == 304 and again.header("Content-Security-Policy")


@pytest.mark.parametrize("name", ["nope.js", "index.html", "SHA256SUMS", "..", "site.py", "%2e%2e%2fapp.py"])
def test_only_the_static_files_are_served(client: Client, name: str) -> None:
    reply = call(client, "GET", f"/static/{site.bundle().version}/{name}")
    assert reply.status == 404
    assert reply.body["code"] == "not_found"


@pytest.mark.parametrize(
    "request_path, route, configured, expected",
    [
        ("/", "/", None, ""),
        ("/api/", "/", None, "/api"),  # API Gateway's own domain: the stage
        ("/api", "/", None, "/api"),
        ("/api/docs", "/docs", None, "/api"),
        ("/docs", "/docs", None, ""),
        (None, "/", None, ""),
        ("/x/", "/", "https://media.example.com/media", "/media"),  # the configured base wins
        ('/"><script>/', "/", None, ""),
    ],
)
def test_links_keep_the_path_the_app_answers_under(
    monkeypatch: pytest.MonkeyPatch, request_path: str | None, route: str, configured: str | None, expected: str
) -> None:
    if configured:
        monkeypatch.setenv("MEDIA_PUBLIC_API_URL", configured)
        caches.reset()
    assert site.base_path(request_path, route) == expected


def test_the_page_behind_a_stage_links_its_files_under_the_stage(aws: None) -> None:
    html = site.page("/api/").body
    assert f'src="/api/static/{site.bundle().version}/app.js"' in html
    assert 'href="/api/docs"' in html


def test_the_vendored_files_are_what_the_pinned_packages_hold_with_their_licences() -> None:
    assert vendor.check() == []
    names = {name for package in vendor.PACKAGES for name in package.files.values()}
    assert any("LICENSE" in name for name in names)
    assert all(name in site.bundle().assets for name in names)


def test_the_static_names_are_unique_across_folders() -> None:
    names = [e.name for folder in (WEB, WEB.joinpath("vendor")) for e in folder.iterdir() if e.is_file()]
    assert len(names) == len(set(names))
