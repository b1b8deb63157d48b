"""Promotion: a presigned upload's staged bytes validated where they lie, then copied to a
new public key and recorded (for ``complete``, the storage event and the reconciler alike).

The form may be re-sent while this runs, so every read and the copy are
conditional on the ETag of the validation's first HEAD: when the bytes change
(ObjectChanged) the new bytes are validated from the start, and unchecked
bytes are never promoted (docs/architecture.md, "Uploads").
"""

from __future__ import annotations

import dataclasses
import logging
import time

from chalicelib import ingest, records, storage, telemetry
from chalicelib.domain import layout
from chalicelib.domain.formats import extension_for
from chalicelib.domain.names import UploadFlow
from chalicelib.domain.upload import UploadSession
from chalicelib.errors import ContentRejected, ObjectChanged, ServiceUnavailable, UploadExpired, UploadNotReceived
from chalicelib.ingest import IngestOutcome, IngestResult

log = logging.getLogger(__name__)
#: How many times new bytes may replace a staged object during one ingest.
MAX_VALIDATIONS = 3


def ingest_session(session: UploadSession, *, consistent: bool = False, describe: bool = True) -> IngestResult:
    """Validate a presigned session's staged object, promote it and record it (safe to repeat).

    ``consistent``: ``session`` was just read strongly consistently (no need to again).
    ``describe=False``: a session closed earlier is reported by its outcome only
    (as a storage event needs).
    """
    staged = session.staging_key
    if not session.is_pending:
        return ingest.settle(session, read=not consistent, describe=describe)
    if staged is None:  # a direct upload records itself; it has nothing staged
        raise UploadNotReceived()
    bucket = storage.store()
    for _ in range(MAX_VALIDATIONS):
        info = bucket.head_object(staged)
        if info is None:
            # Nothing staged: not sent yet, or already ingested by a call this
            # read of the session was too stale to see (a strongly consistent one tells).
            fresh = records.store().get_session(session.upload_id, consistent=True)
            if fresh is not None and not fresh.is_pending:
                return ingest.settle(fresh, read=False, describe=describe)
            raise UploadNotReceived()
        if info.last_modified is not None and session.is_expired(info.last_modified):
            late = UploadExpired("The file arrived after the upload session expired.")
            return ingest.reject(session, late, "upload_expired")
        reader = storage.RangedReader(bucket, staged, info.size, etag=info.etag)
        try:
            return _promote(session, staged, info, reader)
        except ObjectChanged:
            continue  # the form was sent again: the new bytes are the upload now
        except ContentRejected as exc:
            return dataclasses.replace(ingest.reject(session, exc, exc.reason), bytes_read=reader.bytes_fetched)
    raise ServiceUnavailable("The upload kept changing while it was checked. Retry the request.")


def _promote(
    session: UploadSession, staged: str, info: storage.ObjectInfo, reader: storage.RangedReader
) -> IngestResult:
    ingest.check_size(info.size, session.declared_size, session.declared.original_name)
    probed = ingest.inspect_content(reader, info.size, session.declared)  # type: ignore[arg-type]
    declared = session.declared
    key = layout.media_key(session.account_id, declared.file_type, extension_for(probed.mime_type, declared.extension))
    media = ingest.new_media(session, probed, info.size, key)  # before the copy: a failure here leaves nothing
    bucket = storage.store()
    copied = bucket.copy_object(
        staged, key, probed.mime_type, if_match=info.etag or "*", metadata=ingest.object_metadata(media)
    )
    if info.etag and copied and copied != info.etag:
        # A backend that ignored CopySourceIfMatch copied other bytes (a single-part
        # copy keeps its ETag): never publish what was not checked.
        bucket.delete_object(key)
        raise ObjectChanged()
    try:
        result = dataclasses.replace(ingest.record(media, session), bytes_read=reader.bytes_fetched)
    except ServiceUnavailable:
        _withdraw(session, key)
        raise
    if result.outcome == IngestOutcome.RECORDED:
        _remove_quietly(staged)
    elif result.media is None or result.media.storage_key != key:
        # The transaction was refused (plan full, or another call recorded the
        # session first): this copy is nobody's file.
        bucket.delete_object(key)
    return result


def _withdraw(session: UploadSession, key: str) -> None:
    """After a failed transaction: remove the copy unless the session was recorded with it
    after all (a reply lost on the way). If even that cannot be told, the reconciler will."""
    try:
        fresh = records.store().get_session(session.upload_id, consistent=True)
        if fresh is not None and fresh.storage_key != key:
            storage.store().delete_object(key)
    except ServiceUnavailable:
        log.warning("ingest: left %s for the reconciler", key)


def _remove_quietly(key: str) -> None:
    """Best effort: the file is recorded; a leftover staged object is the reconciler's
    and the lifecycle rule's to remove, never a reason to fail the upload."""
    try:
        storage.store().delete_object(key)
    except ServiceUnavailable:
        log.warning("ingest: could not remove the staged object %s", key)


def ingest_staged(key: str) -> IngestResult:
    """Ingest the staged object behind a storage event; unknown or foreign keys are ignored."""
    parsed = layout.parse_staged_key(key)
    if parsed is None:
        log.warning("ingest: ignoring key outside the staging area: %r", key)
        return IngestResult(IngestOutcome.IGNORED)
    account_id, upload_id = parsed
    session = records.store().get_session(upload_id, consistent=True)
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


def ingest_logged(key: str) -> IngestOutcome:
    """ingest_staged, with its log line and metrics (one per object): what a storage event runs."""
    started = time.perf_counter()
    result = ingest_staged(key)
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
    return result.outcome
