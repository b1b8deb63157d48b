"""The media library page in real Chromium, against one real local stack for the package.

Without Chromium the tests skip, saying how to install it; with REQUIRE_BROWSER=1
(CI) they fail instead. They are `slow` (not in `make test-fast`), and the root
conftest keeps their group in one worker's share of the run, so one xdist worker runs them all
(one stack, one browser); each test makes its own account, so none sees another's files.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.harness import INSTALL_HINT, Running, Tenant, chromium_path, launch, running_stack

HERE = os.path.dirname(__file__)
# Room for a loaded machine (2 shared cores): assertions wait up to 10 s, not 5.
expect.set_options(timeout=10_000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if str(item.fspath).startswith(HERE):
            item.add_marker(pytest.mark.xdist_group("browser"))
            item.add_marker(pytest.mark.slow(seconds=2))  # about what one takes, page load included


@pytest.fixture(scope="package")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {INSTALL_HINT}")
        pytest.skip(INSTALL_HINT)
    return path


@pytest.fixture(scope="package")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = launch(playwright, chromium)
        yield launched
        launched.close()


@pytest.fixture(scope="package")
def stack(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with running_stack(tmp_path_factory.mktemp("page-stack")) as running:
        yield running


@pytest.fixture(autouse=True)
def test_env(stack: Running) -> None:
    """Overrides the suite's: these tests (and the server thread) run on the stack's environment."""
    stack.use()


@pytest.fixture
def tenant(stack: Running) -> Tenant:
    return stack.tenant("Acme")


class Problems:
    """What the page must never do: throw, or trip its own Content-Security-Policy."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.seen.append(f"console: {message.text}")

    def error(self, error: Any) -> None:
        self.seen.append(f"uncaught: {error}")


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def problems() -> Problems:
    return Problems()


@pytest.fixture
def page(context: Any, problems: Problems) -> Iterator[Any]:
    page = context.new_page()
    page.on("console", problems.console)
    page.on("pageerror", problems.error)
    yield page
    assert problems.seen == []
