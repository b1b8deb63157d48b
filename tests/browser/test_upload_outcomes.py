"""What an upload ends as: a refusal no retry can change is final (no Retry, the bar in the
error style, the reason in words); refusals read as the API words them, from its own
limits; and once everything has finished the panel folds to a one-line summary that
can be opened again, so the grid is back in view."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import expect

from tests.browser.harness import Running, Tenant, png
from tests.browser.pages import row, sign_in, write

TYPES = "jpg, jpeg, png, gif, mp4, avi, mov, wmv, flv, webm"
DANGER = "rgb(179, 38, 30)"  # app.css --danger


def accent(locator: Any) -> str:
    return str(locator.evaluate("node => getComputedStyle(node).accentColor"))


def test_content_the_api_refuses_is_final_with_its_reason_and_a_red_bar(
    page: Any, stack: Running, tenant: Tenant, tmp_path: Path
) -> None:
    sign_in(page, stack, tenant.api_key)
    page.get_by_label("Upload files").set_input_files(str(write(tmp_path, "notes.jpg", b"some notes, not a photo\n")))
    refused = row(page, "notes.jpg")
    expect(refused.locator(".upload-status")).to_have_text(
        f"The file's content is not an image or a video ({TYPES}).", timeout=20_000
    )
    expect(refused.get_by_role("button", name="Retry")).to_be_hidden()
    bar = refused.get_by_role("progressbar", name="notes.jpg")
    expect(bar).to_be_visible()
    assert accent(bar) == DANGER
    expect(refused).to_have_attribute("data-final", "true")
    expect(refused.get_by_role("button", name="Remove")).to_be_visible()


def test_refusals_before_sending_read_as_the_api_words_them(
    page: Any, stack: Running, tmp_path: Path, monkeypatch: Any
) -> None:
    from chalicelib import caches

    monkeypatch.setenv("MEDIA_MAX_FILE_SIZE", str(2 * 1024 * 1024))
    monkeypatch.setenv("MEDIA_DIRECT_UPLOAD_MAX_BYTES", str(2 * 1024 * 1024))
    caches.reset()
    tenant = stack.tenant("Limits")
    headers = {"X-Api-Key": tenant.api_key}
    answer = requests.post(
        f"{stack.url}/api/v1/media/uploads", json={"filename": "big.mp4", "file_size": 3 * 1024 * 1024},
        headers=headers, timeout=30,
    )  # fmt: skip
    assert answer.json()["message"] == "big.mp4 is 3 MB; the limit is 2 MB."
    sign_in(page, stack, tenant.api_key)
    page.get_by_label("Upload files").set_input_files(
        [
            str(write(tmp_path, "big.mp4", bytes(3 * 1024 * 1024))),
            str(write(tmp_path, "notes.txt", b"hello")),
            str(write(tmp_path, "empty.png", b"")),
        ]
    )
    expect(row(page, "big.mp4")).to_contain_text(answer.json()["message"])
    expect(row(page, "notes.txt")).to_contain_text(f"notes.txt is not an image or a video ({TYPES}).")
    expect(row(page, "empty.png")).to_contain_text("empty.png is empty.")
    for name in ("big.mp4", "notes.txt", "empty.png"):
        expect(row(page, name).get_by_role("button", name="Retry")).to_be_hidden()


def test_the_panel_folds_to_a_summary_once_everything_finished_and_opens_again(
    page: Any, stack: Running, tenant: Tenant, tmp_path: Path
) -> None:
    sign_in(page, stack, tenant.api_key)
    files = [write(tmp_path, f"shot-{index}.png", png(20 + index, 20)) for index in range(4)]
    page.get_by_label("Upload files").set_input_files([str(path) for path in files])
    toggle = page.get_by_role("button", name="Show uploads")
    expect(toggle).to_be_visible(timeout=30_000)  # everything finished: folded
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#uploads-summary")).to_have_text("4 of 4 uploaded")
    expect(page.locator("#upload-list li").first).to_be_hidden()
    panel = page.locator("#uploads").bounding_box()
    assert panel and panel["height"] < 80  # one line, the grid right under it
    first_card = page.get_by_role("article").first.bounding_box()
    assert first_card and first_card["y"] < 800

    toggle.click()
    hide = page.get_by_role("button", name="Hide uploads")
    expect(hide).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#upload-list li")).to_have_count(4)
    for path in files:
        expect(row(page, path.name)).to_be_visible()
    # A new file opens the panel again while it runs.
    hide.click()
    page.get_by_label("Upload files").set_input_files(str(write(tmp_path, "late.png", png(9, 9))))
    expect(row(page, "late.png")).to_be_visible()
    expect(page.get_by_role("button", name="Show uploads")).to_be_visible(timeout=30_000)
    expect(page.locator("#uploads-summary")).to_have_text("5 of 5 uploaded")


def test_a_failed_file_stays_listed_when_the_panel_folds(
    page: Any, stack: Running, tenant: Tenant, tmp_path: Path
) -> None:
    sign_in(page, stack, tenant.api_key)
    page.get_by_label("Upload files").set_input_files(
        [str(write(tmp_path, "good.png", png())), str(write(tmp_path, "fake.gif", b"<html></html>" + bytes(64)))]
    )
    expect(page.get_by_role("button", name="Show uploads")).to_be_visible(timeout=30_000)
    expect(page.locator("#uploads-summary")).to_have_text("1 of 2 uploaded, 1 failed")
    expect(row(page, "fake.gif")).to_be_visible()
    expect(row(page, "good.png")).to_be_hidden()
