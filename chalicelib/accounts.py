"""Accounts: the plan a client may read (GET /api/v1/account), the room an upload needs, and
the administration of accounts and keys (the ops CLI's use cases).

Every function takes and returns plain values (chalicelib.domain.values);
chalicelib.presenters makes the JSON the API and the ops CLI print.
"""

from __future__ import annotations

import secrets
from typing import Any

from chalicelib import auth, records, telemetry
from chalicelib.domain import clock
from chalicelib.domain.fields import name_errors
from chalicelib.domain.formats import file_type
from chalicelib.domain.values import Account, ApiKey, MediaFile
from chalicelib.errors import AccountNotFound, InvalidInput, KeyNotFound, MediaLimitReached


def _limit_value(limit: int | None) -> int | None:
    if limit is not None and limit < 0:
        raise InvalidInput({"media_limit": ["The media limit must be 0 or more (or none)."]})
    return limit


def _name_value(name: Any) -> str:
    """An account's display name, by the rules of a media name (1..255 characters once
    trimmed, no control or bidi characters): it is shown in consoles and dashboards too."""
    problems = name_errors(name)
    if problems:
        raise InvalidInput({"name": problems})
    return str(name).strip()


def create_account(
    name: str, media_limit: int | None = None, *, account_id: str | None = None
) -> tuple[Account, auth.IssuedKey]:
    """A new account and its first API key (shown once)."""
    account = Account(
        account_id or f"acc{secrets.token_hex(6)}",
        _name_value(name),
        clock.now_text(),
        media_limit=_limit_value(media_limit),
    )
    records.store().put_account(account)
    return account, auth.issue_key(account.account_id)


def require_account(account_id: str) -> Account:
    account = records.store().get_account(account_id)
    if account is None:
        raise AccountNotFound(f"Account {account_id!r} not found.")
    return account


def require_room(account_id: str, route: str) -> Account:
    """The account, or MediaLimitReached (403) when its plan is already full: refused early,
    before any byte is stored. The transaction that records a file checks again."""
    account = records.store().get_account(account_id)
    if account is None:
        raise AccountNotFound()
    if not account.has_room():
        telemetry.plan_limit_refused(route)
        raise MediaLimitReached(account.media_limit or 0, account.media_count)
    return account


def set_limit(account_id: str, limit: int | None) -> Account:
    updated = records.store().set_media_limit(account_id, _limit_value(limit))
    if updated is None:
        raise AccountNotFound(f"Account {account_id!r} not found.")
    return updated


def issue_key(account_id: str) -> auth.IssuedKey:
    require_account(account_id)
    return auth.issue_key(account_id)


def revoke_key(key_or_prefix: str) -> list[ApiKey]:
    """Revoke a key given in full or by its display prefix; the keys revoked, each
    naming the account it belonged to.

    KeyNotFound when nothing was revoked: no such key, or revoked already.
    """
    revoked = auth.revoke_keys(key_or_prefix)
    if not revoked:
        raise KeyNotFound("No active key matches that key or prefix (unknown or already revoked).")
    return revoked


def find_account(account_id: str) -> Account | None:
    return records.store().get_account(account_id)


def list_keys(account_id: str) -> list[ApiKey]:
    """The account's keys, oldest first (stored hashed: only their display prefixes show)."""
    require_account(account_id)
    return records.store().list_api_keys(account_id)


def list_accounts() -> list[Account]:
    """Every account, by name (one scan of the accounts table)."""
    return sorted(records.store().scan_accounts(), key=lambda a: (a.name.casefold(), a.account_id))


def list_media(account_id: str, type_name: str | None = None, *, limit: int = 50) -> list[MediaFile]:
    """An account's newest ``limit`` files (of one type if given)."""
    family = None if type_name is None else file_type(type_name)
    if type_name is not None and family is None:
        raise InvalidInput({"type": ["The type must be one of: image, video."]})
    if limit < 1:
        raise InvalidInput({"limit": ["The limit must be 1 or more."]})
    require_account(account_id)
    return records.store().query_media(account_id, records.MediaQuery(family, limit=limit))
