"""Make storage and records agree (DESIGN §3.4-3.5, the scheduled reconciler).

It finds and fixes, in one pass:

* objects without a record: ingested when their session is still pending
  (a dropped event, no ``complete``), deleted otherwise (a half-done delete,
  a rejected upload whose delete failed, a key nobody issued);
* records without an object: deleted with their plan slot (a delete that
  removed the bytes and then failed);
* pending sessions past their window with nothing stored: marked rejected.

Anything younger than ``min_age`` is left alone: an upload or delete may be
in flight, and its own event or retry will finish it.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib import ingest, records, storage
from chalicelib.errors import MediaError, UploadExpired
from chalicelib.media import TIMESTAMP_FORMAT, parse_key

log = logging.getLogger(__name__)
DEFAULT_MIN_AGE = timedelta(minutes=10)


@dataclass
class Report:
    objects: int = 0
    records: int = 0
    sessions: int = 0
    ingested: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    removed_objects: list[str] = field(default_factory=list)
    removed_records: list[str] = field(default_factory=list)
    expired_sessions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def fixed(self) -> int:
        return sum(
            len(x)
            for x in (self.ingested, self.rejected, self.removed_objects, self.removed_records, self.expired_sessions)
        )

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "fixed": self.fixed}


def _created(text: str) -> datetime:
    return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=UTC)


def reconcile(min_age: timedelta = DEFAULT_MIN_AGE, now: datetime | None = None) -> Report:
    """One full pass over the bucket's media prefix, the media records and the sessions."""
    now = now or datetime.now(UTC)
    cutoff = now - min_age
    report = Report()
    objects = dict(storage.list_objects("media/"))
    by_key = {m.storage_key: m for m in records.scan_media()}
    sessions = {s.upload_id: s for s in records.scan_sessions()}
    report.objects, report.records, report.sessions = len(objects), len(by_key), len(sessions)

    for key, info in objects.items():
        if key in by_key or (info.last_modified is not None and info.last_modified > cutoff):
            continue
        parsed = parse_key(key)
        session = sessions.get(parsed[1]) if parsed else None
        try:
            if session is not None and session.status == "pending" and session.storage_key == key:
                result = ingest.ingest_session(session)
                (report.ingested if result.outcome in ("recorded", "existing") else report.rejected).append(key)
            else:
                storage.delete_object(key)
                report.removed_objects.append(key)
        except MediaError as exc:
            report.errors.append(f"{key}: {exc.message}")

    for key, record in by_key.items():
        if key in objects or _created(record.created_at) > cutoff:
            continue
        try:
            if records.delete_media_record(record):
                report.removed_records.append(f"{record.account_id}/{int(record.media_id)}")
        except MediaError as exc:
            report.errors.append(f"{key}: {exc.message}")

    for session in sessions.values():
        if session.status != "pending" or session.storage_key in objects:
            continue
        if not ingest.session_expired(session, now):
            continue
        try:
            ingest.reject(session, UploadExpired(), "upload_expired")
            report.expired_sessions.append(session.upload_id)
        except MediaError as exc:
            report.errors.append(f"{session.upload_id}: {exc.message}")
    log.info("reconcile: %s", report.to_json())
    return report
