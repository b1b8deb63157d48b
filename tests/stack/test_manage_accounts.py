"""manage.py's reading commands (accounts list/show, media list), names, limits,
exit codes, --json shapes, tables and help, against one local stack shared by
the module (each test makes its own accounts), driven with click's CliRunner;
one test runs `manage.py` in processes against `manage.py serve`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from chalicelib.domain.fields import NAME_MAX
from manage import cli
from ops import local_stack
from tests.helpers.http import MEDIA_FIELDS
from tests.helpers.manage import KEY_RE, Serve, run, run_json
from tests.helpers.media import FIXTURES
from tests.helpers.servers import free_port

ACCOUNT_FIELDS = {"account_id", "name", "created_at", "media_limit", "remaining", "usage"}
USAGE_FIELDS = {"files", "images", "videos", "bytes", "formatted_bytes"}
KEY_FIELDS = {"prefix", "created_at", "last_used_at", "revoked_at"}
NO_ACCOUNT = "Error: Account 'acc-nope' not found.\n"

pytestmark = pytest.mark.slow(seconds=0.5)  # one local stack for the module


def new_account(name: str = "Acme", *extra: str) -> str:
    return str(run_json("accounts", "create", "--name", name, *extra)["account_id"])


def upload(account_id: str, fixture: str, *extra: str) -> dict[str, Any]:
    return run_json("media", "upload", str(FIXTURES / fixture), "--account", account_id, *extra)


def listed(account_id: str) -> dict[str, Any]:
    found = [row for row in run_json("accounts", "list") if row["account_id"] == account_id]
    assert len(found) == 1
    return found[0]


def commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))


# -- help and --json ---------------------------------------------------------


def test_every_command_has_help_with_examples() -> None:
    found = [("manage.py",)] + [path for path, _ in commands(cli)]
    assert ("accounts", "list") in found and ("media", "list") in found and ("accounts", "show") in found
    for path in found:
        args = [*path[1:], "--help"] if path == ("manage.py",) else [*path, "--help"]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, path
        examples = result.stdout.split("Examples:")[1]
        assert "manage.py " in examples, path


def test_every_command_but_serve_takes_json() -> None:
    leaves = [path for path, command in commands(cli) if not isinstance(command, click.Group)]
    assert len(leaves) == 15
    for path in leaves:
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert ("--json" in result.stdout) is (path != ("serve",)), path


# -- accounts list / show ----------------------------------------------------


def test_accounts_list_shows_usage_limit_and_remaining(stack: Path) -> None:
    account_id = new_account("Zeta Photos", "--media-limit", "5")
    upload(account_id, "sample.png")
    upload(account_id, "sample.mp4")
    rows = run_json("accounts", "list")
    assert all(set(row) == ACCOUNT_FIELDS and set(row["usage"]) == USAGE_FIELDS for row in rows)
    assert [row["name"].casefold() for row in rows] == sorted(row["name"].casefold() for row in rows)
    row = listed(account_id)
    png, mp4 = (FIXTURES / "sample.png").stat().st_size, (FIXTURES / "sample.mp4").stat().st_size
    assert row["name"] == "Zeta Photos" and row["media_limit"] == 5 and row["remaining"] == 3
    assert row["usage"] == {
        "files": 2,
        "images": 1,
        "videos": 1,
        "bytes": png + mp4,
        "formatted_bytes": "5.74 KB",
    }
    demo = listed(local_stack.DEMO_ACCOUNT_ID)
    assert demo["media_limit"] is None and demo["remaining"] is None

    text = run("accounts", "list")
    assert text.exit_code == 0
    assert text.stdout.splitlines()[0].split() == [
        "ID",
        "NAME",
        "FILES",
        "IMAGES",
        "VIDEOS",
        "STORED",
        "LIMIT",
        "LEFT",
    ]
    line = next(line for line in text.stdout.splitlines() if line.startswith(account_id))
    assert line.split() == [account_id, "Zeta", "Photos", "2", "1", "1", "5.74", "KB", "5", "3"]
    demo_line = next(line for line in text.stdout.splitlines() if line.startswith("demo "))
    assert demo_line.split()[-2:] == ["none", "-"]


def test_accounts_show_has_usage_limit_and_keys(stack: Path) -> None:
    created = run_json("accounts", "create", "--name", "Show Me", "--media-limit", "1")
    account_id = created["account_id"]
    upload(account_id, "sample.png")
    second = run_json("keys", "issue", account_id)
    run_json("keys", "revoke", second["prefix"])

    shown = run_json("accounts", "show", account_id)
    assert set(shown) == ACCOUNT_FIELDS | {"keys"}
    assert shown["media_limit"] == 1 and shown["remaining"] == 0 and shown["usage"]["images"] == 1
    assert all(set(key) == KEY_FIELDS for key in shown["keys"])
    assert [key["prefix"] for key in shown["keys"]] == [created["api_key"][:16], second["prefix"]]
    assert shown["keys"][0]["revoked_at"] is None and shown["keys"][1]["revoked_at"] is not None
    assert {k: v for k, v in shown.items() if k != "keys"} == listed(account_id)

    text = run("accounts", "show", account_id).stdout
    assert f"Account    {account_id}" in text and "Name       Show Me" in text
    assert "Files      1 (1 image, 0 videos)" in text and "Stored     233 B (233 bytes)" in text
    assert "Limit      1\n" in text and "Remaining  0\n" in text and "Keys (2):" in text
    key_lines = {line.split()[0]: line for line in text.splitlines() if line.startswith("sk_")}
    assert key_lines[created["api_key"][:16]].endswith("active")
    assert "revoked" in key_lines[second["prefix"]]

    unlimited = run("accounts", "show", local_stack.DEMO_ACCOUNT_ID).stdout
    assert "Limit      none (unlimited)\n" in unlimited and "Remaining  -\n" in unlimited


def test_set_limit_prints_the_account_as_show_does(stack: Path) -> None:
    account_id = new_account("Limited")
    changed = run_json("accounts", "set-limit", account_id, "0")
    assert set(changed) == ACCOUNT_FIELDS and changed["media_limit"] == 0 and changed["remaining"] == 0
    assert run_json("accounts", "set-limit", account_id, "unlimited")["remaining"] is None
    text = run("accounts", "set-limit", account_id, "7").stdout
    assert "Limit      7\n" in text and "Remaining  7" in text


# -- media list --------------------------------------------------------------


def test_media_list_is_newest_first_with_type_and_limit(stack: Path) -> None:
    account_id = new_account("Library")
    logo = upload(account_id, "sample.png", "--name", "Logo", "--as-admin")
    clip = upload(account_id, "sample.mp4")
    photo = upload(account_id, "orientation-6.jpg", "--name", "Beach")

    everything = run_json("media", "list", "--account", account_id)
    assert [m["id"] for m in everything] == [photo["id"], clip["id"], logo["id"]]
    assert all(set(m) == MEDIA_FIELDS for m in everything)
    assert everything[2] == logo  # the MediaFile objects, as upload printed them
    videos = run_json("media", "list", "--account", account_id, "--type", "video")
    assert [m["id"] for m in videos] == [clip["id"]]
    assert [m["id"] for m in run_json("media", "list", "--account", account_id, "--limit", "2")] == [3, 2]

    text = run("media", "list", "--account", account_id).stdout.splitlines()
    assert text[0].split() == ["ID", "NAME", "TYPE", "SIZE", "DIMENSIONS", "BY", "CREATED", "(UTC)"]
    assert text[2].split()[:7] == ["3", "Beach", "image", "592", "B", "60x80", "client"]  # as displayed
    assert text[3].split()[:7] == ["2", "sample.mp4", "video", "5.51", "KB", "64x48", "client"]
    assert text[4].split()[:6] == ["1", "Logo", "image", "233", "B", "50x40"] and "admin" in text[4]
    assert text[4].split()[-2] == logo["created_at"][:10]


def test_media_list_of_an_empty_selection_is_an_empty_array(stack: Path) -> None:
    account_id = new_account("Empty")
    assert run_json("media", "list", "--account", account_id) == []
    upload(account_id, "sample.png")
    assert run_json("media", "list", "--account", account_id, "--type", "video") == []
    text = run("media", "list", "--account", account_id, "--type", "video")
    assert text.exit_code == 0 and text.stdout == f"Account {account_id} has no videos.\n"


# -- names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "The name field is required."),
        ("   ", "The name field is required."),
        ("x" * (NAME_MAX + 1), "The name field must not be greater than 255 characters."),
        ("x" * 5000, "The name field must not be greater than 255 characters."),
        ("Tab\there", "The name field must not contain control characters (U+0009)."),
        ("Line\nbreak", "The name field must not contain control characters (U+000A)."),
        ("invoice\u202egpj.exe", "The name field must not contain control characters (U+202E RIGHT-TO-LEFT OVERRIDE)."),
    ],
)
def test_account_names_are_checked_like_media_names(stack: Path, name: str, message: str) -> None:
    before = len(run_json("accounts", "list"))
    refused = run("accounts", "create", "--name", name)
    assert refused.exit_code == 2
    assert refused.stdout == "" and refused.stderr == f"Error: {message}\n"
    assert len(run_json("accounts", "list")) == before


def test_account_names_are_trimmed_and_may_be_255_characters(stack: Path) -> None:
    assert listed(new_account("  Padded Name  "))["name"] == "Padded Name"
    assert listed(new_account(" " + "é" * NAME_MAX + " "))["name"] == "é" * NAME_MAX


def test_names_are_shown_as_plain_text(stack: Path) -> None:
    from chalicelib import records
    from chalicelib.domain.values import Account

    markup = new_account("[bold red]Acme[/] :smile:")
    # A name stored before names were checked still cannot reach the terminal raw.
    records.store().put_account(Account("acc-legacy-name", "Old\x1b[2JName\u202e", "2020-01-01T00:00:00.000000Z"))
    text = run("accounts", "list", env={"COLUMNS": "400"}).stdout  # wide enough for every name
    assert "[bold red]Acme[/] :smile:" in next(line for line in text.splitlines() if line.startswith(markup))
    legacy = next(line for line in text.splitlines() if line.startswith("acc-legacy-name"))
    assert "Old\\x1b[2JName\\u202e" in legacy and "\x1b" not in text
    assert listed("acc-legacy-name")["name"] == "Old\x1b[2JName\u202e"  # the JSON has it as stored


# -- numbers -----------------------------------------------------------------


def test_set_limit_refuses_negative_numbers_with_a_clear_message(stack: Path) -> None:
    account_id = new_account("Negative", "--media-limit", "3")
    for extra in ((), ("--json",)):
        refused = run("accounts", "set-limit", account_id, "-5", *extra)
        assert refused.exit_code == 2
        assert refused.stdout == ""
        assert refused.stderr.endswith("\nError: LIMIT must be 0 or more (or none).\n")
        assert "No such option" not in refused.stderr
    not_a_number = run("accounts", "set-limit", account_id, "lots")
    assert not_a_number.exit_code == 2
    assert "Error: LIMIT must be a whole number, 0 or more (or none); got 'lots'." in not_a_number.stderr
    assert listed(account_id)["media_limit"] == 3  # nothing changed


def test_media_limit_and_list_limit_refuse_what_they_cannot_mean(stack: Path) -> None:
    before = len(run_json("accounts", "list"))
    refused = run("accounts", "create", "--name", "Minus", "--media-limit", "-1")
    assert refused.exit_code == 2 and refused.stderr.endswith("\nError: --media-limit must be 0 or more (or none).\n")
    assert len(run_json("accounts", "list")) == before
    assert listed(new_account("Zero", "--media-limit", "0"))["remaining"] == 0
    assert listed(new_account("None", "--media-limit", "none"))["media_limit"] is None
    for value in ("0", "-3"):
        bad = run("media", "list", "--account", local_stack.DEMO_ACCOUNT_ID, "--limit", value)
        assert bad.exit_code == 2 and bad.stderr.endswith("\nError: --limit must be 1 or more.\n")
    bad_type = run("media", "list", "--account", local_stack.DEMO_ACCOUNT_ID, "--type", "audio")
    assert bad_type.exit_code == 2 and "'audio' is not one of 'image', 'video'" in bad_type.stderr


# -- exit codes --------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("accounts", "show", "acc-nope"),
        ("accounts", "set-limit", "acc-nope", "3"),
        ("keys", "issue", "acc-nope"),
        ("keys", "list", "acc-nope"),
        ("media", "list", "--account", "acc-nope"),
        ("media", "upload", str(FIXTURES / "sample.png"), "--account", "acc-nope"),
    ],
)
def test_an_unknown_account_exits_2_with_one_line(stack: Path, args: tuple[str, ...]) -> None:
    for extra in ((), ("--json",)):
        result = run(*args, *extra)
        assert result.exit_code == 2
        assert result.stdout == "" and result.stderr == NO_ACCOUNT


def test_keys_revoke_exits_2_when_there_is_nothing_to_revoke(stack: Path) -> None:
    account_id = new_account("Keys")
    issued = run_json("keys", "issue", account_id)
    assert KEY_RE.match(issued["api_key"])
    assert run_json("keys", "revoke", issued["api_key"]) == {
        "revoked": [issued["prefix"]],
        "account_id": account_id,
        "account_name": "Keys",
    }
    gone = "Error: No active key matches that key or prefix (unknown or already revoked).\n"
    for value in (issued["api_key"], issued["prefix"], "sk_live_" + "Q" * 43, "sk_live_Unknown1"):
        result = run("keys", "revoke", value, "--json")
        assert result.exit_code == 2 and result.stdout == "" and result.stderr == gone
    malformed = run("keys", "revoke", "nonsense")
    assert malformed.exit_code == 2
    assert malformed.stderr == "Error: Give the full key or its 16-character prefix (e.g. sk_live_AbCdEfGh).\n"


def test_a_refused_operation_exits_1(stack: Path) -> None:
    account_id = new_account("Full", "--media-limit", "0")
    full = run("media", "upload", str(FIXTURES / "sample.png"), "--account", account_id, "--json")
    assert full.exit_code == 1 and full.stdout == ""
    assert full.stderr.startswith("Error: Your plan allows 0 media files and 0 are in use.")
    assert run_json("media", "list", "--account", account_id) == []


# -- tables ------------------------------------------------------------------


@pytest.mark.parametrize("columns", [80, 120])
def test_tables_fit_the_terminal(stack: Path, columns: int) -> None:
    long_name = "Long " * 51  # 255 characters
    account_id = new_account(long_name, "--allow-duplicate-name")  # one per width, same name
    upload(account_id, "sample.png", "--name", long_name)
    env = {"COLUMNS": str(columns)}
    for args in (
        ("accounts", "list"),
        ("accounts", "show", account_id),
        ("keys", "list", account_id),
        ("media", "list", "--account", account_id),
    ):
        result = run(*args, env=env)
        assert result.exit_code == 0
        widths = [cell_len(line) for line in result.stdout.splitlines()]
        assert max(widths) <= columns, (args, max(widths))
    listing = run("accounts", "list", env=env).stdout
    row = next(line for line in listing.splitlines() if line.startswith(account_id))
    assert "Long Long" in row and "…" in row  # cut, with the ids and numbers whole
    assert row.split()[-2:] == ["none", "-"]
    media_row = run("media", "list", "--account", account_id, env=env).stdout.splitlines()[2]
    assert "…" in media_row and media_row.split()[-4:-2] == ["50x40", "client"]


# -- as a user runs it -------------------------------------------------------


def test_manage_py_in_processes_against_serve(tmp_path: Path) -> None:
    with open(tmp_path / "serve.log", "w") as log:
        server = Serve(free_port(), tmp_path / "data", log)
        try:
            server.wait_for_demo_key()
            negative = server.manage("accounts", "set-limit", "demo", "-5")
            assert negative.returncode == 2 and negative.stdout == ""
            assert negative.stderr.endswith("Error: LIMIT must be 0 or more (or none).\n")
            accounts = server.manage("accounts", "list", "--json")
            assert accounts.returncode == 0, accounts.stderr
            assert [row["account_id"] for row in json.loads(accounts.stdout)] == ["demo"]
            empty = server.manage("media", "list", "--account", "demo", "--json")
            assert empty.returncode == 0 and json.loads(empty.stdout) == []
            unknown = server.manage("accounts", "show", "acc-nope")
            assert (unknown.returncode, unknown.stderr) == (2, NO_ACCOUNT)
            assert server.interrupt() == 0
        finally:
            server.kill()
