"""The key audit (chalicelib/auth.py): a key's ``last_used_at`` is written at most once per
key every LAST_USED_EVERY, so a request on a warm key cache stays without a key read or
write, and the first request after that pays one conditional write.

On the in-memory fake of the records port's keys (tests/fakes/api_keys.py), counting its
calls; the clocks are injected (``now`` for the cache, ``moment`` for the wall clock).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib import auth, records
from chalicelib.domain.clock import to_text
from chalicelib.errors import ServiceUnavailable, Unauthenticated
from tests.fakes.records import MemoryRecords

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
EVERY = auth.LAST_USED_EVERY


class CountedKeys(MemoryRecords):
    """The fake, counting the reads and writes authentication makes."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.writes = 0
        self.failing = False

    def get_api_key(self, key_hash: str) -> Any:
        self.reads += 1
        return super().get_api_key(key_hash)

    def note_key_use(self, key_hash: str, when: str, older_than: str) -> bool:
        self.writes += 1
        if self.failing:
            raise ServiceUnavailable("The database is temporarily unavailable. Retry the request.")
        return super().note_key_use(key_hash, when, older_than)

    def counts(self) -> tuple[int, int]:
        found = (self.reads, self.writes)
        self.reads = self.writes = 0
        return found


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {"MEDIA_KEY_CACHE_SECONDS": "30"}  # as deployed


@pytest.fixture
def keys() -> Iterator[CountedKeys]:
    fake = CountedKeys()
    records.use(fake)
    auth.clear_cache()
    yield fake
    records.use(None)
    auth.clear_cache()


def last_used(keys: CountedKeys, api_key: str) -> str | None:
    stored = MemoryRecords.get_api_key(keys, auth.hash_key(api_key))
    assert stored is not None
    return stored.last_used_at


def use(api_key: str, seconds: float, *, cache_at: float | None = None) -> str:
    """A request ``seconds`` after T0; the cache's clock is the same unless given."""
    return auth.authenticate(
        api_key, now=cache_at if cache_at is not None else seconds, moment=T0 + timedelta(seconds=seconds)
    )


def test_a_new_key_has_never_been_used_and_its_first_request_pays_one_write(keys: CountedKeys) -> None:
    issued = auth.issue_key("acc1")
    assert last_used(keys, issued.api_key) is None
    assert use(issued.api_key, 0) == "acc1"
    assert keys.counts() == (1, 1)
    assert last_used(keys, issued.api_key) == to_text(T0)


def test_a_warm_key_makes_no_read_and_no_write_for_5_minutes_then_one_write(keys: CountedKeys) -> None:
    issued = auth.issue_key("acc1")
    use(issued.api_key, 0)
    keys.counts()
    for seconds in (1, 10, 29):  # the cache holds for 30 s
        use(issued.api_key, seconds)
    assert keys.counts() == (0, 0)
    use(issued.api_key, 35)  # the cache entry ran out: one read, and the stored use is recent
    assert keys.counts() == (1, 0)
    use(issued.api_key, EVERY.total_seconds() - 1, cache_at=40)
    assert keys.counts() == (0, 0)
    use(issued.api_key, EVERY.total_seconds() + 1, cache_at=41)  # still cached, but the use is old
    assert keys.counts() == (0, 1)
    assert last_used(keys, issued.api_key) == to_text(T0 + EVERY + timedelta(seconds=1))
    use(issued.api_key, EVERY.total_seconds() + 2, cache_at=42)
    assert keys.counts() == (0, 0)


def test_without_a_key_cache_each_request_is_one_read_and_writes_only_when_the_use_is_old(
    keys: CountedKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import caches

    monkeypatch.setenv("MEDIA_KEY_CACHE_SECONDS", "0")  # the local stack's setting
    caches.reset()
    issued = auth.issue_key("acc1")
    counts = []
    for seconds in (0, 60, 299, 301, 302):
        use(issued.api_key, seconds)
        counts.append(keys.counts())
    assert counts == [(1, 1), (1, 0), (1, 0), (1, 1), (1, 0)]


def test_an_instance_whose_cached_use_is_old_writes_nothing_when_another_instance_just_did(
    keys: CountedKeys,
) -> None:
    issued = auth.issue_key("acc1")
    use(issued.api_key, 0)
    # Another instance served the key half a second before this one and wrote its use
    # (this instance's cache still says T0).
    other = T0 + EVERY + timedelta(seconds=0.5)
    assert keys.note_key_use(auth.hash_key(issued.api_key), to_text(other), to_text(other - EVERY))
    keys.counts()
    use(issued.api_key, EVERY.total_seconds() + 1, cache_at=20)  # this instance tries: the condition refuses
    assert keys.counts() == (0, 1)
    assert last_used(keys, issued.api_key) == to_text(other)
    use(issued.api_key, EVERY.total_seconds() + 60, cache_at=25)  # and it does not try again at once
    assert keys.counts() == (0, 0)


def test_a_failed_write_does_not_fail_the_request_nor_repeat_on_every_request(keys: CountedKeys) -> None:
    issued = auth.issue_key("acc1")
    keys.failing = True
    assert use(issued.api_key, 0) == "acc1"
    assert use(issued.api_key, 1) == "acc1"
    assert keys.counts() == (1, 1)
    assert last_used(keys, issued.api_key) is None
    keys.failing = False
    use(issued.api_key, EVERY.total_seconds() + 1, cache_at=2)
    assert keys.counts() == (0, 1) and last_used(keys, issued.api_key) is not None


def test_refused_keys_note_nothing(keys: CountedKeys) -> None:
    issued = auth.issue_key("acc1")
    auth.revoke(issued.api_key)
    keys.counts()
    for value in (issued.api_key, "sk_live_" + "Q" * 43, "not a key"):
        with pytest.raises(Unauthenticated):
            use(value, 0)
    assert keys.writes == 0
    assert last_used(keys, issued.api_key) is None


def test_the_display_prefix_is_given_for_well_formed_keys_only() -> None:
    key = "sk_live_" + "A" * 43
    assert auth.display_prefix(key) == "sk_live_AAAAAAAA"
    assert auth.display_prefix(f"  {key} ") == "sk_live_AAAAAAAA"
    for other in (None, "", "sk_live_short", "Bearer " + key, "AKIAIOSFODNN7EXAMPLE"):
        assert auth.display_prefix(other) is None
