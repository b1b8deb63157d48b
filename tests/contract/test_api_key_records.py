"""The records port's API keys (chalicelib/records/port.py) on DynamoDB (moto) and on the
in-memory fake (tests/fakes/records.py): the same calls, the same answers.

``note_key_use`` is the key audit's one write: a conditional UpdateItem that sets
``last_used_at`` only when the stored value is missing or older than a cutoff, so
of the instances that serve a key at the same moment one writes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Protocol

import pytest

from chalicelib.domain.values import ApiKey
from tests.fakes.records import MemoryRecords

T0, T1, T2, T3 = (f"2026-03-01T10:0{m}:00.000000Z" for m in (0, 5, 6, 9))


class KeyRecords(Protocol):
    def put_api_key(self, key: ApiKey) -> None: ...
    def get_api_key(self, key_hash: str) -> ApiKey | None: ...
    def list_api_keys(self, account_id: str) -> list[ApiKey]: ...
    def revoke_api_key(self, key_hash: str, when: str) -> bool: ...
    def note_key_use(self, key_hash: str, when: str, older_than: str) -> bool: ...
    def scan_api_keys(self) -> Iterator[ApiKey]: ...


@pytest.fixture(params=["dynamodb", "fake"])
def keys(request: pytest.FixtureRequest) -> KeyRecords:
    if request.param == "fake":
        return MemoryRecords()
    request.getfixturevalue("aws")
    from chalicelib.records.dynamo import DynamoRecords

    return DynamoRecords()


def a_key(name: str = "a", account: str = "acc1", created: str = T0) -> ApiKey:
    return ApiKey(f"hash-{name}", account, f"sk_live_{name:<8}"[:16], created)


def test_a_new_key_was_never_used(keys: KeyRecords) -> None:
    keys.put_api_key(a_key())
    stored = keys.get_api_key("hash-a")
    assert stored == a_key() and stored is not None and stored.last_used_at is None


def test_the_first_use_is_written_then_nothing_until_the_cutoff_passes_it(keys: KeyRecords) -> None:
    keys.put_api_key(a_key())
    assert keys.note_key_use("hash-a", T1, T0) is True
    assert keys.note_key_use("hash-a", T2, T1) is False  # stored T1 is not older than the cutoff T1
    assert keys.get_api_key("hash-a") == dataclasses.replace(a_key(), last_used_at=T1)
    assert keys.note_key_use("hash-a", T3, T2) is True
    found = keys.get_api_key("hash-a")
    assert found is not None and found.last_used_at == T3


def test_an_unknown_key_is_not_created_by_its_use(keys: KeyRecords) -> None:
    assert keys.note_key_use("hash-nobody", T1, T0) is False
    assert keys.get_api_key("hash-nobody") is None
    assert list(keys.scan_api_keys()) == []


def test_instances_noting_the_same_use_write_it_once(keys: KeyRecords) -> None:
    """Each instance decides from its own (cached) value; the stored one decides the write."""
    keys.put_api_key(a_key())
    assert [keys.note_key_use("hash-a", when, T0) for when in (T1, T1, T2)] == [True, False, False]


def test_lists_and_scans_show_the_last_use_and_revocation_keeps_it(keys: KeyRecords) -> None:
    keys.put_api_key(a_key("a", created=T0))
    keys.put_api_key(a_key("b", created=T1))
    keys.put_api_key(a_key("c", account="acc2"))
    keys.note_key_use("hash-b", T2, T1)
    assert keys.revoke_api_key("hash-b", T3) is True
    assert keys.revoke_api_key("hash-b", T3) is False
    listed = keys.list_api_keys("acc1")
    assert [(k.prefix.strip(), k.last_used_at, k.revoked_at) for k in listed] == [
        ("sk_live_a", None, None),
        ("sk_live_b", T2, T3),
    ]
    assert sorted(k.key_hash for k in keys.scan_api_keys()) == ["hash-a", "hash-b", "hash-c"]
