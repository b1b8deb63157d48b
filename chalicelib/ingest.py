"""Ingest: how stored bytes become a MediaFile.

Shared by every way in: the direct route (bytes already checked in memory),
``complete``, the S3 event of a staged object, and the reconciler. The
record, the counters and the session's status change in one conditional
transaction, so whichever path comes first records the file and the others
find it done (sessions.settle).

A presigned upload's bytes are validated where they were staged, then
promoted by a server-side copy to a new public key (DESIGN §3.4). The form
may be re-sent meanwhile, so every read and the copy are conditional on the
ETag of the validation's first HEAD: when the bytes change (ObjectChanged),
the new bytes are validated from the start, and unchecked bytes are never
promoted.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any, BinaryIO
from urllib.parse import unquote_plus

from chalicelib import records, sessions, storage, telemetry
from chalicelib.config import get_settings
from chalicelib.errors import (
    ContentRejected,
    MediaLimitReached,
    ObjectChanged,
    ServiceUnavailable,
    UploadExpired,
    UploadNotReceived,
)
from chalicelib.media import extension_for, formatted_size, media_key, now_iso, parse_staged_key
from chalicelib.models import MediaFile, UploadSession
from chalicelib.sessions import IngestOutcome, IngestResult
from chalicelib.states import SessionStatus, UploadFlow

log = logging.getLogger(__name__)
#: How many times new bytes may replace a staged object during one ingest.
MAX_VALIDATIONS = 3


def inspect_content(source: BinaryIO, size: int, family: str) -> Any:
    from chalicelib import probe  # Pillow and the video probe stay off the API's import path

    return probe.inspect(source, size, family)


def check_size(size: int, declared: int | None = None) -> None:
    """ContentRejected when the bytes are over the per-file limit or the size the client declared."""
    limit = get_settings().max_file_size
    if size > limit:
        raise ContentRejected("file_too_large", f"The file must not be greater than {limit} bytes.")
    if declared is not None and size > declared:
        raise ContentRejected(
            "file_too_large",
            f"The file ({formatted_size(size)}) is larger than the file_size declared for this upload "
            f"({declared} bytes). Start a new upload with the real size.",
        )


def new_record(session: UploadSession, probed: Any, size: int, key: str) -> MediaFile:
    """The MediaFile checked bytes at ``key`` will be, with a freshly allocated id."""
    now = now_iso()
    return MediaFile(
        session.account_id,
        records.allocate_media_id(session.account_id),
        type_key=f"{session.account_id}#{probed.family}",
        name=session.name,
        original_name=session.filename,
        name_lower=session.name.lower(),
        original_lower=session.filename.lower(),
        storage_key=key,
        upload_id=session.upload_id,
        file_type=probed.family,
        mime_type=probed.mime_type,
        extension=extension_for(probed.mime_type, session.extension),
        file_size=size,
        metadata=probed.metadata,
        uploaded_by=session.uploaded_by,
        is_active=True,
        created_at=now,
        updated_at=now,
    )


def tags_of(media: MediaFile) -> dict[str, str]:
    """The object metadata a stored file carries: its record's id, for the thumbnail maker."""
    return {"media-id": str(int(media.media_id))}


def record(media: MediaFile, session: UploadSession) -> IngestResult:
    """Write the record, its counters and the session's close at once (safe to repeat)."""
    try:
        created = records.record_media(media, session)
    except MediaLimitReached as exc:
        return sessions.reject(session, exc, "media_limit_reached")
    if not created:
        return sessions.settle(session)
    telemetry.emit("upload_accepted", {"UploadsAccepted": 1.0}, route=str(session.flow), file_type=media.file_type)
    return IngestResult(IngestOutcome.RECORDED, media=media, session=session)


def ingest_session(session: UploadSession, *, consistent: bool = False, describe: bool = True) -> IngestResult:
    """Validate a presigned session's staged object, promote it and record it (safe to repeat).

    ``consistent``: ``session`` was just read strongly consistently (no need to again).
    ``describe=False``: a session closed earlier is reported by its outcome only
    (sessions.settle), as a storage event needs.
    """
    staged = sessions.staging_key(session)
    if session.status != SessionStatus.PENDING:
        return sessions.settle(session, read=not consistent, describe=describe)
    if staged is None:  # a direct upload records itself; it has nothing staged
        raise UploadNotReceived()
    for _ in range(MAX_VALIDATIONS):
        info = storage.head_object(staged)
        if info is None:
            # Nothing staged: not sent yet, or already ingested by a call this
            # read of the session was too stale to see (a strongly consistent one tells).
            fresh = records.get_session(session.upload_id, consistent=True)
            if fresh is not None and fresh.status != SessionStatus.PENDING:
                return sessions.settle(fresh, read=False, describe=describe)
            raise UploadNotReceived()
        if info.last_modified is not None and sessions.is_expired(session, info.last_modified):
            late = UploadExpired("The file arrived after the upload session expired.")
            return sessions.reject(session, late, "upload_expired")
        reader = storage.RangedReader(staged, info.size, etag=info.etag)
        try:
            return _promote(session, staged, info, reader)
        except ObjectChanged:
            continue  # the form was sent again: the new bytes are the upload now
        except ContentRejected as exc:
            return dataclasses.replace(sessions.reject(session, exc, exc.reason), bytes_read=reader.bytes_fetched)
    raise ServiceUnavailable("The upload kept changing while it was checked. Retry the request.")


