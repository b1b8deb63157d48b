"""Accounts and API keys."""

from __future__ import annotations

from chalicelib.models import Account, ApiKey
from chalicelib.records.base import get_or_none, translated, update_if


@translated
def get_account(account_id: str) -> Account | None:
    return get_or_none(Account, account_id)


@translated
def put_account(account: Account) -> None:
    account.save(condition=Account.account_id.does_not_exist())


@translated
def set_media_limit(account_id: str, limit: int | None) -> Account | None:
    """Set (or remove: None) the plan limit; None when there is no such account."""
    account = Account(account_id)
    action = Account.media_limit.remove() if limit is None else Account.media_limit.set(limit)
    return account if update_if(account, [action], Account.account_id.exists()) else None


@translated
def scan_accounts() -> list[Account]:
    # A list, not a generator: `translated` only sees what fails before it returns,
    # and a generator's scan runs after that (a ScanError would escape untranslated).
    return list(Account.scan())


@translated
def put_api_key(key: ApiKey) -> None:
    key.save(condition=ApiKey.key_hash.does_not_exist())


@translated
def get_api_key(key_hash: str) -> ApiKey | None:
    return get_or_none(ApiKey, key_hash)


@translated
def list_api_keys(account_id: str) -> list[ApiKey]:
    return list(ApiKey.by_account.query(account_id))


@translated
def revoke_api_key(key_hash: str, when: str) -> bool:
    """Mark a key revoked; False when it was unknown or already revoked."""
    condition = ApiKey.key_hash.exists() & ApiKey.revoked_at.does_not_exist()
    return update_if(ApiKey(key_hash), [ApiKey.revoked_at.set(when)], condition)


@translated
def scan_api_keys() -> list[ApiKey]:
    return list(ApiKey.scan())  # a list, for the reason given at scan_accounts
