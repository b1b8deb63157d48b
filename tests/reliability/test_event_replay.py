"""S3 delivers events at least once, late and in any order: 1,000 ObjectCreated events
over 200 objects (valid images, invalid files, keys nobody issued), duplicated,
shuffled and delivered by 8 threads to the ingest Lambda record every valid object
exactly once, reject every invalid one, and leave the counters right.

It runs on the in-memory fakes of the records and storage ports: their conditional writes
are held to DynamoDB's by tests/contract, so what this test exercises is the service's own
answer to duplicates, reordering and concurrency, at the speed of that code.
"""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from tests.helpers.consistency import assert_consistent
from tests.helpers.events import s3_event
from tests.helpers.media import image_bytes
from tests.helpers.stores import put_object
from tests.helpers.tenants import make_tenant
from tests.helpers.uploads import presigned

EVENTS = 1000
WORKERS = 8
#: Lambda retries a failed asynchronous invocation twice.
DELIVERY_ATTEMPTS = 3
SEED = 20260308
#: Valid images per account; the limited account's plan holds fewer than it is sent.
VALID = {"Acme": 60, "Globex": 50, "Initech": 40, "Limited": 30}
LIMITED = "Limited"
LIMIT = 20
#: Invalid files, each sent to every unlimited account (12 in all).
INVALID = [
    ("page.png", b"<!doctype html><script>alert(1)</script>", "unsupported_content"),
    ("empty.jpg", b"", "empty_file"),
    ("zeros.gif", bytes(512), "unsupported_content"),
    ("clip.mp4", image_bytes("PNG", 8, 8), "type_mismatch"),
]
UNISSUED = 8


@dataclass(frozen=True)
class Sent:
    account_id: str
    key: str
    size: int
    upload_id: str | None  # None: a key nobody issued
    expect: str  # valid | limited (valid, account on a plan limit) | invalid | unissued
    reason: str | None = None


@pytest.fixture
def backend(fakes: None) -> None:
    """The in-memory ports, shared by the delivering threads."""


def _send_everything(rng: random.Random) -> list[Sent]:
    sent: list[Sent] = []
    formats = [("PNG", "png"), ("GIF", "gif"), ("JPEG", "jpg")]
    for index, (name, count) in enumerate(VALID.items()):
        limited = name == LIMITED
        account_id = make_tenant(name, media_limit=LIMIT if limited else None).account_id
        for n in range(count):
            fmt, ext = formats[n % 3]
            data = image_bytes(fmt, 4 + n, 3 + index)  # every object its own size
            upload_id, key = presigned(account_id, data, f"{name}-{n}.{ext}")
            sent.append(Sent(account_id, key, len(data), upload_id, "limited" if limited else "valid"))
        for filename, data, reason in [] if limited else INVALID:
            upload_id, key = presigned(account_id, data, filename)
            sent.append(Sent(account_id, key, len(data), upload_id, "invalid", reason))
    owner = sent[0].account_id
    for n in range(UNISSUED):
        # Half look like staged uploads of sessions nobody opened, half like public keys.
        key = (
            f"uploads/{owner}/{rng.randbytes(16).hex()}"
            if n % 2
            else f"media/{owner}/images/{1700000000 + n}_{rng.randbytes(16).hex()}.png"
        )
        put_object(key, image_bytes("PNG", 9, 9))
        sent.append(Sent(owner, key, 0, None, "unissued"))
    rng.shuffle(sent)
    return sent


