"""What the page is sent with and what it loads: a Content-Security-Policy without
inline script, nosniff, and nothing from anywhere but the API and its storage;
/docs renders the OpenAPI document with the vendored Redoc, from this machine only."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.browser.conftest import Problems
from tests.browser.harness import Running, Tenant, png
from tests.browser.pages import card


def directives(policy: str) -> dict[str, list[str]]:
    parsed = (part.split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in parsed}


def test_the_page_comes_with_a_strict_csp_and_loads_only_from_the_api_and_its_storage(
    page: Any, stack: Running, tenant: Tenant, problems: Problems
) -> None:
    stack.seed(tenant, "logo.png", png(), "Logo")
    origins: set[str] = set()
    page.on("request", lambda r: origins.add("{0.scheme}://{0.netloc}".format(urlsplit(r.url))))
    answer = page.goto(f"{stack.url}/")
    headers = answer.all_headers()
    policy = directives(headers["content-security-policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert policy["img-src"] == ["'self'", stack.storage_origin]
    assert policy["connect-src"] == ["'self'", stack.storage_origin]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    # The page's own scripts run under it (the fixture fails the test on any CSP report).
    page.get_by_label("API key").fill(tenant.api_key)
    page.get_by_role("button", name="Sign in").click()
    card(page, "Logo").get_by_role("button", name="Details").click()
    expect(page.get_by_role("dialog", name="Logo")).to_be_visible()
    assert origins == {stack.url, stack.storage_origin}
    assert problems.seen == []
    # An inline script, were one injected, would not run.
    ran = page.evaluate(
        """() => new Promise((resolve) => {
        window.injectedRan = false;
        const script = document.createElement("script");
        script.textContent = "window.injectedRan = true";
        document.addEventListener("securitypolicyviolation", () => resolve(window.injectedRan), {once: true});
        document.body.append(script);
      })"""
    )
    assert ran is False
    problems.seen = [text for text in problems.seen if "Executing inline script violates" not in text]


def test_static_files_come_from_the_browsers_cache_on_the_next_visit(page: Any, context: Any, stack: Running) -> None:
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    urls: dict[str, str] = {}
    cached: set[str] = set()
    cdp.on("Network.requestWillBeSent", lambda e: urls.update({e["requestId"]: e["request"]["url"]}))
    cdp.on("Network.requestServedFromCache", lambda e: cached.add(e["requestId"]))
    cdp.on("Network.responseReceived", lambda e: cached.add(e["requestId"]) if e["response"]["fromDiskCache"] else None)
    first = page.goto(f"{stack.url}/")
    assert first.all_headers()["cache-control"] == "no-cache"
    statics = {url for url in urls.values() if "/static/" in url}
    assert {url.rsplit("/", 1)[1] for url in statics} >= {"app.js", "app.css", "api.js", "library.js", "uploads.js"}
    urls.clear()
    page.goto(f"{stack.url}/?again")
    # The page is revalidated; its versioned files come from the cache, unasked.
    again = {url: request_id in cached for request_id, url in urls.items() if "/static/" in url}
    assert again == dict.fromkeys(statics, True)


def test_docs_render_the_openapi_document_from_this_machine_only(context: Any, stack: Running) -> None:
    page = context.new_page()
    errors: list[str] = []
    blocked: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    hosts: set[str] = set()
    page.on("requestfinished", lambda r: hosts.add(urlsplit(r.url).netloc or urlsplit(r.url).scheme))
    answer = page.goto(f"{stack.url}/docs")
    assert directives(answer.all_headers()["content-security-policy"])["script-src"] == ["'self'"]
    expect(page.get_by_role("heading", name="Media API", exact=False).first).to_be_visible(timeout=20_000)
    expect(page.get_by_role("heading", name="Start an upload session (presigned, up to 50 MB)")).to_be_visible()
    assert errors == []
    assert hosts - {"blob"} == {urlsplit(stack.url).netloc}  # blob: Redoc's search worker
    assert blocked == []  # nothing asked of another origin (test_offline_docs.py)
    page.close()
