"""Browsing: cards newest first with their facts and thumbnails, admin files locked,
type tabs, debounced search, infinite scroll on cursors, and clear empty, loading and
error states. A name made of markup is shown as text."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.browser.harness import Running, Tenant, jpeg, png
from tests.browser.pages import card, card_names, sign_in
from tests.helpers.media import fixture_bytes


def list_requests(page: Any) -> list[dict[str, list[str]]]:
    """The query of every list request the page sends, in order."""
    seen: list[dict[str, list[str]]] = []

    def record(request: Any) -> None:
        parts = urlsplit(request.url)
        if parts.path == "/api/v1/media" and request.method == "GET":
            seen.append(parse_qs(parts.query, keep_blank_values=True))

    page.on("request", record)
    return seen


def test_cards_are_newest_first_with_their_facts_thumbnails_and_first_frames(
    page: Any, stack: Running, tenant: Tenant
) -> None:
    stack.seed(tenant, "hero.jpg", jpeg(640, 480), "Hero image")
    stack.seed(tenant, "clip.mp4", fixture_bytes("sample.mp4"), "Launch clip")
    stack.seed(tenant, "logo.png", png(50, 40), "Company logo", admin=True)
    sign_in(page, stack, tenant.api_key)
    assert card_names(page) == ["Company logo", "Launch clip", "Hero image"]

    hero = card(page, "Hero image")
    expect(hero.get_by_role("heading")).to_have_text("Hero image")
    expect(hero).to_contain_text(re.compile(r"Image · JPG · [\d.]+ KB · 640 × 480"))
    image = hero.locator("img")
    expect(image).to_have_attribute("loading", "lazy")
    # The original shows until the thumbnail exists, then the thumbnail (made by the bucket's event).
    expect(image).to_have_attribute("src", re.compile(r"/thumbs/.+\.webp$"), timeout=20_000)

    clip = card(page, "Launch clip")
    expect(clip).to_contain_text("Video · MP4 · 5.51 KB · 64 × 48 · 0:02")
    video = clip.locator("video")
    expect(video).to_have_attribute("preload", "metadata")
    expect(video).to_have_js_property("muted", True)
    expect(video).to_have_js_property("paused", True)
    expect(video).to_have_attribute("src", re.compile(r"/media/.+\.mp4#t=0\.1$"))
    expect(video).to_have_js_property("readyState", 4, timeout=10_000)  # the first frame is there

    logo = card(page, "Company logo")
    expect(logo).to_contain_text("Admin file")
    expect(logo.get_by_role("button", name="Delete")).to_have_count(0)
    for name in ("Rename", "Copy URL", "Details"):
        expect(logo.get_by_role("button", name=name)).to_be_visible()
    expect(hero.get_by_role("button", name="Delete")).to_be_visible()


def test_type_tabs_and_a_debounced_search_filter_the_grid(page: Any, stack: Running, tenant: Tenant) -> None:
    stack.seed(tenant, "hero.png", png(), "Hero banner")
    stack.seed(tenant, "hero.mp4", fixture_bytes("sample.mp4"), "Hero clip")
    stack.seed(tenant, "footer.png", png(), "Footer")
    queries = list_requests(page)
    sign_in(page, stack, tenant.api_key)
    assert card_names(page) == ["Footer", "Hero clip", "Hero banner"]

    page.get_by_role("tab", name="Images").click()
    expect(page.get_by_role("tab", name="Images")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("article")).to_have_count(2)
    assert card_names(page) == ["Footer", "Hero banner"]
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Videos")).to_be_focused()
    expect(page.get_by_role("tab", name="Videos")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("article")).to_have_count(1)
    page.get_by_role("tab", name="All").click()
    expect(page.get_by_role("article")).to_have_count(3)

    before = len(queries)
    page.get_by_role("searchbox", name="Search").press_sequentially("hero", delay=40)
    expect(page.get_by_role("article")).to_have_count(2)
    assert card_names(page) == ["Hero clip", "Hero banner"]
    page.wait_for_timeout(500)
    searched = queries[before:]
    assert 1 <= len(searched) < 4 and searched[-1]["search"] == ["hero"]  # fewer requests than keystrokes
    assert all(q["cursor"] == [""] for q in searched)  # cursor mode from the first page

    page.get_by_role("tab", name="Images").click()
    expect(page.get_by_role("article")).to_have_count(1)
    assert queries[-1]["type"] == ["image"] and queries[-1]["search"] == ["hero"]


def test_scrolling_past_a_page_loads_the_next_one_by_its_cursor(page: Any, stack: Running, tenant: Tenant) -> None:
    for index in range(25):
        stack.seed(tenant, f"shot-{index:02}.png", png(), f"Shot {index:02}")
    queries = list_requests(page)
    page.set_viewport_size({"width": 1280, "height": 600})  # four rows of cards: the end is out of reach
    sign_in(page, stack, tenant.api_key, query="?per_page=20")
    expect(page.get_by_role("article")).to_have_count(20)
    assert len(queries) == 1
    page.get_by_role("article").last.scroll_into_view_if_needed()
    expect(page.get_by_role("article")).to_have_count(25)
    assert card_names(page) == [f"Shot {index:02}" for index in reversed(range(25))]
    assert [q["per_page"] for q in queries] == [["20"], ["20"]]
    assert queries[0]["cursor"] == [""] and queries[1]["cursor"][0] != ""
    expect(page.get_by_role("button", name="Load more")).to_be_hidden()


def test_empty_loading_and_error_states_say_what_is_going_on(page: Any, stack: Running, tenant: Tenant) -> None:
    status = page.get_by_role("status").and_(page.locator("#list-status"))
    sign_in(page, stack, tenant.api_key)
    expect(status).to_have_text("No files yet. Drop files anywhere on the page, or use Upload files.")
    page.get_by_role("searchbox", name="Search").fill("zebra")
    expect(status).to_have_text("No files match “zebra”.")
    page.get_by_role("tab", name="Videos").click()
    expect(status).to_have_text("No files match “zebra”.")
    page.get_by_role("searchbox", name="Search").fill("")
    expect(status).to_have_text("No videos yet. Drop files anywhere on the page, or use Upload files.")

    stack.seed(tenant, "late.mp4", fixture_bytes("sample.mp4"), "Late clip")
    held: list[Any] = []
    page.route("**/api/v1/media?*", lambda route: held.append(route))
    page.get_by_role("tab", name="All").click()
    expect(status).to_have_text("Loading files…")
    expect(page.get_by_role("feed")).to_have_attribute("aria-busy", "true")
    held[0].fulfill(
        status=503,
        json={"message": "Storage is temporarily unavailable. Retry the request.", "code": "service_unavailable"},
    )
    page.unroute("**/api/v1/media?*")
    expect(status).to_contain_text(
        "The files could not be loaded: Storage is temporarily unavailable. Retry the request."
    )
    expect(page.get_by_role("feed")).to_have_attribute("aria-busy", "false")
    status.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("article")).to_have_count(1)
    expect(status).to_be_hidden()


def test_a_name_made_of_markup_is_shown_as_text_everywhere(page: Any, stack: Running, tenant: Tenant) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    stack.seed(tenant, '"><svg onload=alert(2)>.png', png(), hostile)
    dialogs: list[str] = []

    def refuse(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    sign_in(page, stack, tenant.api_key)
    article = card(page, hostile)
    expect(article.get_by_role("heading")).to_have_text(hostile)
    article.get_by_role("button", name="Details").click()
    details = page.get_by_role("dialog")
    expect(details.get_by_role("heading", name=hostile)).to_be_visible()
    expect(details).to_contain_text('"><svg onload=alert(2)>.png')
    page.keyboard.press("Escape")
    article.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("dialog")).to_contain_text(f"“{hostile}” will be deleted")
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.locator('img[src="x"], svg[onload]').count() == 0
