"""End to end: `manage.py serve` as a user runs it (`make run`), used over HTTP
the way the README tells, stopped with Ctrl-C and started again."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.helpers.manage import Serve
from tests.helpers.media import FIXTURES, png_bytes
from tests.helpers.servers import free_port

pytestmark = pytest.mark.slow(seconds=10)


def sample_png() -> bytes:
    path = FIXTURES / "sample.png"
    return path.read_bytes() if path.exists() else png_bytes(50, 40, "blue")


def wait_for_ingest(user: requests.Session, status_url: str, timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        status = user.get(status_url, timeout=10).json()
        if status.get("status") != "pending" or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


@pytest.fixture
def servers(tmp_path: Path) -> Any:
    started: list[Serve] = []
    with open(tmp_path / "serve.log", "w") as log:

        def start(port: int) -> Serve:
            server = Serve(port, tmp_path / "data", log)
            started.append(server)
            return server

        yield start
        for server in started:
            server.kill()


def test_readme_walkthrough_survives_a_restart(servers: Any, tmp_path: Path) -> None:
    port = free_port()
    api = f"http://127.0.0.1:{port}/api/v1"
    png = sample_png()

    server = servers(port)
    demo_key = server.wait_for_demo_key()
    user = requests.Session()
    user.headers["X-Api-Key"] = demo_key

    created = user.post(f"{api}/media", files={"file": ("hero.png", png, "image/png")}, data={"name": "Hero"})
    assert created.status_code == 201, created.text
    media = created.json()
    assert media["name"] == "Hero" and media["mime_type"] == "image/png" and media["uploaded_by"] == "client"

    listing = user.get(f"{api}/media").json()
    assert [m["id"] for m in listing["data"]] == [media["id"]]
    assert listing["meta"]["total"] == 1
    assert user.get(f"{api}/media/{media['id']}").json() == media
    assert requests.get(media["url"], timeout=10).content == png  # anonymous, like a chat channel

    # The upload-session flow: bytes straight to storage; the bucket's event
    # reaches the app's ingest function, no `complete` call needed.
    session = user.post(
        f"{api}/media/uploads",
        json={"filename": "big.png", "file_size": len(png), "content_type": "image/png", "name": "Big"},
    )
    assert session.status_code == 201, session.text
    form = session.json()["upload"]
    assert form["method"] == "POST"
    stored = requests.post(form["url"], data=form["fields"], files={"file": ("big.png", png, "image/png")}, timeout=10)
    assert stored.status_code in (200, 201, 204), stored.text
    status = wait_for_ingest(user, f"{api}/media/uploads/{session.json()['id']}")
    assert status["status"] == "completed", status
    last_id = status["media"]["id"]
    assert last_id == media["id"] + 1

    renamed = user.put(f"{api}/media/{media['id']}", json={"name": "Hero v2"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Hero v2"

    unknown = user.get(f"{api}/nothing-here")
    assert unknown.status_code == 404
    assert unknown.headers["Content-Type"].startswith("application/json")
    assert unknown.json()["code"] == "not_found" and unknown.json()["message"]
    wrong_method = user.patch(f"{api}/media")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["Content-Type"].startswith("application/json")
    assert wrong_method.json()["code"] and wrong_method.json()["message"]

    cli = server.manage("accounts", "create", "--name", "Second", "--json")
    assert cli.returncode == 0, cli.stderr
    second_key = json.loads(cli.stdout)["api_key"]
    other = requests.get(f"{api}/media", headers={"X-Api-Key": second_key}, timeout=10)
    assert other.status_code == 200 and other.json()["meta"]["total"] == 0
    assert user.get(f"{api}/media").json()["meta"]["total"] == 2

    assert server.interrupt() == 0
    assert not (tmp_path / "data" / "stack.json").exists()
    stopped = server.manage("keys", "list", "demo")
    assert stopped.returncode == 2 and "make run" in stopped.stderr

    restarted = servers(port)
    assert restarted.wait_for_demo_key() == demo_key
    kept = user.get(f"{api}/media/{media['id']}")
    assert kept.status_code == 200 and kept.json()["name"] == "Hero v2"
    assert requests.get(kept.json()["url"], timeout=10).content == png
    assert requests.get(f"{api}/media", headers={"X-Api-Key": second_key}, timeout=10).status_code == 200

    again = user.post(f"{api}/media", files={"file": ("again.png", png, "image/png")})
    assert again.status_code == 201, again.text
    assert again.json()["id"] == last_id + 1
    assert restarted.interrupt() == 0
