"""Uploads from the page: straight to storage through upload sessions, each file with
its progress, speed, cancel and retry, three at a time; prechecks worded as the API
words its refusals; the server's refusals on their file; new files at the top."""

from __future__ import annotations

import base64
import re
import time
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import expect

from tests.browser.harness import Running, Tenant, jpeg, png
from tests.browser.pages import card, card_names, row, sign_in, write
from tests.helpers.samples import big_mp4

MIB = 1024 * 1024


def choose(page: Any, *paths: Path) -> None:
    page.get_by_label("Upload files").set_input_files([str(p) for p in paths])


def wait_until(page: Any, condition: Any, limit_s: float = 15) -> None:
    """Poll ``condition`` while the page's events (route handlers) keep being handled."""
    deadline = time.monotonic() + limit_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(50)


def watch_statuses(page: Any) -> None:
    """Keep every status text an upload row shows (progress goes by fast on a local stack)."""
    page.evaluate(
        """() => {
        window.seenStatuses = [];
        new MutationObserver(() => {
          for (const node of document.querySelectorAll("#upload-list .upload-status")) {
            window.seenStatuses.push(node.textContent);
          }
        }).observe(document.getElementById("upload-list"), {subtree: true, childList: true, characterData: true});
      }"""
    )


def test_three_files_through_the_chooser_reach_100_percent_and_appear_on_top_with_thumbnails(
    page: Any, stack: Running, tenant: Tenant, tmp_path: Path
) -> None:
    stack.seed(tenant, "old.png", png(), "Older file")
    posts: list[Any] = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    sign_in(page, stack, tenant.api_key)
    watch_statuses(page)
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    files = [
        write(tmp_path, "poster.png", png(1200, 900, "navy")),
        write(tmp_path, "photo.jpg", jpeg(800, 600)),
        write(tmp_path, "launch.mp4", big_mp4(20 * MIB)),
    ]
    choose(page, *files)
    for path in files:
        # The finished rows fold away with the panel (test_upload_outcomes.py): found by their row.
        bar = row(page, path.name).locator("progress")
        expect(bar).to_have_js_property("value", 100, timeout=60_000)
        expect(row(page, path.name)).to_contain_text("Uploaded", timeout=60_000)
    seen = page.evaluate("window.seenStatuses")
    assert any(re.fullmatch(r"\d+ % · [\d.]+ (B|KB|MB) of 20 MB · [\d.]+ (B|KB|MB)/s", s) for s in seen), seen
    expect(page.locator("#uploads-summary")).to_have_text("3 of 3 uploaded")

    # At the top, without a reload; the account's usage follows.
    assert navigations == []
    expect(page.get_by_role("article")).to_have_count(4)
    assert set(card_names(page)[:3]) == {"poster.png", "photo.jpg", "launch.mp4"}
    assert card_names(page)[3] == "Older file"
    expect(page.locator("#usage-text")).to_contain_text("4 files")
    for name in ("poster.png", "photo.jpg"):
        image = card(page, name).locator("img")
        expect(image).to_have_attribute("src", re.compile(r"/thumbs/.+\.webp$"), timeout=30_000)
    expect(card(page, "launch.mp4")).to_contain_text("Video · MP4 · 20 MB · 64 × 48 · 0:02")

    # The bytes went straight to storage; every POST to the API carried an Idempotency-Key.
    to_storage = [r for r in posts if r.url.startswith(stack.storage_origin)]
    to_api = [r for r in posts if r.url.startswith(stack.url)]
    assert len(to_storage) == 3
    assert sorted(re.sub(r"[0-9a-f]{32}", "ID", r.url.split("/api/v1")[1]) for r in to_api) == sorted(
        ["/media/uploads"] * 3 + ["/media/uploads/ID/complete"] * 3
    )
    keys = [r.headers.get("idempotency-key") for r in to_api]
    assert all(keys) and len(set(keys)) == 6


def test_prechecks_use_the_account_limits_and_the_apis_own_words(
    page: Any, stack: Running, tmp_path: Path, monkeypatch: Any
) -> None:
    from chalicelib import caches

    monkeypatch.setenv("MEDIA_MAX_FILE_SIZE", "1000")
    monkeypatch.setenv("MEDIA_DIRECT_UPLOAD_MAX_BYTES", "1000")
    caches.reset()
    tenant = stack.tenant("Tiny", media_limit=1)
    stack.seed(tenant, "only.png", png(8, 8))
    api = requests.Session()
    api.headers["X-Api-Key"] = tenant.api_key

    def refusal(**body: Any) -> str:
        answer = api.post(f"{stack.url}/api/v1/media/uploads", json=body, timeout=30)
        assert answer.status_code in (403, 422), answer.text
        return str(answer.json()["message"])

    direct = api.post(f"{stack.url}/api/v1/media", files={"file": ("notes.txt", b"hello")}, timeout=30)
    wrong_type = direct.json()["message"]
    too_big = refusal(filename="big.png", file_size=2000)
    empty = refusal(filename="empty.png", file_size=0)
    api_requests: list[str] = []
    sign_in(page, stack, tenant.api_key)
    page.on("request", lambda r: api_requests.append(r.url) if r.method == "POST" else None)
    choose(
        page,
        write(tmp_path, "notes.txt", b"hello"),
        write(tmp_path, "big.png", bytes(2000)),
        write(tmp_path, "empty.png", b""),
        write(tmp_path, "small.png", png(8, 8)),
    )
    expect(row(page, "notes.txt")).to_contain_text(wrong_type)
    expect(row(page, "big.png")).to_contain_text(too_big)
    expect(row(page, "empty.png")).to_contain_text(empty)
    # The plan is full: the API would answer 403 with these words.
    expect(row(page, "small.png")).to_contain_text(refusal(filename="small.png", file_size=10))
    assert wrong_type.startswith("notes.txt is not an image or a video (jpg, jpeg, png, gif, mp4")
    page.wait_for_timeout(300)
    assert api_requests == []  # refused before any request
    for name in ("notes.txt", "big.png", "empty.png"):
        expect(row(page, name).get_by_role("button", name="Retry")).to_be_hidden()
    expect(row(page, "small.png").get_by_role("button", name="Retry")).to_be_visible()


