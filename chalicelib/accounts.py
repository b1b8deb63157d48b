"""Accounts: what a client may know of its own (GET /api/v1/account), and the
administration of accounts and keys (the ops CLI's use cases)."""

from __future__ import annotations

import secrets
from typing import Any

from chalicelib import auth, records
from chalicelib.config import get_settings
from chalicelib.errors import AccountNotFound, InvalidInput
from chalicelib.media import EXTENSIONS, FILE_TYPES, formatted_size, now_iso
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


def usage_json(account: Account) -> dict[str, Any]:
    """The account's counters as DESIGN §3.8's ``usage`` (never negative)."""
    size = max(0, int(account.bytes_used or 0))
    return {
        "files": max(0, int(account.media_count or 0)),
        "images": max(0, int(account.image_count or 0)),
        "videos": max(0, int(account.video_count or 0)),
        "bytes": size,
        "formatted_bytes": formatted_size(size),
    }


def describe_account(account_id: str) -> dict[str, Any]:
    """GET /api/v1/account: name, plan, usage and the limits a client must respect (one read)."""
    account = require_account(account_id)
    settings = get_settings()
    usage = usage_json(account)
    limit = None if account.media_limit is None else int(account.media_limit)
    return {
        "name": account.name,
        "media_limit": limit,
        "remaining": None if limit is None else max(0, limit - usage["files"]),
        "usage": usage,
        "limits": {
            "max_file_size": settings.max_file_size,
            "direct_upload_max_bytes": settings.direct_upload_max_bytes,
            "upload_expires_seconds": settings.upload_expires_seconds,
            "extensions": {family: [e for e, f in EXTENSIONS.items() if f == family] for family in FILE_TYPES},
        },
    }
