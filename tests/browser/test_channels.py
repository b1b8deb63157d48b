"""Where each file can be sent, as the page shows it: a mark per channel on every card, named
by its readiness; "Preparing…" while the derivatives worker makes a poster or a rendition,
the card refreshing itself when it is done; a clear failed state; and per channel in the
details, its URL with a Copy button, or the reason there is none."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.harness import Running, Tenant, png
from tests.browser.pages import card, sign_in
from tests.browser.scene import api_get, broken_phone_video, settled
from tests.helpers.media import FIXTURES

CHANNELS = {
    "whatsapp": "WhatsApp",
    "messenger": "Messenger",
    "instagram": "Instagram",
    "telegram": "Telegram",
    "web": "Web",
}


def record_delivery_states(page: Any) -> None:
    """Keep every delivery state a card shows (a worker on a quiet machine may be quick)."""
    page.evaluate(
        """() => {
        window.seenStates = [];
        const feed = document.getElementById("files");
        const note = () => {
          for (const node of feed.querySelectorAll(".delivery-state")) window.seenStates.push(node.textContent);
        };
        new MutationObserver(note).observe(feed, {subtree: true, childList: true, characterData: true});
      }"""
    )


def marks(article: Any) -> list[str]:
    return [str(m.get_attribute("aria-label")) for m in article.locator(".marks [role=img]").all()]


def test_a_phone_video_is_prepared_then_ready_for_whatsapp_without_a_reload_and_its_rendition_url_copies(
    page: Any, context: Any, stack: Running, tenant: Tenant
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.url)
    sign_in(page, stack, tenant.api_key)
    record_delivery_states(page)
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.get_by_label("Upload files").set_input_files(str(Path(FIXTURES) / "hevc-rotated-90.mov"))

    clip = card(page, "hevc-rotated-90.mov")
    expect(clip.get_by_role("img", name="Ready for WhatsApp")).to_be_visible(timeout=60_000)
    assert "Preparing…" in page.evaluate("window.seenStates")
    expect(clip.locator(".delivery-state")).to_have_count(0)  # ready: no state line left
    expect(clip.locator(".preview video")).to_have_attribute("poster", re.compile(r"/thumbs/.+\.webp$"))
    expect(clip.locator(".play-badge")).to_be_visible()
    assert set(marks(clip)) == {f"Ready for {name}" for name in CHANNELS.values()}
    assert navigations == []

    media = api_get(stack, tenant, f"/media/{clip.get_attribute('data-id')}")
    whatsapp = media["delivery"]["channels"]["whatsapp"]
    assert whatsapp["source"] == "rendition" and "/renditions/" in whatsapp["url"]
    clip.get_by_role("button", name="Details").click()
    panel = page.get_by_role("dialog", name="hevc-rotated-90.mov")
    row = panel.locator('li[data-channel="whatsapp"]')
    expect(row).to_contain_text("The rendition")
    expect(row.locator("code")).to_have_text(whatsapp["url"])
    expect(panel.locator('li[data-channel="instagram"]')).to_contain_text("The original")  # Instagram takes MOV
    rendition = media["delivery"]["rendition"]
    expect(panel.locator("#details-rendition")).to_have_text(
        re.compile(
            rf"^MP4 \(video/mp4\) · .+ · {rendition['metadata']['width']} × {rendition['metadata']['height']} · 0:01$"
        )
    )
    panel.get_by_role("button", name="Copy WhatsApp URL").click()
    expect(panel.get_by_role("status").filter(has_text="copied")).to_have_text("WhatsApp URL copied")
    assert page.evaluate("navigator.clipboard.readText()") == whatsapp["url"]


def test_a_png_is_ready_for_every_channel_at_once(page: Any, stack: Running, tenant: Tenant, tmp_path: Path) -> None:
    sign_in(page, stack, tenant.api_key)
    record_delivery_states(page)
    path = tmp_path / "banner.png"
    path.write_bytes(png(320, 200, "navy"))
    page.get_by_label("Upload files").set_input_files(str(path))
    banner = card(page, "banner.png")
    expect(banner).to_be_visible()
    assert set(marks(banner)) == {f"Ready for {name}" for name in CHANNELS.values()}
    expect(banner.locator(".delivery-state")).to_have_count(0)
    expect(banner.locator("img")).to_have_attribute("src", re.compile(r"/thumbs/.+\.webp$"), timeout=30_000)
    assert page.evaluate("window.seenStates") == []

    banner.get_by_role("button", name="Details").click()
    panel = page.get_by_role("dialog", name="banner.png")
    for key in CHANNELS:
        expect(panel.locator(f'li[data-channel="{key}"]')).to_contain_text("The original")
    expect(panel.locator("#details-rendition")).to_have_text("None: the original suits every channel that can take it.")


def test_a_video_no_frame_of_which_decodes_says_preparing_failed_and_why_per_channel(
    page: Any, stack: Running, tenant: Tenant
) -> None:
    media = stack.seed(tenant, "IMG_0420.MOV", broken_phone_video(), "Broken clip")
    assert settled(stack, tenant, media["id"])["delivery"]["status"] == "failed"
    sign_in(page, stack, tenant.api_key)
    clip = card(page, "Broken clip")
    expect(clip.locator(".delivery-state")).to_have_text("Preparing failed")
    expect(clip.get_by_role("img", name="Ready for Instagram")).to_be_visible()  # it takes the MOV itself
    whatsapp = clip.get_by_role("img", name=re.compile(r"^Not ready for WhatsApp: .*failed"))
    expect(whatsapp).to_be_visible()
    expect(whatsapp).to_have_attribute("title", re.compile(r"^Not ready for WhatsApp: "))

    clip.get_by_role("button", name="Details").click()
    panel = page.get_by_role("dialog", name="Broken clip")
    expect(panel.locator("#details-delivery")).to_have_text("Preparing failed")
    expect(panel.locator('li[data-channel="whatsapp"] .channel-reason')).to_contain_text("failed")
    expect(panel.get_by_role("button", name="Copy WhatsApp URL")).to_have_count(0)
    expect(panel.get_by_role("button", name="Copy Instagram URL")).to_be_visible()
    expect(panel.locator("#details-rendition")).to_have_text("Making it failed; it will be tried again.")


def set_visibility(page: Any, state: str) -> None:
    """What the browser says when the tab goes to the background and comes back."""
    page.evaluate(
        """(state) => {
        Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
        Object.defineProperty(document, "hidden", { configurable: true, get: () => state === "hidden" });
        document.dispatchEvent(new Event("visibilitychange"));
      }""",
        state,
    )


def test_a_card_being_prepared_asks_nothing_while_the_page_is_hidden_and_catches_up_when_it_shows(
    page: Any, stack: Running, tenant: Tenant
) -> None:
    page.clock.install()  # the page's timers run when the test says, not on the wall clock
    sign_in(page, stack, tenant.api_key)
    looks: list[str] = []
    page.on("request", lambda r: looks.append(r.url) if re.search(r"/api/v1/media/\d+$", r.url) else None)
    set_visibility(page, "hidden")
    page.get_by_label("Upload files").set_input_files(str(Path(FIXTURES) / "hevc-rotated-90.mov"))
    clip = card(page, "hevc-rotated-90.mov")
    expect(clip.locator(".delivery-state")).to_have_text("Preparing…")
    settled(stack, tenant, int(str(clip.get_attribute("data-id"))))  # the worker is done
    page.clock.run_for(5 * 60 * 1000)  # long past the first look's time
    expect(clip.locator(".delivery-state")).to_have_text("Preparing…")
    assert looks == []

    set_visibility(page, "visible")
    expect(clip.get_by_role("img", name="Ready for WhatsApp")).to_be_visible()
    expect(clip.locator(".delivery-state")).to_have_count(0)
    assert len(looks) == 1  # one look, and it was done