def test_the_servers_refusals_appear_on_their_file_with_the_apis_message(
    page: Any, stack: Running, tmp_path: Path
) -> None:
    tenant = stack.tenant("Small", media_limit=2)
    stack.seed(tenant, "first.png", png())
    answers: list[tuple[str, Any]] = []
    page.on("response", lambda r: answers.append((r.url.split("/api/v1")[-1], r)) if "/api/v1/" in r.url else None)
    sign_in(page, stack, tenant.api_key)
    # Content the API refuses (HTML named .jpg): 422 from complete, once storage has it.
    choose(page, write(tmp_path, "fake.jpg", b"<html><script>alert(1)</script></html>" + bytes(2048)))
    fake = row(page, "fake.jpg")
    expect(fake.locator(".upload-status")).to_have_class(re.compile("error"), timeout=20_000)
    complete = next(r for url, r in answers if url.endswith("/complete"))
    assert complete.status == 422
    expect(fake.locator(".upload-status")).to_have_text(complete.json()["message"])
    # Another client fills the plan while the page still counts a free slot: the API's 403.
    stack.seed(tenant, "second.png", png())
    choose(page, write(tmp_path, "late.png", png()))
    late = row(page, "late.png")
    expect(late).to_contain_text("Your plan allows 2 media files and 2 are in use.")
    assert [r.status for url, r in answers if url == "/media/uploads"] == [201, 403]
    expect(late.get_by_role("button", name="Retry")).to_be_visible()


def test_three_at_a_time_with_cancel_and_retry(page: Any, stack: Running, tenant: Tenant, tmp_path: Path) -> None:
    held: list[Any] = []
    pattern = f"{stack.storage_origin}/**"
    page.route(pattern, lambda route: held.append(route) if route.request.method == "POST" else route.continue_())
    sign_in(page, stack, tenant.api_key)
    names = [f"frame-{index}.png" for index in range(5)]
    choose(page, *(write(tmp_path, name, png(16 + index, 16)) for index, name in enumerate(names)))
    wait_until(page, lambda: len(held) == 3)
    page.wait_for_timeout(300)
    assert len(held) == 3  # the other two wait their turn
    for name in names[3:]:
        expect(row(page, name)).to_contain_text("Waiting…")

    row(page, names[0]).get_by_role("button", name="Cancel").click()
    expect(row(page, names[0])).to_contain_text("Cancelled")
    wait_until(page, lambda: len(held) == 4)  # the fourth file took the free place
    for route in held[1:]:
        route.continue_()
    page.unroute(pattern)
    for name in names[1:]:
        expect(row(page, name)).to_contain_text("Uploaded", timeout=20_000)
    row(page, names[0]).get_by_role("button", name="Retry").click()
    expect(row(page, names[0])).to_contain_text("Uploaded", timeout=20_000)
    expect(page.get_by_role("article")).to_have_count(5)


def test_a_failed_send_is_retried_on_request(page: Any, stack: Running, tenant: Tenant, tmp_path: Path) -> None:
    pattern = f"{stack.storage_origin}/**"
    page.route(pattern, lambda route: route.abort() if route.request.method == "POST" else route.continue_())
    sign_in(page, stack, tenant.api_key)
    choose(page, write(tmp_path, "flaky.png", png()))
    expect(row(page, "flaky.png")).to_contain_text("The file could not be sent to storage.")
    page.unroute(pattern)
    row(page, "flaky.png").get_by_role("button", name="Retry").click()
    expect(row(page, "flaky.png")).to_contain_text("Uploaded")
    expect(page.get_by_role("article")).to_have_count(1)


def test_files_dropped_anywhere_on_the_page_are_uploaded(page: Any, stack: Running, tenant: Tenant) -> None:
    sign_in(page, stack, tenant.api_key)
    dropped = base64.b64encode(png(40, 30, "purple")).decode()
    page.evaluate(
        """([name, data]) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        window.dropped = new DataTransfer();
        window.dropped.items.add(new File([bytes], name, {type: "image/png"}));
        document.querySelector("main").dispatchEvent(
          new DragEvent("dragenter", {bubbles: true, cancelable: true, dataTransfer: window.dropped}));
      }""",
        ["dropped.png", dropped],
    )
    expect(page.get_by_text("Drop files to upload them")).to_be_visible()
    page.evaluate(
        """() => {
        for (const type of ["dragover", "drop"]) {
          document.querySelector(".topbar").dispatchEvent(
            new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: window.dropped}));
        }
      }"""
    )
    expect(page.get_by_text("Drop files to upload them")).to_be_hidden()
    expect(row(page, "dropped.png")).to_contain_text("Uploaded")
    expect(card(page, "dropped.png")).to_contain_text("Image · PNG")
