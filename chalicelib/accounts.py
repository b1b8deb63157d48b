"""Account and key administration (the ops CLI's use cases)."""

from __future__ import annotations

import secrets
from typing import Any

from chalicelib import auth, records
from chalicelib.errors import AccountNotFound, InvalidInput
from chalicelib.media import now_iso
from chalicelib.models import Account


def _limit_value(limit: int | None) -> int | None:
    if limit is not None and limit < 0:
        raise InvalidInput({"media_limit": ["The media limit must be 0 or more (or none)."]})
    return limit


def create_account(
    name: str, media_limit: int | None = None, *, account_id: str | None = None
) -> tuple[Account, auth.IssuedKey]:
    """A new account and its first API key (shown once)."""
    if not name.strip():
        raise InvalidInput({"name": ["The name field is required."]})
    account = Account(
        account_id or f"acc{secrets.token_hex(6)}",
        name=name.strip(),
        media_limit=_limit_value(media_limit),
        created_at=now_iso(),
    )
    records.put_account(account)
    return account, auth.issue_key(account.account_id)


def require_account(account_id: str) -> Account:
    account = records.get_account(account_id)
    if account is None:
        raise AccountNotFound(f"Account {account_id!r} not found.")
    return account


def set_limit(account_id: str, limit: int | None) -> Account:
    updated = records.set_media_limit(account_id, _limit_value(limit))
    if updated is None:
        raise AccountNotFound(f"Account {account_id!r} not found.")
    return updated


def issue_key(account_id: str) -> auth.IssuedKey:
    require_account(account_id)
    return auth.issue_key(account_id)


def list_keys(account_id: str) -> list[dict[str, Any]]:
    require_account(account_id)
    return [
        {"prefix": k.prefix, "created_at": k.created_at, "revoked_at": k.revoked_at}
        for k in records.list_api_keys(account_id)
    ]


def account_json(account: Account) -> dict[str, Any]:
    return {
        "account_id": account.account_id,
        "name": account.name,
        "media_limit": None if account.media_limit is None else int(account.media_limit),
        "media_count": int(account.media_count or 0),
        "image_count": int(account.image_count or 0),
        "video_count": int(account.video_count or 0),
        "bytes_used": int(account.bytes_used or 0),
    }
