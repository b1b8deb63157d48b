"""What the browser tests, the screenshots and ``make bench`` share: Debian's Chromium
driven by Playwright, and a real local stack (moto + the API over HTTP) to point it at.

Playwright cannot download its own browser here; it drives the system's
``chromium`` (``apt-get install -y chromium``) through ``executable_path``.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ops import local_stack
from tests.helpers.aws import restored_environment

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
INSTALL_HINT = (
    "Chromium is not installed: apt-get install -y chromium (Playwright cannot download its own browser here)"
)
#: Where the page keeps the key (sessionStorage), as app.js names it.
KEY_ITEM = "media-library-api-key"


def chromium_path() -> str | None:
    """The system Chromium (``CHROMIUM_PATH`` first, then ``chromium`` on PATH), or None."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def launch(playwright: Any, executable: str) -> Any:
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


@dataclass
class Tenant:
    account_id: str
    api_key: str


@dataclass
class Running:
    """A local stack with the API on a free port; its environment is this process's while it runs."""

    stack: local_stack.LocalStack
    url: str  # the API's root, e.g. http://127.0.0.1:PORT
    env: dict[str, str]

    @property
    def storage_origin(self) -> str:
        return self.stack.moto_url

    def use(self) -> None:
        """Point chalicelib at this stack again (after something else changed the environment)."""
        local_stack.apply_environment(self.env)

    def tenant(self, name: str = "Acme", media_limit: int | None = None) -> Tenant:
        from chalicelib import accounts

        account, issued = accounts.create_account(name, media_limit)
        return Tenant(account.account_id, issued.api_key)

    def seed(
        self, tenant: Tenant, filename: str, data: bytes, name: str | None = None, *, admin: bool = False
    ) -> dict[str, Any]:
        """A file stored the way the direct route stores it (its thumbnail follows by event)."""
        from chalicelib import uploads
        from chalicelib.domain.names import Uploader
        from chalicelib.presenters import media_json

        by = Uploader.ADMIN if admin else Uploader.CLIENT
        return media_json(uploads.upload_direct(tenant.account_id, filename, data, name, uploaded_by=by))


@contextmanager
def running_stack(data: Path) -> Iterator[Running]:
    """moto, the bucket's events, and the app on chalice's threaded server, as `make run` has them."""
    from app import app
    from ops.dev_server import create_api_server, lambda_functions, serve_in_thread, stop_serving

    server = create_api_server(app, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.port}"
    # Events at once: the page is tested against what the worker makes, not against S3's lag.
    # Nothing is snapshotted: the stack's restarts are tested in tests/stack.
    stack = local_stack.LocalStack(data, functions=lambda_functions(app), event_delay=0, persist=False)
    thread = None
    with restored_environment():
        try:
            stack.start(url)
            thread = serve_in_thread(server, "page-api")
            yield Running(stack, url, dict(os.environ))
        finally:
            if thread is not None:
                stop_serving(server, thread)
            else:
                server.server.server_close()
            stack.stop()


def png(width: int = 64, height: int = 48, color: str = "teal") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def jpeg(width: int = 64, height: int = 48, color: str = "orange") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "JPEG")
    return out.getvalue()
