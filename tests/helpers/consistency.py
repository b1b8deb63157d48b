"""What "converged" means (docs/architecture.md, "Convergence"), checked through the two ports.

Every object has a record (or, while work is in flight, a pending session), every
record has its object, sessions agree with records, and the account counters equal
the records. It reads through records.store() and storage.store(), so it holds for
moto in-process, the embedded moto server and the in-memory fakes alike (the
contract suites keep their reads the same).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from chalicelib.domain.names import FileType, SessionStatus


@dataclass
class StoreSnapshot:
    """What assert_consistent saw: the figures a report quotes."""

    objects: dict[str, int] = field(default_factory=dict)
    records: int = 0
    sessions: Counter[str] = field(default_factory=Counter)
    accounts: int = 0


def assert_consistent(account_ids: Iterable[str] | None = None, *, allow_pending: bool = False) -> StoreSnapshot:
    """Storage, media records, upload sessions and account counters agree.

    ``account_ids`` limits the check to those accounts (other tests' data may
    share the store); ``allow_pending`` accepts objects whose session is still
    pending (an upload whose event has not run yet), never objects without one.
    """
    from chalicelib import records, storage

    db, bucket = records.store(), storage.store()
    every = {a.account_id: a for a in db.scan_accounts()}
    wanted = set(every) if account_ids is None else set(account_ids)
    assert wanted <= set(every), f"unknown accounts {wanted - set(every)}"
    objects = {key: info.size for a in sorted(wanted) for key, info in bucket.list_objects(f"media/{a}/")}
    media = [m for a in sorted(wanted) for m in db.query_media(a, records.MediaQuery())]
    sessions = {s.upload_id: s for s in db.scan_sessions() if s.account_id in wanted}

    by_key = {m.storage_key: m for m in media}
    assert len(by_key) == len(media), "two records share a storage key"
    assert len({m.upload_id for m in media}) == len(media), "two records share an upload session"
    for m in media:
        where = f"record {m.account_id}/{m.media_id}"
        assert m.storage_key.startswith(f"media/{m.account_id}/"), f"{where} points into another account"
        assert m.storage_key in objects, f"{where}: dangling, its object {m.storage_key} is gone"
        assert objects[m.storage_key] == m.file_size, f"{where}: size differs from its object"
        session = sessions.get(m.upload_id)
        assert session is not None, f"{where} has no upload session"
        assert (session.status, session.media_id) == (SessionStatus.COMPLETED, m.media_id), (
            f"{where}: session disagrees"
        )
    for key in objects:
        if key in by_key:
            continue
        pending = [s for s in sessions.values() if s.storage_key == key and s.is_pending]
        assert allow_pending and pending, (
            f"orphan object {key} (no record{', no pending session' if allow_pending else ''})"
        )
    for s in sessions.values():
        if s.status == SessionStatus.REJECTED:
            assert s.storage_key not in objects, f"rejected upload {s.upload_id} left its object behind"
    for account_id in wanted:
        account, own = every[account_id], [m for m in media if m.account_id == account_id]
        counted = (account.media_count, account.image_count, account.video_count, account.bytes_used)
        actual = (
            len(own),
            sum(m.file_type == FileType.IMAGE for m in own),
            sum(m.file_type == FileType.VIDEO for m in own),
            sum(m.file_size for m in own),
        )
        assert counted == actual, f"{account_id}: counters {counted} != records {actual}"
    return StoreSnapshot(objects, len(media), Counter(str(s.status) for s in sessions.values()), len(wanted))
