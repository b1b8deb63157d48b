"""One file at a time: the details panel, copying the URL, inline rename (Enter saves,
Esc cancels), delete with confirmation; and the page by keyboard alone, 360 to 1920 px wide."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.harness import Running, Tenant, jpeg, png
from tests.browser.pages import card, sign_in
from tests.browser.scene import settled
from tests.helpers.media import fixture_bytes


def api_get(stack: Running, tenant: Tenant, path: str) -> requests.Response:
    return requests.get(f"{stack.url}/api/v1{path}", headers={"X-Api-Key": tenant.api_key}, timeout=30)


def test_the_details_panel_shows_every_field_and_copies_the_url(
    page: Any, context: Any, stack: Running, tenant: Tenant
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.url)
    media = stack.seed(tenant, "hero-v2.jpg", jpeg(640, 360), "Product hero")
    sign_in(page, stack, tenant.api_key)
    hero = card(page, "Product hero")
    opener = hero.get_by_role("button", name="Details")
    opener.click()
    panel = page.get_by_role("dialog", name="Product hero")
    expect(panel).to_be_visible()
    terms = panel.locator("dt").all_inner_texts()
    values = dict(zip(terms, panel.locator("dd").all_inner_texts(), strict=True))
    assert values["Name"] == "Product hero"
    assert values["Original name"] == "hero-v2.jpg"
    assert values["ID"] == str(media["id"])
    assert values["Type"] == "image (image/jpeg)"
    assert values["Extension"] == "jpg"
    assert values["Size"] == f"{media['formatted_size']} ({media['file_size']:,} bytes)"
    assert values["Dimensions"] == "640 × 360"
    assert values["Uploaded by"] == "client" and values["Active"] == "yes"
    assert values["URL"] == media["url"]
    assert {"Created", "Updated", "Thumbnail URL"} <= set(values)
    expect(panel.get_by_role("link", name="Open original")).to_have_attribute("href", media["url"])
    expect(panel.get_by_role("button", name="Download")).to_be_visible()  # test_download.py downloads
    expect(panel.get_by_role("img", name="Product hero")).to_be_visible()

    panel.get_by_role("button", name="Copy URL").click()
    expect(panel).to_contain_text("URL copied")
    assert page.evaluate("navigator.clipboard.readText()") == media["url"]
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(opener).to_be_focused()

    page.evaluate("navigator.clipboard.writeText('')")
    hero.get_by_role("button", name="Copy URL").click()
    expect(hero.get_by_role("status")).to_have_text("URL copied")
    assert page.evaluate("navigator.clipboard.readText()") == media["url"]


def test_a_videos_details_include_its_duration_metadata_and_poster(page: Any, stack: Running, tenant: Tenant) -> None:
    media = stack.seed(tenant, "clip.mp4", fixture_bytes("sample.mp4"), "Clip")
    poster = settled(stack, tenant, media["id"])["thumbnail_url"]
    sign_in(page, stack, tenant.api_key)
    card(page, "Clip").get_by_role("button", name="Details").click()
    panel = page.get_by_role("dialog", name="Clip")
    values = dict(zip(panel.locator("dt").all_inner_texts(), panel.locator("dd").all_inner_texts(), strict=True))
    assert (values["Dimensions"], values["Duration"], values["Type"]) == ("64 × 48", "0:02", "video (video/mp4)")
    assert (values["Metadata: video_codec"], values["Metadata: audio_codec"]) == ('"h264"', '"aac"')
    assert poster and values["Poster URL"] == poster
    expect(panel.locator("video")).to_have_js_property("controls", True)
    panel.get_by_role("button", name="Close").click()
    expect(panel).to_be_hidden()


def test_inline_rename_saves_on_enter_and_cancels_on_escape(page: Any, stack: Running, tenant: Tenant) -> None:
    media = stack.seed(tenant, "draft.png", png(), "Draft poster")
    sign_in(page, stack, tenant.api_key)
    article = card(page, "Draft poster")
    rename = article.get_by_role("button", name="Rename")
    rename.click()
    field = article.get_by_role("textbox", name="New name")
    expect(field).to_be_focused()
    expect(field).to_have_value("Draft poster")
    field.fill("Something else")
    field.press("Escape")
    expect(field).to_have_count(0)
    expect(article.get_by_role("heading")).to_have_text("Draft poster")
    expect(rename).to_be_focused()
    assert api_get(stack, tenant, f"/media/{media['id']}").json()["name"] == "Draft poster"

    rename.click()
    field.fill("   ")
    field.press("Enter")
    expect(article.get_by_role("status")).to_have_text("The name field is required.")
    field.fill("Launch poster")
    field.press("Enter")
    renamed = card(page, "Launch poster")
    expect(renamed.get_by_role("heading")).to_have_text("Launch poster")
    expect(renamed.get_by_role("textbox")).to_have_count(0)
    expect(renamed.get_by_role("button", name="Rename")).to_be_focused()
    assert api_get(stack, tenant, f"/media/{media['id']}").json()["name"] == "Launch poster"


def test_delete_asks_first_then_removes_the_file(page: Any, stack: Running, tenant: Tenant) -> None:
    keep = stack.seed(tenant, "keep.png", png(), "Keep me")
    gone = stack.seed(tenant, "old.png", png(), "Old banner")
    sign_in(page, stack, tenant.api_key)
    expect(page.locator("#usage-text")).to_contain_text("2 files")
    article = card(page, "Old banner")
    article.get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("dialog", name="Delete this file?")
    expect(confirm).to_contain_text("“Old banner” will be deleted")
    expect(confirm.get_by_role("button", name="Cancel")).to_be_focused()  # the safe choice first
    page.keyboard.press("Escape")
    expect(confirm).to_be_hidden()
    expect(article).to_be_visible()
    assert api_get(stack, tenant, f"/media/{gone['id']}").status_code == 200

    article.get_by_role("button", name="Delete").click()
    confirm.get_by_role("button", name="Delete").click()
    expect(article).to_have_count(0)
    expect(page.locator("#usage-text")).to_contain_text("1 files")
    assert api_get(stack, tenant, f"/media/{gone['id']}").status_code == 404
    assert api_get(stack, tenant, f"/media/{keep['id']}").status_code == 200
    expect(page.get_by_role("status").filter(has_text="Deleted")).to_have_text("Deleted “Old banner”.")


def focus_ring(page: Any) -> str:
    """The outline the focused element (a hidden file input: its label) shows."""
    return str(
        page.evaluate(
            """() => {
            let node = document.activeElement;
            if (node.type === "file") node = document.querySelector(`label[for="${node.id}"]`);
            const style = getComputedStyle(node);
            return style.outlineStyle === "none" ? "none" : `${style.outlineStyle} ${style.outlineWidth}`;
        }"""
        )
    )


def test_the_page_works_by_keyboard_alone_with_a_visible_focus(page: Any, stack: Running, tenant: Tenant) -> None:
    stack.seed(tenant, "a.png", png(), "Alpha")
    page.goto(f"{stack.url}/")
    page.keyboard.press("Tab")
    expect(page.get_by_label("API key")).to_be_focused()
    assert focus_ring(page) != "none"
    page.keyboard.type(tenant.api_key)
    page.keyboard.press("Enter")
    search = page.get_by_role("searchbox", name="Search")
    expect(search).to_be_focused()
    expect(page.get_by_role("article")).to_have_count(1)

    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("combobox", name="Channel")).to_be_focused()
    assert focus_ring(page) != "none"
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("tab", name="All")).to_be_focused()
    assert focus_ring(page) != "none"
    with page.expect_response(lambda response: "type=image" in response.url):
        page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Images")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("article")).to_have_count(1)
    page.keyboard.press("Tab")
    expect(page.get_by_role("combobox", name="Channel")).to_be_focused()
    page.keyboard.press("Tab")
    expect(search).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Upload files")).to_be_focused()
    assert focus_ring(page) != "none"
    page.keyboard.press("Tab")
    details = card(page, "Alpha").get_by_role("button", name="Details")
    expect(details).to_be_focused()
    assert focus_ring(page) != "none"
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="Alpha")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Alpha")).to_be_hidden()
    expect(details).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Rename
    expect(page.get_by_role("textbox", name="New name")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Delete
    expect(page.get_by_role("dialog", name="Delete this file?")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Delete this file?")).to_be_hidden()
    expect(card(page, "Alpha").get_by_role("button", name="Delete")).to_be_focused()


@pytest.mark.parametrize("width, height", [(360, 740), (1920, 1080)])
def test_the_page_fits_from_360_to_1920_pixels(
    browser: Any, stack: Running, tenant: Tenant, width: int, height: int
) -> None:
    for index in range(6):
        stack.seed(tenant, f"tile-{index}.png", png(), f"A rather long file name number {index}")
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        sign_in(page, stack, tenant.api_key)
        expect(page.get_by_role("article")).to_have_count(6)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        for name in ("Sign out", "Images"):
            box = page.get_by_role("button" if name == "Sign out" else "tab", name=name).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
        first = page.get_by_role("article").first.bounding_box()
        assert first and first["width"] >= 140
        columns = page.evaluate("getComputedStyle(document.getElementById('files')).gridTemplateColumns.split(' ')")
        assert len(columns) >= (2 if width == 360 else 6)
    finally:
        context.close()
