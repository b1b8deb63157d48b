"""The API-key part of the in-memory records fake (records.port.Records): the same
answers as records.accounts.AccountRecords on DynamoDB, proven by
tests/contract/test_api_key_records.py. The whole fake composes it as DynamoRecords
composes AccountRecords."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator

from chalicelib.domain.values import ApiKey


class FakeKeyRecords:
    """API keys in a dict, every conditional write decided under one lock (DynamoDB
    applies each write atomically)."""

    def __init__(self) -> None:
        self._keys: dict[str, ApiKey] = {}
        self._lock = threading.Lock()

    def put_api_key(self, key: ApiKey) -> None:
        with self._lock:
            # DynamoRecords stores a new key without revocation or use, whatever the value says.
            self._keys.setdefault(key.key_hash, dataclasses.replace(key, revoked_at=None, last_used_at=None))

    def get_api_key(self, key_hash: str) -> ApiKey | None:
        return self._keys.get(key_hash)

    def list_api_keys(self, account_id: str) -> list[ApiKey]:
        """Oldest first, as the by-account index sorts them."""
        return sorted((k for k in self._keys.values() if k.account_id == account_id), key=lambda k: k.created_at)

    def revoke_api_key(self, key_hash: str, when: str) -> bool:
        with self._lock:
            key = self._keys.get(key_hash)
            if key is None or key.revoked_at is not None:
                return False
            self._keys[key_hash] = dataclasses.replace(key, revoked_at=when)
            return True

    def note_key_use(self, key_hash: str, when: str, older_than: str) -> bool:
        with self._lock:
            key = self._keys.get(key_hash)
            if key is None or (key.last_used_at is not None and key.last_used_at >= older_than):
                return False
            self._keys[key_hash] = dataclasses.replace(key, last_used_at=when)
            return True

    def scan_api_keys(self) -> Iterator[ApiKey]:
        yield from list(self._keys.values())
