"""Accounts: what a client may know of its own (GET /api/v1/account), and the
administration of accounts, keys and an account's library (the ops CLI's use cases).

Every function takes and returns plain values; the ops CLI calls one of them per command.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from chalicelib import auth, records, uploads
from chalicelib.config import get_settings
from chalicelib.errors import AccountNotFound, ContentRejected, InvalidInput, KeyNotFound
from chalicelib.media import EXTENSIONS, FILE_TYPES, formatted_size, media_json, name_errors, now_iso
from chalicelib.models import Account
from chalicelib.states import Uploader


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
        name=_name_value(name),
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


def revoke_key(key_or_prefix: str) -> list[str]:
    """Revoke a key given in full or by its display prefix; the prefixes revoked.

    KeyNotFound when nothing was revoked: no such key, or revoked already.
    """
    revoked = auth.revoke(key_or_prefix)
    if not revoked:
        raise KeyNotFound("No active key matches that key or prefix (unknown or already revoked).")
    return revoked


def _keys_json(account_id: str) -> list[dict[str, Any]]:
    """The account's keys, oldest first; only their display prefixes (keys are stored hashed)."""
    return [
        {"prefix": k.prefix, "created_at": k.created_at, "revoked_at": k.revoked_at}
        for k in records.list_api_keys(account_id)
    ]


def list_keys(account_id: str) -> list[dict[str, Any]]:
    require_account(account_id)
    return _keys_json(account_id)


def account_json(account: Account) -> dict[str, Any]:
    """An account as the ops CLI shows it: plan, usage (DESIGN §3.8's shape) and what is left."""
    usage = usage_json(account)
    limit = None if account.media_limit is None else int(account.media_limit)
    return {
        "account_id": account.account_id,
        "name": account.name,
        "created_at": account.created_at,
        "media_limit": limit,
        "remaining": _remaining(limit, usage["files"]),
        "usage": usage,
    }


def list_accounts() -> list[dict[str, Any]]:
    """Every account with its usage, by name (one scan of the accounts table)."""
    found = sorted(records.scan_accounts(), key=lambda a: (a.name.casefold(), a.account_id))
    return [account_json(account) for account in found]


def describe(account_id: str) -> dict[str, Any]:
    """One account: plan, usage, what is left, and its keys (prefix, created, revoked)."""
    return {**account_json(require_account(account_id)), "keys": _keys_json(account_id)}


def list_media(account_id: str, file_type: str | None = None, *, limit: int = 50) -> list[dict[str, Any]]:
    """An account's newest ``limit`` files (of one type if given), as MediaFile objects."""
    if file_type is not None and file_type not in FILE_TYPES:
        raise InvalidInput({"type": [f"The type must be one of: {', '.join(FILE_TYPES)}."]})
    if limit < 1:
        raise InvalidInput({"limit": ["The limit must be 1 or more."]})
    require_account(account_id)
    return [media_json(record) for record in records.query_media(account_id, file_type, limit=limit)]


def upload_file(account_id: str, path: Path, name: str | None = None, *, as_admin: bool = False) -> dict[str, Any]:
    """Upload a local file into an account's library (the ops CLI); the MediaFile.

    The bytes are checked like any upload (type sniffed from the content,
    MEDIA_MAX_FILE_SIZE, plan limit); the direct route's request-size cap does
    not apply, there is no API Gateway in between.
    """
    require_account(account_id)
    limit = get_settings().max_file_size
    size = path.stat().st_size
    if size > limit:  # refuse before reading a huge file into memory
        raise ContentRejected("file_too_large", f"{path.name} is {size} bytes; the limit is {limit} bytes.")
    uploaded_by = Uploader.ADMIN if as_admin else Uploader.CLIENT
    return uploads.upload_direct(account_id, path.name, path.read_bytes(), name, uploaded_by=uploaded_by)


def _remaining(limit: int | None, files: int) -> int | None:
    return None if limit is None else max(0, limit - files)


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
        "remaining": _remaining(limit, usage["files"]),
        "usage": usage,
        "limits": {
            "max_file_size": settings.max_file_size,
            "direct_upload_max_bytes": settings.direct_upload_max_bytes,
            "upload_expires_seconds": settings.upload_expires_seconds,
            "extensions": {family: [e for e, f in EXTENSIONS.items() if f == family] for family in FILE_TYPES},
        },
    }
