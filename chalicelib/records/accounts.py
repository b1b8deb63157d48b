"""Accounts and API keys."""

from __future__ import annotations

from collections.abc import Iterator

from chalicelib.domain.values import Account, ApiKey
from chalicelib.models import AccountItem, ApiKeyItem
from chalicelib.records.base import get_or_none, translated, update_if


def account_of(item: AccountItem) -> Account:
    """The value a stored account item holds (counters never below zero)."""
    return Account(
        account_id=item.account_id,
        name=item.name,
        created_at=item.created_at,
        media_limit=None if item.media_limit is None else int(item.media_limit),
        media_count=max(0, int(item.media_count or 0)),
        image_count=max(0, int(item.image_count or 0)),
        video_count=max(0, int(item.video_count or 0)),
        bytes_used=max(0, int(item.bytes_used or 0)),
    )


def key_of(item: ApiKeyItem) -> ApiKey:
    return ApiKey(item.key_hash, item.account_id, item.prefix, item.created_at, item.revoked_at, item.last_used_at)


class AccountRecords:
    """Accounts and API keys (part of records.dynamo.DynamoRecords)."""

    @translated
    def get_account(self, account_id: str) -> Account | None:
        item = get_or_none(AccountItem, account_id)
        return None if item is None else account_of(item)

    @translated
    def put_account(self, account: Account) -> None:
        """Store a new account (its counters start at zero)."""
        item = AccountItem(
            account.account_id, name=account.name, media_limit=account.media_limit, created_at=account.created_at
        )
        item.save(condition=AccountItem.account_id.does_not_exist())

    @translated
    def set_media_limit(self, account_id: str, limit: int | None) -> Account | None:
        """Set (or remove: None) the plan limit; None when there is no such account."""
        item = AccountItem(account_id)
        action = AccountItem.media_limit.remove() if limit is None else AccountItem.media_limit.set(limit)
        return account_of(item) if update_if(item, [action], AccountItem.account_id.exists()) else None

    @translated
    def scan_accounts(self) -> Iterator[Account]:
        for item in AccountItem.scan():
            yield account_of(item)

    @translated
    def put_api_key(self, key: ApiKey) -> None:
        item = ApiKeyItem(key.key_hash, account_id=key.account_id, prefix=key.prefix, created_at=key.created_at)
        item.save(condition=ApiKeyItem.key_hash.does_not_exist())

    @translated
    def get_api_key(self, key_hash: str) -> ApiKey | None:
        item = get_or_none(ApiKeyItem, key_hash)
        return None if item is None else key_of(item)

    @translated
    def list_api_keys(self, account_id: str) -> list[ApiKey]:
        return [key_of(item) for item in ApiKeyItem.by_account.query(account_id)]

    @translated
    def revoke_api_key(self, key_hash: str, when: str) -> bool:
        """Mark a key revoked; False when it was unknown or already revoked."""
        condition = ApiKeyItem.key_hash.exists() & ApiKeyItem.revoked_at.does_not_exist()
        return update_if(ApiKeyItem(key_hash), [ApiKeyItem.revoked_at.set(when)], condition)

    @translated
    def note_key_use(self, key_hash: str, when: str, older_than: str) -> bool:
        """Set the key's ``last_used_at`` to ``when`` unless it is already ``older_than`` or
        newer (timestamps in the contract's format sort as text); False when it was, or the
        key is unknown. The condition makes concurrent instances write once."""
        stale = ApiKeyItem.last_used_at.does_not_exist() | (ApiKeyItem.last_used_at < older_than)
        condition = ApiKeyItem.key_hash.exists() & stale
        return update_if(ApiKeyItem(key_hash), [ApiKeyItem.last_used_at.set(when)], condition)

    @translated
    def scan_api_keys(self) -> Iterator[ApiKey]:
        for item in ApiKeyItem.scan():
            yield key_of(item)
