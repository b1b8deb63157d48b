"""manage.py's ``keys`` group: issue, list, revoke."""

from __future__ import annotations

from typing import Any

import click

from ops.cli import emit, json_option, operation
from ops.tables import Column, short_time, shown, table


def key_table(keys: list[dict[str, Any]]) -> str:
    """Keys as rows: the display prefix (what `keys revoke` takes), when it was created,
    when last used (to within 5 minutes), active or when revoked."""
    rows = [(key["prefix"], short_time(key["created_at"]), _last_used(key), _status(key)) for key in keys]
    return table([Column("PREFIX"), Column("CREATED (UTC)"), Column("LAST USED (UTC)"), Column("STATUS")], rows)


def _last_used(key: dict[str, Any]) -> str:
    return short_time(key["last_used_at"]) if key.get("last_used_at") else "never"


def _status(key: dict[str, Any]) -> str:
    return f"revoked {short_time(key['revoked_at'])}" if key["revoked_at"] else "active"


@click.group()
def keys() -> None:
    """Issue, list and revoke API keys.

    \b
    Examples:
      manage.py keys issue acc0123456789ab
      manage.py keys list acc0123456789ab
      manage.py keys revoke sk_live_AbCdEfGh
    """


@keys.command("issue")
@click.argument("account_id")
@json_option
@operation
def keys_issue(account_id: str, as_json: bool) -> None:
    """Issue a new API key for an account (shown once).

    JSON: {"account_id", "api_key", "prefix", "created_at"}.

    \b
    Examples:
      manage.py keys issue acc0123456789ab
      manage.py keys issue acc0123456789ab --json
    """
    from chalicelib import accounts as library

    issued = library.issue_key(account_id)
    data = {
        "account_id": issued.account_id,
        "api_key": issued.api_key,
        "prefix": issued.prefix,
        "created_at": issued.created_at,
    }
    emit(data, as_json, f"API key for {account_id} (shown once, store it now): {issued.api_key}")


@keys.command("revoke")
@click.argument("key_or_prefix")
@json_option
@operation
def keys_revoke(key_or_prefix: str, as_json: bool) -> None:
    """Revoke a key, given in full or by its 16-character prefix (sk_live_AbCdEfGh), and
    say whose it was.

    A prefix must match exactly one active key. An unknown or already revoked
    key exits with 2. JSON: {"revoked": [prefix], "account_id", "account_name"}.

    \b
    Examples:
      manage.py keys revoke sk_live_AbCdEfGh
      manage.py keys revoke "$KEY" --json
    """
    from chalicelib import accounts as library

    revoked = library.revoke_key(key_or_prefix)
    account_id = revoked[0].account_id  # a full key or a prefix names one key
    account = library.find_account(account_id)
    name = account.name if account is not None else None
    data = {"revoked": [key.prefix for key in revoked], "account_id": account_id, "account_name": name}
    owner = f"account {account_id}" + (f" ({shown(name)})" if name is not None else "")
    emit(data, as_json, "\n".join(f"Revoked {key.prefix}, a key of {owner}." for key in revoked))


@keys.command("list")
@click.argument("account_id")
@json_option
@operation
def keys_list(account_id: str, as_json: bool) -> None:
    """List an account's keys, oldest first (prefixes only: keys are stored hashed), with
    when each was last used (to within 5 minutes; never: null).

    JSON: an array of {"prefix", "created_at", "last_used_at", "revoked_at"}.

    \b
    Examples:
      manage.py keys list acc0123456789ab
      manage.py keys list acc0123456789ab --json
    """
    from chalicelib import accounts as library
    from chalicelib.presenters import key_json

    rows = [key_json(key) for key in library.list_keys(account_id)]
    emit(rows, as_json, key_table(rows) if rows else f"Account {account_id} has no keys.")
