"""How the tests drive the page: by their accessible names (docs/architecture.md, "The media library page")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.harness import Running


def open_page(page: Any, stack: Running, query: str = "") -> None:
    page.goto(f"{stack.url}/{query}")


def sign_in(page: Any, stack: Running, key: str, query: str = "") -> None:
    open_page(page, stack, query)
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("feed")).to_have_attribute("aria-busy", "false")


def card(page: Any, name: str) -> Any:
    """The file's <article>, found by its heading (the file's name)."""
    return page.get_by_role("article", name=name, exact=True)


def card_names(page: Any) -> list[str]:
    return [str(n) for n in page.get_by_role("article").get_by_role("heading").all_inner_texts()]


def write(folder: Path, name: str, data: bytes) -> Path:
    """A file to choose or drop, as a person has it on disk."""
    path = folder / name
    path.write_bytes(data)
    return path


def row(page: Any, name: str) -> Any:
    """The file's line in the upload panel."""
    return page.locator("#upload-list li").filter(has=page.get_by_text(name, exact=True))
