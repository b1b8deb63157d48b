"""manage.py's ``accounts`` group: create, list, show, set-limit.

Each command parses its arguments, calls one function of chalicelib.accounts
and prints the result (a table or a sentence; ``--json`` for scripts).
"""

from __future__ import annotations

from typing import Any

import click

from ops.cli import USAGE, Count, emit, fail, json_option, operation
from ops.keys_cli import key_table
from ops.tables import Column, fields, short_time, shown, table

#: A command that takes a number as an argument reads "-5" as a value (then refused
#: with a clear message), not as an unknown option.
NUMBER_ARGUMENTS = {"ignore_unknown_options": True}


def _limit(data: dict[str, Any]) -> str:
    return "none" if data["media_limit"] is None else str(data["media_limit"])


def _files(usage: dict[str, Any]) -> str:
    return f"{usage['files']} ({_count(usage['images'], 'image')}, {_count(usage['videos'], 'video')})"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _account_text(data: dict[str, Any]) -> str:
    """An account as label/value lines (accounts show, set-limit), then its keys if given."""
    usage = data["usage"]
    lines = fields(
        [
            ("Account", data["account_id"]),
            ("Name", data["name"]),
            ("Created", f"{short_time(data['created_at'])} UTC"),
            ("Files", _files(usage)),
            ("Stored", f"{usage['formatted_bytes']} ({usage['bytes']} bytes)"),
            ("Limit", "none (unlimited)" if data["media_limit"] is None else data["media_limit"]),
            ("Remaining", data["remaining"]),
        ]
    )
    if "keys" not in data:
        return lines
    keys = data["keys"]
    return f"{lines}\n\nKeys ({len(keys)}):\n{key_table(keys) if keys else 'No keys.'}"


# -- accounts ----------------------------------------------------------------


@click.group()
def accounts() -> None:
    """Create accounts, read their usage and set their plan limits.

    \b
    Examples:
      manage.py accounts list
      manage.py accounts show acc0123456789ab
      manage.py accounts create --name "Acme" --media-limit 500
      manage.py accounts set-limit acc0123456789ab none
    """


@accounts.command("create")
@click.option("--name", required=True, help="Display name: 1..255 characters, no control or invisible characters.")
@click.option(
    "--media-limit",
    type=Count(0, unlimited=True),
    help="Plan limit: the number of files the account may hold, 0 or more, or none (the default).",
)
@click.option(
    "--allow-duplicate-name",
    is_flag=True,
    help="Create it even when an account already has this name (any case).",
)
@json_option
@operation
def accounts_create(name: str, media_limit: int | None, allow_duplicate_name: bool, as_json: bool) -> None:
    """Create an account and its first API key (the key is shown once).

    A name another account already has (any case) is refused (exit 2, naming
    that account) unless --allow-duplicate-name: running the same command twice
    should not make two customers. JSON: {"account_id", "api_key"}.

    \b
    Examples:
      manage.py accounts create --name "Acme"
      manage.py accounts create --name "Acme" --media-limit 500 --json
      manage.py accounts create --name "Acme" --allow-duplicate-name
    """
    from chalicelib import accounts as library

    if not allow_duplicate_name:
        # One scan of the accounts table; two operators racing can still both pass (it is a
        # guard against the repeated command, not a uniqueness constraint).
        wanted = name.strip().casefold()
        same = [a.account_id for a in library.list_accounts() if a.name.strip().casefold() == wanted]
        if same:
            fail(
                f'An account named "{shown(name.strip())}" already exists: {", ".join(same)}. '
                "Use it, or pass --allow-duplicate-name to create another.",
                USAGE,
            )

    account, issued = library.create_account(name, media_limit)
    data = {"account_id": account.account_id, "api_key": issued.api_key}
    text = (
        f"Created account {account.account_id} ({shown(account.name)}).\n"
        f"API key (shown once, store it now): {issued.api_key}"
    )
    emit(data, as_json, text)


@accounts.command("list")
@json_option
@operation
def accounts_list(as_json: bool) -> None:
    """List every account with its usage, by name.

    JSON: an array of accounts, each {"account_id", "name", "created_at",
    "media_limit", "remaining", "usage": {"files", "images", "videos",
    "bytes", "formatted_bytes"}} (media_limit and remaining are null when
    unlimited).

    \b
    Examples:
      manage.py accounts list
      manage.py --stage prod accounts list --json
    """
    from chalicelib import accounts as library
    from chalicelib.presenters import admin_account_json

    rows = [admin_account_json(account) for account in library.list_accounts()]
    columns = [
        Column("ID"),
        Column("NAME", shrinks=True),
        Column("FILES", numeric=True),
        Column("IMAGES", numeric=True),
        Column("VIDEOS", numeric=True),
        Column("STORED", numeric=True),
        Column("LIMIT", numeric=True),
        Column("LEFT", numeric=True),
    ]
    lines = [
        (
            row["account_id"],
            row["name"],
            row["usage"]["files"],
            row["usage"]["images"],
            row["usage"]["videos"],
            row["usage"]["formatted_bytes"],
            _limit(row),
            row["remaining"],
        )
        for row in rows
    ]
    emit(rows, as_json, table(columns, lines) if rows else "No accounts.")


@accounts.command("show")
@click.argument("account_id")
@json_option
@operation
def accounts_show(account_id: str, as_json: bool) -> None:
    """Show an account: usage, plan limit, what is left, and its API keys.

    JSON: the object of `accounts list` plus "keys": an array of {"prefix",
    "created_at", "last_used_at", "revoked_at"} (keys are stored hashed: only prefixes).

    \b
    Examples:
      manage.py accounts show acc0123456789ab
      manage.py accounts show acc0123456789ab --json
    """
    from chalicelib import accounts as library
    from chalicelib.presenters import admin_account_json

    data = admin_account_json(library.require_account(account_id), library.list_keys(account_id))
    emit(data, as_json, _account_text(data))


@accounts.command("set-limit", context_settings=NUMBER_ARGUMENTS)
@click.argument("account_id")
@click.argument("limit", metavar="LIMIT", type=Count(0, unlimited=True))
@json_option
@operation
def accounts_set_limit(account_id: str, limit: int | None, as_json: bool) -> None:
    """Set an account's plan limit: LIMIT files (0 or more), or none for unlimited.

    Files beyond a lowered limit stay; new uploads are refused until the
    account is under it. JSON: the account, as in `accounts list`.

    \b
    Examples:
      manage.py accounts set-limit acc0123456789ab 1000
      manage.py accounts set-limit acc0123456789ab none --json
    """
    from chalicelib import accounts as library
    from chalicelib.presenters import admin_account_json

    data = admin_account_json(library.set_limit(account_id, limit))
    emit(data, as_json, _account_text(data))
