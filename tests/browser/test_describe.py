"""A file's description and tags, edited in its details by keyboard alone and saved with
If-Match: someone else's edit meanwhile is refused (412) and shown, the API's refusal of a
field (422) is shown next to that field, and the card shows the tags it saved."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.harness import Running, Tenant, png
from tests.browser.pages import card, sign_in
from tests.browser.scene import api_get, api_put


def tab_to(page: Any, target: Any, limit: int = 30) -> None:
    """Press Tab until `target` has the focus, as a person on a keyboard would."""
    for _ in range(limit):
        if target.evaluate("node => node === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError("Tab never reached the element")


def open_details(page: Any, article: Any, name: str) -> Any:
    """The details panel, opened from the keyboard, once it holds the file as it is now."""
    article.get_by_role("button", name="Details").focus()
    page.keyboard.press("Enter")
    panel = page.get_by_role("dialog", name=name)
    expect(panel.get_by_role("button", name="Save")).to_be_enabled()  # the GET (and its ETag) arrived
    return panel


def test_the_description_and_tags_are_edited_and_saved_by_keyboard_alone(
    page: Any, stack: Running, tenant: Tenant
) -> None:
    media = stack.seed(tenant, "harbour.png", png(), "Harbour")
    sign_in(page, stack, tenant.api_key)
    article = card(page, "Harbour")
    panel = open_details(page, article, "Harbour")
    description = panel.get_by_label("Description")
    tags = panel.get_by_label("Tags", exact=True)

    tab_to(page, description)
    page.keyboard.type("Sunset over the harbour")
    page.keyboard.press("Enter")  # one paragraph: no line break, no submit
    expect(description).to_have_value("Sunset over the harbour")
    page.keyboard.press("Tab")
    expect(tags).to_be_focused()
    page.keyboard.type("Summer")
    page.keyboard.press("Enter")
    expect(panel.get_by_role("status").filter(has_text="added")).to_have_text("Tag “Summer” added.")
    page.keyboard.type("boats,Oops,")
    expect(panel.locator("#details-tags li")).to_have_text(["Summer", "boats", "Oops"])
    page.keyboard.press("Shift+Tab")
    expect(panel.get_by_role("button", name="Remove tag Oops")).to_be_focused()
    page.keyboard.press("Enter")
    expect(panel.locator("#details-tags li")).to_have_text(["Summer", "boats"])
    expect(panel.get_by_role("button", name="Remove tag boats")).to_be_focused()
    page.keyboard.press("Tab")
    expect(tags).to_be_focused()
    page.keyboard.type("night")
    page.keyboard.press("Backspace")  # a letter: the tags stay
    page.keyboard.type("t")
    page.keyboard.press("Tab")
    expect(panel.get_by_role("button", name="Save")).to_be_focused()
    page.keyboard.press("Enter")  # what is still typed is saved too
    expect(panel.locator("#details-form-status")).to_have_text("Saved.")

    stored = api_get(stack, tenant, f"/media/{media['id']}")
    assert (stored["description"], stored["tags"]) == ("Sunset over the harbour", ["summer", "boats", "night"])
    expect(panel.locator("#details-tags li")).to_have_text(["summer", "boats", "night"])  # as stored
    expect(panel.get_by_role("button", name="Save")).to_be_focused()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(article.locator(".tags li")).to_have_text(["summer", "boats", "night"])
    expect(article.get_by_role("button", name="Filter by tag boats")).to_be_visible()

    # Backspace in the empty field takes the last tag off; saving an empty description clears it.
    panel = open_details(page, article, "Harbour")
    expect(description).to_have_value("Sunset over the harbour")
    tags.focus()
    page.keyboard.press("Backspace")
    expect(panel.locator("#details-tags li")).to_have_text(["summer", "boats"])
    description.focus()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    panel.get_by_role("button", name="Save").focus()
    page.keyboard.press("Enter")
    expect(panel.locator("#details-form-status")).to_have_text("Saved.")
    stored = api_get(stack, tenant, f"/media/{media['id']}")
    assert (stored["description"], stored["tags"]) == (None, ["summer", "boats"])


def test_a_panel_closed_and_opened_again_at_once_still_loads_its_file(
    page: Any, stack: Running, tenant: Tenant
) -> None:
    """A dialog's close event comes a task after it closed: here it arrives when the panel is
    open again, and must not empty the new opening (its picture, its fetched version)."""
    stack.seed(tenant, "harbour.png", png(), "Harbour")
    sign_in(page, stack, tenant.api_key)
    article = card(page, "Harbour")
    panel = open_details(page, article, "Harbour")
    article.get_by_role("button", name="Details").evaluate(
        "button => { document.querySelector('#details').close(); button.click(); }"
    )
    expect(panel).to_be_visible()
    expect(panel.get_by_role("button", name="Save")).to_be_enabled()
    expect(panel.locator("#details-preview img")).to_have_count(1)
    panel.get_by_label("Description").fill("Back again")
    panel.get_by_role("button", name="Save").click()
    expect(panel.locator("#details-form-status")).to_have_text("Saved.")


def test_a_card_shows_a_few_tags_then_how_many_more(page: Any, stack: Running, tenant: Tenant) -> None:
    media = stack.seed(tenant, "menu.jpg", png(), "Menu")
    api_put(stack, tenant, media["id"], {"tags": ["food", "autumn", "menu", "print", "a4"]})
    sign_in(page, stack, tenant.api_key)
    tags = card(page, "Menu").locator(".tags")
    expect(tags.get_by_role("button")).to_have_text(["food", "autumn", "menu"])
    expect(tags.locator(".tag-more")).to_have_text("+2 more: print, a4")
    expect(tags.locator(".tag-more")).to_have_attribute("title", "print, a4")


def test_a_stale_save_is_refused_and_the_file_reloaded_with_the_other_edit(
    page: Any, stack: Running, tenant: Tenant
) -> None:
    media = stack.seed(tenant, "team.png", png(), "Team")
    sign_in(page, stack, tenant.api_key)
    article = card(page, "Team")
    panel = open_details(page, article, "Team")
    # Someone else describes the file after the panel read it.
    api_put(stack, tenant, media["id"], {"description": "The team at the offsite", "tags": ["team"]})
    panel.get_by_label("Description").fill("Our people")
    panel.get_by_role("button", name="Save").click()
    expect(panel.locator("#details-form-status")).to_have_text(
        "Someone changed this file since it was opened: it now shows their version. Make your change again, then save."
    )
    expect(panel.get_by_label("Description")).to_have_value("The team at the offsite")
    expect(panel.locator("#details-tags li")).to_have_text(["team"])
    expect(article.locator(".tags li")).to_have_text(["team"])
    assert api_get(stack, tenant, f"/media/{media['id']}")["description"] == "The team at the offsite"

    # Saved again from the version now shown, the edit goes through.
    panel.get_by_label("Description").fill("Our people")
    panel.get_by_role("button", name="Save").click()
    expect(panel.locator("#details-form-status")).to_have_text("Saved.")
    assert api_get(stack, tenant, f"/media/{media['id']}")["description"] == "Our people"


def test_a_change_elsewhere_to_what_the_form_does_not_edit_lets_the_save_through(
    page: Any, stack: Running, tenant: Tenant
) -> None:
    media = stack.seed(tenant, "team.png", png(), "Team")
    sign_in(page, stack, tenant.api_key)
    panel = open_details(page, card(page, "Team"), "Team")
    puts: list[int] = []
    page.on("response", lambda r: puts.append(r.status) if r.request.method == "PUT" else None)
    api_put(stack, tenant, media["id"], {"name": "Team offsite"})  # a new version, the same description and tags
    panel.get_by_label("Description").fill("Our people")
    panel.get_by_role("button", name="Save").click()
    expect(panel.locator("#details-form-status")).to_have_text("Saved.")
    stored = api_get(stack, tenant, f"/media/{media['id']}")
    assert (stored["name"], stored["description"]) == ("Team offsite", "Our people")
    assert puts[0] == 412 and puts[-1] == 200  # refused on the old version, made on the new one
    expect(card(page, "Team offsite")).to_be_visible()


def test_a_tag_of_41_characters_shows_the_apis_message_next_to_the_tags(
    page: Any, stack: Running, tenant: Tenant
) -> None:
    media = stack.seed(tenant, "shop.png", png(), "Shop")
    sign_in(page, stack, tenant.api_key)
    panel = open_details(page, card(page, "Shop"), "Shop")
    tags = panel.get_by_label("Tags", exact=True)
    tags.focus()
    page.keyboard.type("x" * 41)
    page.keyboard.press("Enter")
    panel.get_by_role("button", name="Save").click()
    message = "The tags.0 field must be 1 to 40 characters."
    expect(panel.locator("#details-tags-error")).to_have_text(message)
    expect(tags).to_have_attribute("aria-invalid", "true")
    expect(tags).to_have_accessible_description(f"Enter or a comma adds a tag. {message}")
    expect(tags).to_be_focused()
    assert api_get(stack, tenant, f"/media/{media['id']}")["tags"] == []

    panel.get_by_role("button", name="Remove tag " + "x" * 41).click()
    expect(panel.locator("#details-tags-error")).to_be_hidden()  # changing the tags clears it
    expect(tags).not_to_have_attribute("aria-invalid", "true")
