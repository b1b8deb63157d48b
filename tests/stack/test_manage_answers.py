"""manage.py as a newcomer meets it: creating an account twice by the same name is refused
(exit 2, naming the account that has it) unless asked for; stopping `make run` says what
was saved, and where."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests

from tests.helpers.manage import Serve, run, run_json
from tests.helpers.media import png_bytes
from tests.helpers.servers import free_port

pytestmark = pytest.mark.slow(seconds=2)


def test_a_second_account_with_the_same_name_is_refused_naming_the_first(stack: Path) -> None:
    first = run_json("accounts", "create", "--name", "Initrode")["account_id"]
    again = run("accounts", "create", "--name", "  initrode ")
    assert again.exit_code == 2
    assert again.stdout == ""
    assert again.stderr == (
        f'Error: An account named "initrode" already exists: {first}. '
        "Use it, or pass --allow-duplicate-name to create another.\n"
    )
    assert [a["account_id"] for a in run_json("accounts", "list") if a["name"].casefold() == "initrode"] == [first]
    second = run_json("accounts", "create", "--name", "Initrode", "--allow-duplicate-name")["account_id"]
    assert second != first
    named = sorted(a["account_id"] for a in run_json("accounts", "list") if a["name"] == "Initrode")
    assert named == sorted([first, second])


def test_stopping_serve_says_how_much_was_saved_and_where(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with open(tmp_path / "serve.log", "w") as log:
        server = Serve(free_port(), data, log)
        try:
            key = server.wait_for_demo_key()
            url = re.search(r"API +(http://\S+)/api/v1/media", "".join(server.output))
            assert url, server.output
            posted = requests.post(
                f"{url.group(1)}/api/v1/media",
                headers={"X-Api-Key": key},
                files={"file": ("dot.png", png_bytes(), "image/png")},
                timeout=30,
            )
            assert posted.status_code == 201, posted.text
            assert server.interrupt() == 0
        finally:
            server.kill()
    lines = (tmp_path / "serve.log").read_text().splitlines()
    saved = re.fullmatch(r"Saved (\d+) items and (\d+) files to (.+)\.", lines[-1])
    assert saved, lines[-3:]
    assert lines[-2] == "Stopping: saving the data..."
    items = sum(len(path.read_text().splitlines()) for path in (data / "dynamodb").glob("*.jsonl"))
    files = len(json.loads((data / "s3" / "manifest.json").read_text())["objects"])
    assert (int(saved.group(1)), int(saved.group(2)), saved.group(3)) == (items, files, str(data))
    assert files >= 1 and items >= 3  # the account, its key, the file's record at least
