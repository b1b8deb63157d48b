"""Sign in with a pasted API key (kept in sessionStorage only), the account's usage,
sign-out that forgets everything, and a refused key taking the person back to sign-in."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.harness import KEY_ITEM, Running, Tenant, png
from tests.browser.pages import open_page, sign_in


def storage_state(page: Any) -> dict[str, Any]:
    script = (
        "() => ({session: {...sessionStorage}, local: {...localStorage}, url: location.href, cookie: document.cookie})"
    )
    return dict(page.evaluate(script))


def test_a_bad_key_is_refused_with_the_reason_and_nothing_is_kept(page: Any, stack: Running) -> None:
    open_page(page, stack)
    page.get_by_label("API key").fill("sk_live_" + "x" * 43)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("That API key was not accepted.")
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    expect(page.get_by_role("feed")).to_be_hidden()
    assert storage_state(page)["session"] == {}


def test_signing_in_shows_the_account_and_its_usage_and_keeps_the_key_in_session_storage_only(
    page: Any, stack: Running
) -> None:
    tenant = stack.tenant("Globex Studio", media_limit=10)
    sizes = [stack.seed(tenant, f"photo-{index}.png", png())["file_size"] for index in range(3)]
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    sign_in(page, stack, tenant.api_key)
    expect(page.get_by_text("Globex Studio")).to_be_visible()
    meter = page.get_by_role("meter")
    expect(meter).to_have_attribute("max", "10")
    expect(meter).to_have_attribute("value", "3")
    expect(page.locator("#usage-text")).to_have_text(f"3 of 10 files · {sum(sizes)} B")
    kept = storage_state(page)
    assert kept["session"] == {KEY_ITEM: tenant.api_key}
    assert kept["local"] == {} and kept["cookie"] == ""
    assert tenant.api_key not in kept["url"]
    # A reload in the same tab keeps the person signed in; the key never enters a URL.
    page.reload()
    expect(page.get_by_role("article")).to_have_count(3)
    assert urls and not [url for url in urls if tenant.api_key in url]


def test_signing_out_forgets_the_key_the_files_and_the_uploads(page: Any, stack: Running, tenant: Tenant) -> None:
    stack.seed(tenant, "logo.png", png())
    sign_in(page, stack, tenant.api_key)
    expect(page.get_by_role("article")).to_have_count(1)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API key")).to_be_focused()
    expect(page.get_by_role("article")).to_have_count(0)
    assert storage_state(page)["session"] == {}
    page.reload()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_role("article")).to_have_count(0)


def test_a_key_revoked_while_signed_in_takes_the_person_back_to_sign_in(page: Any, stack: Running) -> None:
    from chalicelib import auth

    tenant = stack.tenant("Initech")
    sign_in(page, stack, tenant.api_key)
    auth.revoke(tenant.api_key)
    page.get_by_role("tab", name="Images").click()  # the next request gets a 401
    expect(page.get_by_role("alert")).to_contain_text("Your API key was refused")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert storage_state(page)["session"] == {}
