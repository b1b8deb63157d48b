"""Make storage and records agree (the scheduled reconciler; docs/architecture.md, "Convergence").

It finds and fixes, in one pass:

* staged objects (``uploads/``): ingested when their session is still pending
  (a dropped event, no ``complete``), deleted otherwise (a re-sent form after
  the session closed, a staged object ingest could not remove);
* public objects (``media/``) without a record: deleted (a half-done delete,
  a promotion whose record was never written, a direct upload that failed);
* records without an object: deleted with their plan slot (a delete that
  removed the bytes and then failed);
* files recorded before the probe read their codecs and traits: probed again
  (chalicelib.facts), so their delivery follows the channel rules;
* files whose thumbnail, poster or rendition is not made (an event lost, a
  failure fewer than worker.MAX_ATTEMPTS times): made now; thumbnails and
  renditions no record names (a file deleted while they were being made): deleted;
* pending sessions past their window with nothing staged: marked rejected.

Anything younger than ``min_age`` is left alone: an upload or delete may be
in flight, and its own event or retry will finish it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib import facts, ingest, promotion, records, storage, worker
from chalicelib.domain import clock
from chalicelib.domain.layout import (
    MEDIA_PREFIX,
    RENDITION_PREFIX,
    STAGING_PREFIX,
    THUMBNAIL_PREFIX,
    parse_staged_key,
)
from chalicelib.domain.upload import UploadSession
from chalicelib.domain.values import MediaFile
from chalicelib.errors import MediaError
from chalicelib.ingest import IngestOutcome

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
    thumbnails: list[str] = field(default_factory=list)
    renditions: list[str] = field(default_factory=list)
    probed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def fixed(self) -> int:
        return sum(
            len(x)
            for x in (
                self.ingested,
                self.rejected,
                self.removed_objects,
                self.removed_records,
                self.expired_sessions,
                self.thumbnails,
                self.renditions,
                self.probed,
            )
        )

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "fixed": self.fixed}


def _settle_staged(key: str, session: UploadSession | None, report: Report) -> None:
    if session is not None and session.is_pending and session.staging_key == key:
        result = promotion.ingest_session(session)
        done = result.outcome in (IngestOutcome.RECORDED, IngestOutcome.EXISTING)
        (report.ingested if done else report.rejected).append(key)
    else:
        storage.store().delete_object(key)
        report.removed_objects.append(key)


def reconcile(min_age: timedelta = DEFAULT_MIN_AGE, now: datetime | None = None) -> Report:
    """One full pass over the bucket's prefixes, the media records and the sessions."""
    now = now or datetime.now(UTC)
    cutoff = now - min_age
    report = Report()
    db, bucket = records.store(), storage.store()
    staged = dict(bucket.list_objects(STAGING_PREFIX))
    objects = dict(bucket.list_objects(MEDIA_PREFIX))
    by_key = {m.storage_key: m for m in db.scan_media()}
    all_sessions = {s.upload_id: s for s in db.scan_sessions()}
    report.objects, report.records, report.sessions = len(objects) + len(staged), len(by_key), len(all_sessions)

    def settled(key: str, info: storage.ObjectInfo) -> bool:
        return info.last_modified is None or info.last_modified <= cutoff

    for key, info in staged.items():
        if not settled(key, info):
            continue
        parsed = parse_staged_key(key)
        try:
            _settle_staged(key, all_sessions.get(parsed[1]) if parsed else None, report)
        except MediaError as exc:
            report.errors.append(f"{key}: {exc.message}")

    for key, info in objects.items():
        if key not in by_key and settled(key, info):
            _remove(key, report)

    for key, record in by_key.items():
        if key in objects or clock.parse(record.created_at) > cutoff:
            continue
        try:
            if db.delete_media_record(record):
                report.removed_records.append(f"{record.account_id}/{record.media_id}")
        except MediaError as exc:
            report.errors.append(f"{key}: {exc.message}")

    for session in all_sessions.values():
        if not session.is_pending or session.staging_key in staged:
            continue
        if not session.is_expired(now):
            continue
        try:
            ingest.expire(session)
            report.expired_sessions.append(session.upload_id)
        except MediaError as exc:
            report.errors.append(f"{session.upload_id}: {exc.message}")
    _derivatives(by_key, objects, cutoff, report)
    return report


def _derivatives(
    by_key: dict[str, MediaFile], objects: dict[str, storage.ObjectInfo], cutoff: datetime, report: Report
) -> None:
    for key, record in list(by_key.items()):
        if key not in objects or clock.parse(record.created_at) > cutoff:
            continue
        try:
            if facts.needs_refresh(record):
                refreshed = facts.refresh(record)
                if refreshed is not None:
                    by_key[key] = record = refreshed
                    report.probed.append(key)
            if not worker.needs_work(record):
                continue
            done = worker.make(key, record.media_id)
        except MediaError as exc:
            report.errors.append(f"{key}: derivatives: {exc.message}")
            continue
        if done.thumbnail == worker.ThumbnailOutcome.MADE:
            report.thumbnails.append(key)
        if done.rendition == worker.RenditionOutcome.MADE:
            report.renditions.append(key)
    named = {k for m in by_key.values() for k in m.derived_keys}
    for prefix in (THUMBNAIL_PREFIX, RENDITION_PREFIX):
        for key, info in storage.store().list_objects(prefix):
            if key in named or (info.last_modified is not None and info.last_modified > cutoff):
                continue
            _remove(key, report)


def _remove(key: str, report: Report) -> None:
    """Delete an object nobody names (reported, or its error reported)."""
    try:
        storage.store().delete_object(key)
        report.removed_objects.append(key)
    except MediaError as exc:
        report.errors.append(f"{key}: {exc.message}")
