"""Uploads and ingest: how a stored object becomes a MediaFile.

Every object has an UploadSession created before its bytes arrive; its key
embeds the session id. Ingest (from the direct route, ``complete``, an S3
event or the reconciler) validates the bytes, then records the file, the
counters and the session status in one conditional transaction, so whichever
path comes first records the file and the others find it done. An object
that fails validation is deleted and its session marked ``rejected``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO
from urllib.parse import unquote_plus

from chalicelib import records, storage
from chalicelib.config import get_settings
from chalicelib.errors import (
    ContentRejected,
    MediaError,
    MediaLimitReached,
    MediaNotFound,
    ServiceUnavailable,
    UploadExpired,
    UploadNotReceived,
)
from chalicelib.media import (
    TIMESTAMP_FORMAT,
    now_iso,
    parse_key,
    to_json,
)
from chalicelib.models import MediaFile, UploadSession

log = logging.getLogger(__name__)
#: Finished sessions stay readable (GET /uploads/{id}) this long, then expire.
SESSION_RETENTION = timedelta(days=7)
#: Clock skew allowed between storage's LastModified and a session's expiry.
EXPIRY_GRACE = timedelta(seconds=30)


@dataclass(frozen=True)
class IngestResult:
    """What ingest did with one object: ``recorded``, ``existing``, ``rejected`` or ``ignored``."""

    outcome: str
    media: MediaFile | None = None
    session: UploadSession | None = None
    error: MediaError | None = None


def reject(session: UploadSession, error: MediaError, reason: str) -> IngestResult:
    """Close the session as rejected, then delete its object (both idempotent).

    The session first: a session another path completed meanwhile is never
    rejected, so a recorded file never loses its object; and when the delete
    fails, the retry (``_settled``) or the reconciler finishes it, while the
    session already tells the client why.
    """
    if not records.reject_session(session, reason, error.message):
        return _settled(session)
    storage.delete_object(session.storage_key)
    return IngestResult("rejected", session=session, error=error)


def _settled(session: UploadSession) -> IngestResult:
    """The result of a session some earlier ingest already closed.

    Reads are strongly consistent: the write that closed it may be milliseconds
    old, and a stale "pending" must never be reported as a rejection.
    """
    fresh = records.get_session(session.upload_id, consistent=True) or session
    if fresh.status == "completed" and fresh.media_id is not None:
        media = records.get_media(fresh.account_id, int(fresh.media_id), consistent=True)
        if media is not None:
            return IngestResult("existing", media=media, session=fresh)
        # Recorded, then deleted: nothing to return any more, and nothing was rejected.
        gone = MediaNotFound("The file of this upload has been deleted.")
        return IngestResult("ignored", session=fresh, error=gone)
    if fresh.status == "pending":
        # The transaction found it closed, yet it reads pending: a retry (the
        # event's redelivery, the client's next request) settles it.
        raise ServiceUnavailable("The upload could not be recorded yet. Retry the request.")
    storage.delete_object(fresh.storage_key)  # finishes a rejection whose delete failed
    return IngestResult("rejected", session=fresh, error=rejection_of(fresh))


def rejection_of(session: UploadSession) -> MediaError:
    """Rebuild the error a rejected session was closed with."""
    if session.reason == "media_limit_reached":
        account = records.get_account(session.account_id)
        limit = int(account.media_limit) if account and account.media_limit is not None else 0
        return MediaLimitReached(limit, int(account.media_count) if account else 0)
    if session.reason == "upload_expired":
        return UploadExpired(session.reason_message)
    message = session.reason_message or "The file was rejected."
    return ContentRejected(session.reason or "rejected", message)


def record_upload(session: UploadSession, probed: Any, size: int) -> IngestResult:
    now = now_iso()
    media = MediaFile(
        session.account_id,
        records.allocate_media_id(session.account_id),
        type_key=f"{session.account_id}#{probed.family}",
        name=session.name,
        original_name=session.filename,
        name_lower=session.name.lower(),
        original_lower=session.filename.lower(),
        storage_key=session.storage_key,
        upload_id=session.upload_id,
        file_type=probed.family,
        mime_type=probed.mime_type,
        extension=session.extension,
        file_size=size,
        metadata=probed.metadata,
        uploaded_by=session.uploaded_by,
        is_active=True,
        created_at=now,
        updated_at=now,
    )
    try:
        created = records.record_media(media, session)
    except MediaLimitReached as exc:
        return reject(session, exc, "media_limit_reached")
    if not created:
        return _settled(session)
    return IngestResult("recorded", media=media, session=session)


def inspect_content(source: BinaryIO, size: int, family: str) -> Any:
    from chalicelib import probe  # Pillow and the video probe stay off the API's import path

    return probe.inspect(source, size, family)


def ingest_session(session: UploadSession) -> IngestResult:
    """Validate the session's stored object and record it (safe to repeat)."""
    if session.status != "pending":
        return _settled(session)
    info = storage.head_object(session.storage_key)
    if info is None:
        raise UploadNotReceived()
    if info.last_modified is not None and session_expired(session, info.last_modified):
        return reject(session, UploadExpired("The file arrived after the upload session expired."), "upload_expired")
    limit = get_settings().max_file_size
    try:
        if info.size > limit:
            raise ContentRejected("file_too_large", f"The file must not be greater than {limit} bytes.")
        reader = storage.RangedReader(session.storage_key, info.size)
        probed = inspect_content(reader, info.size, session.file_type)  # type: ignore[arg-type]
    except ContentRejected as exc:
        return reject(session, exc, exc.reason)
    if info.content_type != probed.mime_type:
        storage.set_content_type(session.storage_key, probed.mime_type)
    if session.flow == "presigned":
        # Before recording: a recorded file must never carry the tag the
        # abandoned-upload lifecycle rule expires.
        storage.clear_pending_tag(session.storage_key)
    return record_upload(session, probed, info.size)


