"""The media library page in headless Chromium on the local stack, 100 files in the library.

``page_first_render_ms_100_files``: from navigation to 100 cards on screen (a
returning person: the key already in sessionStorage), each round in a fresh
browser context (nothing cached), median of ROUNDS after one warm-up.
``page_bytes_excluding_media``: what those rounds transferred from the API's
origin (page, scripts, styles, icon, the API's JSON; headers included), media
from storage excluded. Nothing is compressed: API Gateway does not by default.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import emit, median

FILES = 100
ROUNDS = 5
#: Checks every frame from navigation on: the time of the first frame where the last card has a box.
WATCH = """
(function check() {
  const cards = document.querySelectorAll("article");
  const box = cards.length >= %d ? cards[cards.length - 1].getBoundingClientRect() : null;
  if (box && box.width > 0 && box.height > 0) window.cardsShownAt = performance.now();
  else requestAnimationFrame(check);
})();
"""


def _seed(stack: Any, tenant: Any) -> None:
    """100 small images (the direct route's way), then wait for their thumbnails."""
    from chalicelib import listing
    from tests.browser.harness import png

    colours = ["teal", "navy", "orange", "purple", "olive", "maroon", "gray", "green", "red", "blue"]
    for index in range(FILES):
        stack.seed(tenant, f"photo-{index:03}.png", png(320, 240, colours[index % len(colours)]), f"Photo {index:03}")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # thumbnails are made by events: let them finish first
        query = listing.parse_list_query({"per_page": "100"})
        page = listing.list_media(tenant.account_id, query)
        if all(m.thumbnail_key for m in page.items):
            return
        time.sleep(0.5)


def _round(browser: Any, stack: Any, key: str) -> tuple[float, int, int]:
    """(ms to 100 cards, bytes from the API's origin, requests to it) in a fresh context."""
    from tests.browser.harness import KEY_ITEM

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(f"sessionStorage.setItem({json.dumps(KEY_ITEM)}, {json.dumps(key)});")
    context.add_init_script(WATCH % FILES)
    finished: list[Any] = []
    try:
        page = context.new_page()
        page.on("requestfinished", lambda request: finished.append(request))
        page.goto(f"{stack.url}/", wait_until="commit")
        page.wait_for_function("() => window.cardsShownAt !== undefined", timeout=30_000)
        shown = float(page.evaluate("window.cardsShownAt"))
        page.wait_for_load_state("networkidle")
        own = [r for r in finished if r.url.startswith(stack.url)]
        sizes = [r.sizes() for r in own]
        sent = sum(s["responseHeadersSize"] + max(0, s["responseBodySize"]) for s in sizes)
        return shown, sent, len(own)
    finally:
        context.close()


def run() -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from tests.browser.harness import INSTALL_HINT, chromium_path, launch, running_stack

    executable = chromium_path()
    if executable is None:
        raise SystemExit(INSTALL_HINT)
    saved = dict(os.environ)
    try:
        with tempfile.TemporaryDirectory() as data, running_stack(Path(data)) as stack:
            tenant = stack.tenant("Bench")
            _seed(stack, tenant)
            with sync_playwright() as playwright:
                browser = launch(playwright, executable)
                try:
                    _round(browser, stack, tenant.api_key)  # warm-up: the server's caches, Chromium's start
                    rounds = [_round(browser, stack, tenant.api_key) for _ in range(ROUNDS)]
                finally:
                    browser.close()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {
        "page_first_render_ms_100_files": round(median([r[0] for r in rounds]), 0),
        "page_bytes_excluding_media": max(r[1] for r in rounds),
        "_page_render_runs_ms": [round(r[0]) for r in rounds],
        "_page_requests": max(r[2] for r in rounds),
    }


if __name__ == "__main__":
    emit(run())
