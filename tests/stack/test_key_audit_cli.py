"""The key audit as an operator sees it (README, "Ops CLI"): `keys list` shows when each
key was last used (null / "never" until a request uses it), and `keys revoke` says whose
key it revoked, against a local stack the module starts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from chalice.test import Client

from chalicelib.domain.clock import parse
from tests.helpers.manage import run, run_json

pytestmark = pytest.mark.slow(seconds=1)


@pytest.fixture
def api(stack: Path, tmp_path: Path) -> Iterator[Client]:
    """The app acting on the module's stack (as `make run` serves it), and manage.py finding it."""
    from app import app

    with Client(app, stage_name="test", project_dir=str(tmp_path)) as client:
        yield client


def test_keys_list_shows_when_each_key_was_last_used(api: Client) -> None:
    created = run_json("accounts", "create", "--name", "Audited")
    account_id, used_key = created["account_id"], created["api_key"]
    idle = run_json("keys", "issue", account_id)
    assert [key["last_used_at"] for key in run_json("keys", "list", account_id)] == [None, None]

    before = datetime.now(UTC) - timedelta(seconds=1)
    for _ in range(3):
        assert api.http.get("/api/v1/account", headers={"X-Api-Key": used_key}).status_code == 200
    listed = {key["prefix"]: key for key in run_json("keys", "list", account_id)}
    stamp = listed[used_key[:16]]["last_used_at"]
    assert stamp is not None and before <= parse(stamp) <= datetime.now(UTC)
    assert listed[idle["prefix"]]["last_used_at"] is None
    assert run_json("accounts", "show", account_id)["keys"][0]["last_used_at"] == stamp

    table = run("keys", "list", account_id).stdout
    header, *rows = table.splitlines()[:1] + table.splitlines()[2:]
    assert "LAST USED (UTC)" in header
    lines = {row.split()[0]: row for row in rows}
    assert stamp[:16].replace("T", " ") in lines[used_key[:16]] and "never" in lines[idle["prefix"]]


def test_keys_revoke_says_whose_key_it_was(api: Client) -> None:
    created = run_json("accounts", "create", "--name", "Owner Co")
    account_id = created["account_id"]
    spare = run_json("keys", "issue", account_id)
    text = run("keys", "revoke", spare["prefix"])
    assert text.exit_code == 0
    assert text.stdout == f"Revoked {spare['prefix']}, a key of account {account_id} (Owner Co).\n"
    revoked = run_json("keys", "revoke", created["api_key"])
    assert revoked == {"revoked": [created["api_key"][:16]], "account_id": account_id, "account_name": "Owner Co"}
