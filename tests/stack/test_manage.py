"""manage.py against a local stack started in the test (embedded moto on a
free port, data in a temporary directory), driven with click's CliRunner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from chalice.test import Client
from click.testing import CliRunner

from manage import cli
from ops import local_stack, targets
from tests.helpers.aws import restored_environment
from tests.helpers.manage import KEY_RE, run, run_json, stack_client, stack_for_manage
from tests.helpers.media import FIXTURES, png_bytes


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[local_stack.LocalStack]:
    """A running local stack on tmp_path, found by manage.py through stack.json."""
    monkeypatch.setenv(local_stack.DATA_ENV, str(tmp_path))
    with stack_for_manage(tmp_path) as running:
        yield running


@pytest.fixture
def api(stack: local_stack.LocalStack, tmp_path: Path) -> Iterator[Client]:
    from app import app

    # An empty project dir: no .chalice stage environment over the stack's.
    project = tmp_path / "project"
    project.mkdir()
    with Client(app, stage_name="test", project_dir=str(project)) as client:
        yield client


def create_account(name: str = "Acme", *extra: str) -> dict[str, str]:
    return dict(run_json("accounts", "create", "--name", name, *extra))


def test_help_works_without_a_stack() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("accounts", "keys", "media", "reconcile", "serve", "bootstrap", "post-deploy"):
        assert command in result.stdout


def test_commands_refuse_to_run_without_a_local_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(local_stack.DATA_ENV, str(tmp_path))
    # A stack.json left by a crashed run (dead pid, nothing listening) is not a stack.
    (tmp_path / "stack.json").write_text(json.dumps({"pid": 2**22 + 1, "moto_url": "http://127.0.0.1:9"}))
    result = run("accounts", "create", "--name", "Acme")
    assert result.exit_code == 2
    assert "make run" in result.stderr and "--stage" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.slow
def test_accounts_create_prints_the_account_id_and_key_once(stack: local_stack.LocalStack) -> None:
    created = create_account("Acme", "--media-limit", "5")
    assert set(created) == {"account_id", "api_key"}
    assert KEY_RE.match(created["api_key"])
    human = run("accounts", "create", "--name", "Globex")
    assert human.exit_code == 0
    assert "shown once" in human.stdout and "sk_live_" in human.stdout


@pytest.mark.slow
def test_set_limit_to_a_number_and_back_to_unlimited(stack: local_stack.LocalStack) -> None:
    account_id = create_account()["account_id"]
    limited = run_json("accounts", "set-limit", account_id, "3")
    assert limited["account_id"] == account_id and limited["media_limit"] == 3
    assert run_json("accounts", "set-limit", account_id, "none")["media_limit"] is None


@pytest.mark.slow
def test_set_limit_errors_have_exit_codes(stack: local_stack.LocalStack) -> None:
    account_id = create_account()["account_id"]
    bad_value = run("accounts", "set-limit", account_id, "lots")
    assert bad_value.exit_code == 2 and "LIMIT" in bad_value.stderr
    unknown = run("accounts", "set-limit", "acc-nope", "3")
    assert unknown.exit_code == 2  # nothing to act on
    assert unknown.stderr == "Error: Account 'acc-nope' not found.\n"


@pytest.mark.slow
def test_issued_key_works_until_revoked(stack: local_stack.LocalStack, api: Client) -> None:
    account_id = create_account()["account_id"]
    issued = run_json("keys", "issue", account_id)
    assert issued["account_id"] == account_id and KEY_RE.match(issued["api_key"])
    headers = {"X-Api-Key": issued["api_key"]}
    assert api.http.get("/api/v1/media", headers=headers).status_code == 200

    listed = run_json("keys", "list", account_id)
    assert len(listed) == 2
    assert {row["prefix"] for row in listed} >= {issued["prefix"]}
    assert all(row["revoked_at"] is None for row in listed)

    assert run_json("keys", "revoke", issued["prefix"]) == {
        "revoked": [issued["prefix"]],
        "account_id": account_id,
        "account_name": "Acme",
    }
    denied = api.http.get("/api/v1/media", headers=headers)
    assert denied.status_code == 401
    assert json.loads(denied.body)["code"] == "unauthenticated"
    revoked = {row["prefix"]: row["revoked_at"] for row in run_json("keys", "list", account_id)}
    assert revoked[issued["prefix"]] is not None

    again = run("keys", "revoke", issued["api_key"])
    assert again.exit_code == 2 and again.stderr.startswith("Error: No active key")


@pytest.mark.slow
def test_keys_of_an_unknown_account_exit_2(stack: local_stack.LocalStack) -> None:
    for command in ("issue", "list"):
        result = run("keys", command, "acc-nope")
        assert result.exit_code == 2
        assert result.stderr == "Error: Account 'acc-nope' not found.\n"


@pytest.mark.slow
def test_admin_upload_cannot_be_deleted_through_the_api(
    stack: local_stack.LocalStack, api: Client, tmp_path: Path
) -> None:
    created = create_account()
    media = run_json(
        "media",
        "upload",
        str(FIXTURES / "sample.png"),
        "--account",
        created["account_id"],
        "--as-admin",
        "--name",
        "Logo",
    )
    assert media["uploaded_by"] == "admin"
    assert media["name"] == "Logo" and media["original_name"] == "sample.png"
    assert media["mime_type"] == "image/png" and media["id"] == 1

    headers = {"X-Api-Key": created["api_key"]}
    refused = api.http.delete(f"/api/v1/media/{media['id']}", headers=headers)
    assert refused.status_code == 403
    assert json.loads(refused.body)["code"] == "admin_file"
    assert api.http.get(f"/api/v1/media/{media['id']}", headers=headers).status_code == 200


@pytest.mark.slow
def test_upload_without_as_admin_is_a_client_file(stack: local_stack.LocalStack, tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    photo.write_bytes(png_bytes())
    media = run_json("media", "upload", str(photo), "--account", local_stack.DEMO_ACCOUNT_ID)
    assert media["uploaded_by"] == "client" and media["name"] == "photo.png"


@pytest.mark.slow
def test_upload_errors_exit_non_zero_with_one_line(stack: local_stack.LocalStack, tmp_path: Path) -> None:
    unknown = run("media", "upload", str(FIXTURES / "sample.png"), "--account", "acc-nope")
    assert unknown.exit_code == 2  # nothing to act on
    assert unknown.stderr == "Error: Account 'acc-nope' not found.\n"

    fake = tmp_path / "fake.png"
    fake.write_text("<html>not an image</html>")
    rejected = run("media", "upload", str(fake), "--account", local_stack.DEMO_ACCOUNT_ID)
    assert rejected.exit_code == 1  # tried, and the content was refused
    assert rejected.stderr.startswith("Error: ") and rejected.stderr.count("\n") == 1

    wrong_type = tmp_path / "notes.txt"
    wrong_type.write_text("hello")
    refused = run("media", "upload", str(wrong_type), "--account", local_stack.DEMO_ACCOUNT_ID)
    assert refused.exit_code == 2 and "jpg" in refused.stderr  # a value refused as given

    both = run("media", "upload", str(wrong_type), "--account", local_stack.DEMO_ACCOUNT_ID, "--name", "a\tb")
    assert both.exit_code == 2 and both.stderr.count("\n") == 1
    assert "jpg" in both.stderr and "control characters" in both.stderr  # every message, one line

    missing = run("media", "upload", str(tmp_path / "nope.png"), "--account", local_stack.DEMO_ACCOUNT_ID)
    assert missing.exit_code == 2


@pytest.mark.slow
def stopped_stack_with_an_account(data: Path, name: str) -> tuple[local_stack.LocalStack, str]:
    """A persisting stack on ``data`` that made the account ``name`` and stopped; with its id."""
    from chalicelib import accounts

    stack = local_stack.LocalStack(data, events=False)
    stack.start()
    account, _ = accounts.create_account(name)
    stack.stop()
    return stack, account.account_id


def test_local_stack_keeps_the_demo_key_and_data_across_restarts(tmp_path: Path) -> None:
    from chalicelib import accounts, auth

    with restored_environment():
        first, account_id = stopped_stack_with_an_account(tmp_path, "Kept")

        second = local_stack.LocalStack(tmp_path, events=False)
        second.start()
        try:
            assert second.demo_key == first.demo_key
            assert accounts.require_account(account_id).name == "Kept"
            assert (tmp_path / "demo-key").stat().st_mode & 0o777 == 0o600
            auth.revoke(second.demo_key)
        finally:
            second.stop()

        third = local_stack.LocalStack(tmp_path, events=False)
        third.start()
        try:  # a revoked demo key is replaced, never printed as if it worked
            assert third.demo_key != first.demo_key
            assert auth.authenticate(third.demo_key) == local_stack.DEMO_ACCOUNT_ID
        finally:
            third.stop()


def test_a_stack_that_does_not_persist_neither_restores_nor_writes_a_snapshot(tmp_path: Path) -> None:
    from chalicelib import accounts

    with restored_environment():
        _, account_id = stopped_stack_with_an_account(tmp_path, "Kept")
        written = sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*"))

        throwaway = local_stack.LocalStack(tmp_path, events=False, persist=False)
        throwaway.start()
        try:
            assert throwaway.restored == {}
            with pytest.raises(accounts.AccountNotFound):
                accounts.require_account(account_id)
            accounts.create_account("Gone")
        finally:
            throwaway.stop()
        assert throwaway.saved is None
        assert sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*")) == written


def test_stage_environment_merges_the_stage_over_the_top_level(tmp_path: Path) -> None:
    (tmp_path / ".chalice").mkdir()
    config = {
        "environment_variables": {"MEDIA_REGION": "eu-west-1", "MEDIA_BUCKET": "shared"},
        "stages": {"prod": {"environment_variables": {"MEDIA_BUCKET": "media-prod"}}},
    }
    (tmp_path / ".chalice" / "config.json").write_text(json.dumps(config))
    env = targets.stage_environment("prod", tmp_path)
    assert env == {"MEDIA_REGION": "eu-west-1", "MEDIA_BUCKET": "media-prod"}
    with pytest.raises(targets.TargetUnavailable, match="prod"):
        targets.stage_environment("staging", tmp_path)
    assert targets.stage_environment("prod", tmp_path / "elsewhere") == {}


@pytest.mark.slow
def test_reconcile_removes_an_orphan_object_and_reports_it(stack: local_stack.LocalStack) -> None:
    from chalicelib import storage

    created = run_json("accounts", "create", "--name", "Orphans")
    stray = f"media/{created['account_id']}/images/1700000000_{'ef' * 16}.png"
    storage.store().put_object(stray, png_bytes(), "image/png")
    report = run_json("reconcile", "--min-age", "0")
    assert report["removed_objects"] == [stray]
    assert report["fixed"] == 1
    again = run("reconcile", "--min-age", "0")
    assert again.exit_code == 0
    assert "Nothing to fix." in again.output


def test_a_database_failure_exits_1_with_its_cause(stack: local_stack.LocalStack) -> None:
    dynamodb = stack_client(stack, "dynamodb")
    dynamodb.delete_table(TableName=f"{local_stack.TABLE_PREFIX}-accounts")
    for args in (("accounts", "list"), ("accounts", "show", local_stack.DEMO_ACCOUNT_ID, "--json")):
        failed = run(*args)
        assert failed.exit_code == 1
        assert failed.stdout == ""
        assert failed.stderr.startswith("Error: The database is temporarily unavailable.")
        assert "not found" in failed.stderr.lower() and failed.stderr.count("\n") == 1


def test_backfill_reads_the_codecs_of_files_recorded_before_the_probe_read_them(
    stack: local_stack.LocalStack, tmp_path: Path
) -> None:
    from chalicelib.models import MediaItem, bind

    phone = tmp_path / "phone.mov"
    phone.write_bytes((FIXTURES / "hevc-rotated-90.mov").read_bytes())
    media = run_json("media", "upload", str(phone), "--account", local_stack.DEMO_ACCOUNT_ID)
    bind()
    item = MediaItem.get(local_stack.DEMO_ACCOUNT_ID, media["id"])
    # As an older release recorded it: no codecs, no traits, no delivery, no channels.
    item.metadata = {k: v for k, v in item.metadata.items() if not k.endswith("_codec")}
    item.traits = item.delivery_status = item.channels = None
    item.save()
    old = run_json("media", "list", "--account", local_stack.DEMO_ACCOUNT_ID)[0]
    assert "video_codec" not in old["metadata"] and old["delivery"]["status"] == "ready"
    done = run_json("media", "backfill", "--account", local_stack.DEMO_ACCOUNT_ID, "--make")
    assert (len(done["probed"]), len(done["made"]), done["errors"]) == (1, 1, [])
    now = run_json("media", "list", "--account", local_stack.DEMO_ACCOUNT_ID)[0]
    assert (now["metadata"]["video_codec"], now["metadata"]["audio_codec"]) == ("hevc", "aac")
    assert now["delivery"]["status"] == "ready" and now["delivery"]["channels"]["whatsapp"]["source"] == "rendition"
    assert run_json("media", "backfill")["probed"] == []  # safe to run again