def _promote(
    session: UploadSession, staged: str, info: storage.ObjectInfo, reader: storage.RangedReader
) -> IngestResult:
    check_size(info.size, None if session.declared_size is None else int(session.declared_size))
    probed = inspect_content(reader, info.size, session.file_type)  # type: ignore[arg-type]
    key = media_key(session.account_id, probed.family, extension_for(probed.mime_type, session.extension))
    media = new_record(session, probed, info.size, key)  # before the copy: a failure here leaves nothing
    copied = storage.copy_object(staged, key, probed.mime_type, if_match=info.etag or "*", metadata=tags_of(media))
    if info.etag and copied and copied != info.etag:
        # A backend that ignored CopySourceIfMatch copied other bytes (a single-part
        # copy keeps its ETag): never publish what was not checked.
        storage.delete_object(key)
        raise ObjectChanged()
    try:
        result = dataclasses.replace(record(media, session), bytes_read=reader.bytes_fetched)
    except ServiceUnavailable:
        _withdraw(session, key)
        raise
    if result.outcome == IngestOutcome.RECORDED:
        _remove_quietly(staged)
    elif result.media is None or result.media.storage_key != key:
        # The transaction was refused (plan full, or another call recorded the
        # session first): this copy is nobody's file.
        storage.delete_object(key)
    return result


def _withdraw(session: UploadSession, key: str) -> None:
    """After a failed transaction: remove the copy unless the session was recorded with it
    after all (a reply lost on the way). If even that cannot be told, the reconciler will."""
    try:
        fresh = records.get_session(session.upload_id, consistent=True)
        if fresh is not None and fresh.storage_key != key:
            storage.delete_object(key)
    except ServiceUnavailable:
        log.warning("ingest: left %s for the reconciler", key)


def _remove_quietly(key: str) -> None:
    """Best effort: the file is recorded; a leftover staged object is the reconciler's
    and the lifecycle rule's to remove, never a reason to fail the upload."""
    try:
        storage.delete_object(key)
    except ServiceUnavailable:
        log.warning("ingest: could not remove the staged object %s", key)


def ingest_object(key: str) -> IngestResult:
    """Ingest the staged object behind a storage event; unknown or foreign keys are ignored."""
    parsed = parse_staged_key(key)
    if parsed is None:
        log.warning("ingest: ignoring key outside the staging area: %r", key)
        return IngestResult(IngestOutcome.IGNORED)
    account_id, upload_id = parsed
    session = records.get_session(upload_id, consistent=True)
    if session is None or session.account_id != account_id or session.flow != UploadFlow.PRESIGNED:
        # Not ours to ingest; the reconciler and the staging lifecycle rule remove it.
        log.warning("ingest: no upload session matches %r", key)
        return IngestResult(IngestOutcome.IGNORED)
    try:
        # A repeated event (S3 delivers at least once) costs one read and one delete.
        return ingest_session(session, consistent=True, describe=False)
    except UploadNotReceived:
        log.info("ingest: %r is gone already", key)
        return IngestResult(IngestOutcome.IGNORED, session=session)


def ingest_logged(key: str) -> IngestResult:
    """ingest_object, with its log line and metrics (one per object)."""
    started = time.perf_counter()
    result = ingest_object(key)
    ms = round((time.perf_counter() - started) * 1000, 1)
    reason = result.session.reason if result.session is not None else None
    telemetry.emit(
        "ingest",
        {"IngestDuration": ms},
        key=key,
        outcome=str(result.outcome),
        reason=reason if result.outcome == IngestOutcome.REJECTED else None,
        bytes_read=result.bytes_read,
        ms=ms,
    )
    return result


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
            results.append(IngestResult(IngestOutcome.IGNORED))
            continue
        key = unquote_plus((s3.get("object") or {}).get("key", ""))
        results.append(ingest_logged(key))
    return results
