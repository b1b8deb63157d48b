"""/docs asks nothing of any other origin (Redoc's footer logo came from a CDN, refused by
the page's own policy: an error in the console on every load)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.browser.harness import Running


def test_docs_request_nothing_outside_the_origin_and_log_no_error(context: Any, stack: Running) -> None:
    page = context.new_page()
    requested: list[str] = []
    console: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: console.append(message.text) if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: console.append(str(error)))
    page.goto(f"{stack.url}/docs")
    expect(page.get_by_role("heading", name="Start an upload session (presigned, up to 50 MB)")).to_be_visible(
        timeout=20_000
    )
    expect(page.get_by_text("API docs by Redocly")).to_be_visible()  # the footer rendered (without its logo)
    page.wait_for_timeout(500)
    origin = f"{urlsplit(stack.url).scheme}://{urlsplit(stack.url).netloc}"
    outside = [url for url in requested if not url.startswith((origin, "blob:", "data:"))]
    assert outside == []
    assert console == []
    page.close()