def _deliver(handler: Any, key: str) -> tuple[str, int]:
    """Deliver one event as Lambda does: a failed invocation is retried (outcome, attempts)."""
    for attempt in range(1, DELIVERY_ATTEMPTS + 1):
        try:
            return str(handler(s3_event(key), None)["results"][0]), attempt
        except Exception:
            if attempt == DELIVERY_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def test_thousand_duplicated_shuffled_concurrent_events_record_each_valid_object_once(backend: None) -> None:
    from app import app
    from chalicelib import records, storage
    from chalicelib.reconcile import reconcile

    rng = random.Random(SEED)
    sent = _send_everything(rng)
    kinds = Counter(s.expect for s in sent)
    assert kinds == {"valid": 150, "limited": 30, "invalid": 12, "unissued": 8}

    # Every object at least once, the rest duplicates of random objects, in random order.
    keys = [s.key for s in sent] + [rng.choice(sent).key for _ in range(EVENTS - len(sent))]
    rng.shuffle(keys)
    handler = app.handler_map["ingest"]
    with ThreadPoolExecutor(WORKERS) as pool:
        delivered = list(pool.map(lambda key: _deliver(handler, key), keys))
    outcomes = Counter(outcome for outcome, _ in delivered)
    per_key: dict[str, Counter[str]] = {key: Counter() for key in keys}
    for key, (outcome, _) in zip(keys, delivered, strict=True):
        per_key[key][outcome] += 1
    redelivered = sum(attempts - 1 for _, attempts in delivered)
    print(f"\nevent replay: {len(keys)} events, {len(set(keys))} objects, {WORKERS} workers: {dict(outcomes)}")
    print(f"event replay: {redelivered} redeliveries after a failed invocation")

    accounts = {s.account_id for s in sent}
    # By the staged key each record came from (the public key is new at promotion).
    staged_of = {s.upload_id: s.key for s in sent if s.upload_id}
    recorded = {
        staged_of[m.upload_id]: m for a in accounts for m in records.store().query_media(a, records.MediaQuery())
    }
    limited_in = [s for s in sent if s.expect == "limited" and s.key in recorded]
    # 0 duplicates: one record per object and exactly one "recorded" outcome each.
    assert outcomes["recorded"] == len(recorded) == kinds["valid"] + LIMIT
    assert len(limited_in) == LIMIT
    for s in sent:
        session = records.store().get_session(s.upload_id) if s.upload_id else None
        if s.key in recorded:  # 0 lost: every valid object, with its own session and size
            assert s.expect in ("valid", "limited")
            assert per_key[s.key]["recorded"] == 1 and set(per_key[s.key]) <= {"recorded", "existing"}, s
            media = recorded[s.key]
            assert (media.upload_id, int(media.file_size), media.account_id) == (s.upload_id, s.size, s.account_id)
            assert session is not None and (session.status, session.media_id) == ("completed", media.media_id)
        elif s.expect == "valid":
            raise AssertionError(f"lost: {s}")
        elif s.expect in ("invalid", "limited"):
            expected = s.reason or "media_limit_reached"
            assert session is not None and (session.status, session.reason) == ("rejected", expected), s
            assert per_key[s.key]["rejected"] >= 1 and not per_key[s.key]["recorded"]
        else:
            assert set(per_key[s.key]) == {"ignored"}, per_key[s.key]  # a key nobody issued

    # Nothing but the records' objects remains (nothing staged either), except keys
    # nobody issued: ingest never touches those; the reconciler removes them.
    unissued = sorted(s.key for s in sent if s.expect == "unissued")
    public = [m.storage_key for m in recorded.values()]
    remaining = [k for prefix in ("media/", "uploads/") for k, _ in storage.store().list_objects(prefix)]
    assert sorted(remaining) == sorted([*public, *unissued])
    report = reconcile(min_age=timedelta(0))
    assert sorted(report.removed_objects) == unissued
    assert (report.ingested, report.rejected, report.removed_records, report.errors) == ([], [], [], [])
    snapshot = assert_consistent(accounts)
    assert snapshot.records == len(snapshot.objects) == len(recorded)
    assert snapshot.sessions == {"completed": len(recorded), "rejected": kinds["invalid"] + kinds["limited"] - LIMIT}
    for account_id in accounts:
        ids = [int(m.media_id) for m in recorded.values() if m.account_id == account_id]
        assert len(set(ids)) == len(ids)
