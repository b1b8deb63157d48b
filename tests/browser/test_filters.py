"""The grid filtered by channel (a select) and by tag (a click on a card's tag), each asked of
the API (`?channel=`, `?tag=`) and combined with the type tabs and the search."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from playwright.sync_api import expect

from tests.browser.harness import Running, Tenant, png
from tests.browser.pages import card, card_names, sign_in
from tests.browser.scene import api_put, broken_phone_video, settled

#: The list's query parameters that filter (cursor and per_page do not).
FILTERS = ("type", "search", "tag", "channel")


def listed(page: Any, wanted: dict[str, str], action: Any) -> None:
    """Do `action`, and see the list asked for with exactly the filters `wanted` (the API filters, not the page)."""

    def asked(response: Any) -> bool:
        parts = urlsplit(response.url)
        if parts.path != "/api/v1/media":
            return False
        query = dict(parse_qsl(parts.query))
        return {k: v for k, v in query.items() if k in FILTERS} == wanted

    with page.expect_response(asked):
        action()
    expect(page.get_by_role("feed")).to_have_attribute("aria-busy", "false")


def test_the_channel_select_and_a_tag_click_filter_the_grid_with_the_tabs_and_the_search(
    page: Any, stack: Running, tenant: Tenant
) -> None:
    clip = stack.seed(tenant, "IMG_0420.MOV", broken_phone_video(), "Harbour clip")  # Instagram only
    poster = stack.seed(tenant, "poster.png", png(), "Harbour poster")
    logo = stack.seed(tenant, "logo.png", png(), "Logo")
    api_put(stack, tenant, clip["id"], {"tags": ["summer"]})
    api_put(stack, tenant, poster["id"], {"tags": ["summer", "sale"]})
    api_put(stack, tenant, logo["id"], {"tags": ["brand"]})
    assert settled(stack, tenant, clip["id"])["delivery"]["status"] == "failed"
    sign_in(page, stack, tenant.api_key)
    assert card_names(page) == ["Logo", "Harbour poster", "Harbour clip"]
    channel = page.get_by_role("combobox", name="Channel")
    expect(channel).to_have_value("")
    options = ["All channels", "WhatsApp", "Messenger", "Instagram", "Telegram", "Web"]
    expect(channel.locator("option")).to_have_text(options)

    listed(page, {"channel": "whatsapp"}, lambda: channel.select_option(label="WhatsApp"))
    assert card_names(page) == ["Logo", "Harbour poster"]
    listed(page, {"channel": "whatsapp", "type": "video"}, lambda: page.get_by_role("tab", name="Videos").click())
    expect(page.get_by_role("article")).to_have_count(0)
    expect(page.locator("#list-status")).to_have_text("No files are ready for WhatsApp.")
    listed(page, {"channel": "instagram", "type": "video"}, lambda: channel.select_option(label="Instagram"))
    assert card_names(page) == ["Harbour clip"]
    listed(page, {"channel": "instagram"}, lambda: page.get_by_role("tab", name="All").click())
    assert card_names(page) == ["Logo", "Harbour poster", "Harbour clip"]
    listed(page, {}, lambda: channel.select_option(label="All channels"))
    assert card_names(page) == ["Logo", "Harbour poster", "Harbour clip"]

    # A tag on a card filters by it, with the tabs and the search; the filter says so and clears.
    poster_card = card(page, "Harbour poster")
    listed(page, {"tag": "summer"}, lambda: poster_card.get_by_role("button", name="Filter by tag summer").click())
    assert card_names(page) == ["Harbour poster", "Harbour clip"]
    expect(page.locator("#tag-filter")).to_contain_text("Tagged “summer”")
    expect(page.get_by_role("button", name="Clear tag filter")).to_be_focused()
    listed(page, {"tag": "summer", "type": "image"}, lambda: page.get_by_role("tab", name="Images").click())
    assert card_names(page) == ["Harbour poster"]
    search = page.get_by_role("searchbox", name="Search")
    listed(page, {"tag": "summer", "type": "image", "search": "clip"}, lambda: search.fill("clip"))
    expect(page.locator("#list-status")).to_have_text("No files match “clip” and are tagged “summer”.")
    listed(page, {"tag": "summer", "type": "image", "search": "harbour"}, lambda: search.fill("harbour"))
    assert card_names(page) == ["Harbour poster"]
    listed(
        page,
        {"type": "image", "search": "harbour"},
        lambda: page.get_by_role("button", name="Clear tag filter").click(),
    )
    expect(page.locator("#tag-filter")).to_be_hidden()
    expect(search).to_be_focused()
    listed(page, {"type": "image"}, lambda: search.fill(""))
    assert card_names(page) == ["Logo", "Harbour poster"]
    listed(
        page,
        {"type": "image", "tag": "brand"},
        lambda: card(page, "Logo").get_by_role("button", name="Filter by tag brand").click(),
    )
    assert card_names(page) == ["Logo"]
