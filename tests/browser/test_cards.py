"""The cards as a person sees them: one row of actions, facts that never split mid-value,
pictures fitted whole, a play badge on videos (their poster once they have one), the
original filename that search also matches, and "URL copied" that goes away without
making its card taller. Signing out sends nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.harness import Running, Tenant, png
from tests.browser.pages import card, sign_in
from tests.browser.scene import broken_phone_video, settled
from tests.helpers.media import fixture_bytes


def boxes(locator: Any) -> list[dict[str, float]]:
    return [box for box in (item.bounding_box() for item in locator.all()) if box]


@pytest.mark.parametrize("width, height", [(360, 740), (1920, 1080)])
def test_a_cards_actions_share_one_row_and_its_facts_never_split(
    browser: Any, stack: Running, tenant: Tenant, width: int, height: int
) -> None:
    seeded = [
        stack.seed(tenant, "wide.png", png(1280, 720), "A rather long file name that goes on"),
        stack.seed(tenant, "clip.mp4", fixture_bytes("sample.mp4"), "Clip"),
        stack.seed(tenant, "logo.png", png(), "Logo", admin=True),
    ]
    for media in seeded:  # measured once the worker is done: a card being prepared is redrawn
        settled(stack, tenant, media["id"])
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        sign_in(page, stack, tenant.api_key)
        for name, count in (("A rather long file name that goes on", 4), ("Clip", 4), ("Logo", 3)):
            article = card(page, name)
            buttons = boxes(article.locator(".actions").get_by_role("button"))
            assert len(buttons) == count
            assert len({round(box["y"]) for box in buttons}) == 1, (name, buttons)  # one row
            outer = article.bounding_box()
            assert outer and all(box["x"] + box["width"] <= outer["x"] + outer["width"] + 0.5 for box in buttons)
            for fact in article.locator(".fact").all():  # "1280 × 720" on one line, whatever the width
                assert fact.evaluate("node => node.getClientRects().length") == 1, fact.inner_text()
        expect(card(page, "A rather long file name that goes on").locator(".facts")).to_contain_text("1280 × 720")
    finally:
        context.close()


def test_pictures_are_fitted_whole_and_videos_carry_a_play_badge_and_their_poster(
    page: Any, stack: Running, tenant: Tenant
) -> None:
    portrait = stack.seed(tenant, "portrait.png", png(300, 600), "Portrait")
    stack.seed(tenant, "spin.gif", fixture_bytes("animated.gif"), "Spinner")
    stack.seed(tenant, "clip.mp4", fixture_bytes("sample.mp4"), "Clip")
    # Posters come from the derivatives worker; until it names one, the page is handed one.
    poster = portrait["url"]

    def with_poster(route: Any) -> None:
        answer = route.fetch()
        body = answer.json()
        for media in body["data"]:
            if media["file_type"] == "video":
                media["thumbnail_url"] = poster
        route.fulfill(response=answer, json=body)

    page.route("**/api/v1/media?*", with_poster)
    sign_in(page, stack, tenant.api_key)
    for name in ("Portrait", "Spinner"):
        image = card(page, name).locator(".preview img")
        assert image.evaluate("node => getComputedStyle(node).objectFit") == "contain"
        assert card(page, name).locator(".play-badge").count() == 0
    clip = card(page, "Clip")
    expect(clip.locator(".play-badge")).to_be_visible()
    video = clip.locator(".preview video")
    assert video.evaluate("node => getComputedStyle(node).objectFit") == "contain"
    expect(video).to_have_attribute("poster", poster)


def test_a_video_without_a_poster_shows_its_muted_first_frame(page: Any, stack: Running, tenant: Tenant) -> None:
    media = stack.seed(tenant, "IMG_0420.MOV", broken_phone_video(), "Clip")  # no frame decodes: no poster
    assert settled(stack, tenant, media["id"])["thumbnail_url"] is None
    sign_in(page, stack, tenant.api_key)
    video = card(page, "Clip").locator(".preview video")
    expect(video).to_have_attribute("src", re.compile(r"#t=0\.1$"))
    assert video.get_attribute("poster") is None
    expect(video).to_have_js_property("muted", True)


def test_the_original_filename_shows_when_it_differs_and_search_finds_it(
    page: Any, stack: Running, tenant: Tenant
) -> None:
    stack.seed(tenant, "hero-product-v2.jpg", png(), "Product hero")
    stack.seed(tenant, "same.png", png())
    sign_in(page, stack, tenant.api_key)
    expect(card(page, "Product hero").locator(".original")).to_have_text("hero-product-v2.jpg")
    expect(card(page, "same.png").locator(".original")).to_be_hidden()
    page.get_by_role("searchbox", name="Search").fill("v2")
    expect(page.get_by_role("article")).to_have_count(1)
    expect(card(page, "Product hero")).to_contain_text("hero-product-v2.jpg")


def test_url_copied_goes_away_and_leaves_its_card_as_tall_as_the_others(
    page: Any, context: Any, stack: Running, tenant: Tenant
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.url)
    stack.seed(tenant, "a.png", png(), "Alpha")
    stack.seed(tenant, "b.png", png(), "Beta")
    sign_in(page, stack, tenant.api_key)
    alpha, beta = card(page, "Alpha"), card(page, "Beta")
    before = alpha.bounding_box()
    alpha.get_by_role("button", name="Copy URL").click()
    expect(alpha.get_by_role("status")).to_have_text("URL copied")
    during, other = alpha.bounding_box(), beta.bounding_box()
    assert before and during and other
    assert during["height"] == before["height"] == other["height"]
    expect(alpha.locator(".card-status")).to_have_text("")  # it clears by itself
    expect(alpha.locator(".card-status")).to_be_hidden()


def test_signing_out_sends_no_request(page: Any, stack: Running, tenant: Tenant) -> None:
    stack.seed(tenant, "a.png", png(), "Alpha")
    sign_in(page, stack, tenant.api_key)
    page.get_by_role("tab", name="Images").click()
    expect(page.get_by_role("tab", name="Images")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("article")).to_have_count(1)
    page.wait_for_timeout(300)  # the list request of the tab is answered
    sent: list[str] = []
    refused: list[int] = []
    page.on("request", lambda request: sent.append(request.url) if "/api/" in request.url else None)
    page.on("response", lambda response: refused.append(response.status) if response.status == 401 else None)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API key")).to_be_focused()
    page.wait_for_timeout(500)
    assert sent == [] and refused == []
    expect(page.get_by_role("tab", name="All", include_hidden=True)).to_have_attribute("aria-selected", "true")
