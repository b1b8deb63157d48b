"""What "converged" means (docs/architecture.md, "Convergence"), checked against the backing stores.

Every object has a record (or, while work is in flight, a pending session), every
record has its object, sessions agree with records, and the account counters equal
the records. It reads the stores directly, so it holds for moto in-process and for
the embedded moto server alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class StoreSnapshot:
    """What assert_consistent saw: the figures a report quotes."""

    objects: dict[str, int] = field(default_factory=dict)
    records: int = 0
    sessions: Counter[str] = field(default_factory=Counter)
    accounts: int = 0


def _objects(prefixes: Iterable[str]) -> dict[str, int]:
    from chalicelib import storage

    found: dict[str, int] = {}
    paginator = storage.client().get_paginator("list_objects_v2")
    for prefix in prefixes:
        for page in paginator.paginate(Bucket=storage.bucket(), Prefix=prefix):
            found.update({item["Key"]: int(item["Size"]) for item in page.get("Contents", [])})
    return found


def _sessions(account_ids: set[str] | None) -> dict[str, Any]:
    """Upload sessions by id: all of them, or one account's through its index (no table scan)."""
    from chalicelib.models import UploadItem as UploadSession

    if account_ids is None:
        return {s.upload_id: s for s in UploadSession.scan()}
    ids = [k.upload_id for a in sorted(account_ids) for k in UploadSession.by_account.query(a)]
    return {s.upload_id: s for s in UploadSession.batch_get(ids, consistent_read=True)}


def assert_consistent(account_ids: Iterable[str] | None = None, *, allow_pending: bool = False) -> StoreSnapshot:
    """Storage, media records, upload sessions and account counters agree.

    ``account_ids`` limits the check to those accounts (other tests' data may
    share the store); ``allow_pending`` accepts objects whose session is still
    pending (an upload whose event has not run yet), never objects without one.
    """
    from chalicelib.models import AccountItem as Account
    from chalicelib.models import MediaItem as MediaFile
    from chalicelib.models import bind

    bind()
    asked = None if account_ids is None else set(account_ids)
    found = Account.scan() if asked is None else Account.batch_get(sorted(asked), consistent_read=True)
    accounts = {a.account_id: a for a in found}
    wanted = set(accounts) if asked is None else asked
    assert wanted <= set(accounts), f"unknown accounts {wanted - set(accounts)}"
    objects = _objects(["media/"] if asked is None else [f"media/{a}/" for a in sorted(wanted)])
    media = [m for a in sorted(wanted) for m in MediaFile.query(a, consistent_read=True)]
    sessions = _sessions(asked)

    by_key = {m.storage_key: m for m in media}
    assert len(by_key) == len(media), "two records share a storage key"
    assert len({m.upload_id for m in media}) == len(media), "two records share an upload session"
    for m in media:
        where = f"record {m.account_id}/{int(m.media_id)}"
        assert m.storage_key.startswith(f"media/{m.account_id}/"), f"{where} points into another account"
        assert m.storage_key in objects, f"{where}: dangling, its object {m.storage_key} is gone"
        assert objects[m.storage_key] == int(m.file_size), f"{where}: size differs from its object"
        session = sessions.get(m.upload_id)
        assert session is not None, f"{where} has no upload session"
        assert (session.status, session.media_id) == ("completed", m.media_id), f"{where}: session disagrees"
    for key in objects:
        if key in by_key:
            continue
        pending = [s for s in sessions.values() if s.storage_key == key and s.status == "pending"]
        assert allow_pending and pending, (
            f"orphan object {key} (no record{', no pending session' if allow_pending else ''})"
        )
    for s in sessions.values():
        if s.status == "rejected":
            assert s.storage_key not in objects, f"rejected upload {s.upload_id} left its object behind"
    for account_id in wanted:
        account, own = accounts[account_id], [m for m in media if m.account_id == account_id]
        counted = (
            int(account.media_count or 0),
            int(account.image_count or 0),
            int(account.video_count or 0),
            int(account.bytes_used or 0),
        )
        actual = (
            len(own),
            sum(m.file_type == "image" for m in own),
            sum(m.file_type == "video" for m in own),
            sum(int(m.file_size) for m in own),
        )
        assert counted == actual, f"{account_id}: counters {counted} != records {actual}"
        assert all(int(m.media_id) <= int(account.next_media_id or 0) for m in own), f"{account_id}: id ahead"
    return StoreSnapshot(objects, len(media), Counter(s.status for s in sessions.values()), len(wanted))
