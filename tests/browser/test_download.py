"""Download in Details: a real download under the file's name, and the page stays where it
is (an upload in flight goes on). The storage URL is another origin, where a link's
``download`` attribute is ignored; the API signs a link that says "attachment"."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.harness import Running, Tenant, jpeg, png
from tests.browser.pages import card, sign_in


def test_download_saves_the_file_under_its_name_and_the_page_and_its_uploads_stay(
    page: Any, stack: Running, tenant: Tenant, tmp_path: Path
) -> None:
    data = jpeg(320, 200)
    stack.seed(tenant, "hero-v2.jpg", data, "Product hero")
    held: list[Any] = []
    storage = f"{stack.storage_origin}/**"
    page.route(storage, lambda route: held.append(route) if route.request.method == "POST" else route.continue_())
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
    sign_in(page, stack, tenant.api_key)
    start = len(navigations)
    upload = tmp_path / "in-flight.png"
    upload.write_bytes(png(40, 30))
    page.get_by_label("Upload files").set_input_files(str(upload))
    expect(page.locator("#upload-list li")).to_contain_text("%")  # sending, held by the route
    deadline = time.monotonic() + 20
    while not held:  # the route's handler runs once the browser's request reaches it
        assert time.monotonic() < deadline, "the upload's POST never reached storage"
        page.wait_for_timeout(50)
    assert len(held) == 1

    card(page, "Product hero").get_by_role("button", name="Details").click()
    panel = page.get_by_role("dialog", name="Product hero")
    with page.expect_download() as started:
        panel.get_by_role("button", name="Download").click()
    download = started.value
    assert download.suggested_filename == "hero-v2.jpg"
    assert Path(download.path()).read_bytes() == data
    expect(panel).to_contain_text("Downloading hero-v2.jpg")
    assert navigations[start:] == []  # the page never left
    expect(panel).to_be_visible()

    held[0].continue_()
    page.unroute(storage)
    expect(page.locator("#upload-list li")).to_contain_text("Uploaded", timeout=20_000)
    page.keyboard.press("Escape")
    expect(card(page, "in-flight.png")).to_be_visible()