def session_expired(session: UploadSession, at: datetime | None = None) -> bool:
    """Whether ``at`` (default: now) is past the session's upload window."""
    deadline = datetime.strptime(session.expires_at, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    return (at or datetime.now(UTC)) > deadline + EXPIRY_GRACE


def ingest_object(key: str) -> IngestResult:
    """Ingest the object behind a storage event; unknown or foreign keys are ignored."""
    parsed = parse_key(key)
    if parsed is None:
        log.warning("ingest: ignoring key outside the media layout: %r", key)
        return IngestResult("ignored")
    account_id, upload_id, _ = parsed
    session = records.get_session(upload_id)
    if session is None or session.account_id != account_id or session.storage_key != key:
        log.warning("ingest: no upload session matches %r", key)
        return IngestResult("ignored")
    try:
        return ingest_session(session)
    except UploadNotReceived:
        log.info("ingest: %r is gone already", key)
        return IngestResult("ignored", session=session)


def media_json(media: MediaFile) -> dict[str, Any]:
    return to_json(media, get_settings().public_base_url)


def ingest_event(event: dict[str, Any]) -> list[IngestResult]:
    """Ingest every object of an S3 event notification (ObjectCreated:*).

    Keys arrive URL-encoded (spaces as ``+``); records for another bucket or
    for keys we never issued are ignored. A ServiceUnavailable propagates so
    the platform retries the event; repeats are no-ops.
    """
    bucket_name = get_settings().bucket
    results = []
    for entry in event.get("Records") or []:
        s3 = entry.get("s3") or {}
        if not str(entry.get("eventName", "ObjectCreated")).startswith("ObjectCreated"):
            continue
        if (s3.get("bucket") or {}).get("name") != bucket_name:
            log.warning("ingest: ignoring event for another bucket")
            results.append(IngestResult("ignored"))
            continue
        key = unquote_plus((s3.get("object") or {}).get("key", ""))
        results.append(ingest_object(key))
    return results
