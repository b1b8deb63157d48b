"""Ingest: how checked bytes become a MediaFile, whichever way they came in.

Two ways in, one step that records them (:func:`record`): the direct route
hands bytes already in memory (:func:`ingest_bytes`); a presigned upload's
bytes wait at the session's private staging key until chalicelib.promotion
validates and promotes them (for ``complete``, the storage event and the
reconciler alike). The record, the account counters and the session's close
are written in one conditional transaction, so whichever path comes first
records the file and the others find it done (:func:`settle`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, BinaryIO

from chalicelib import accounts, records, storage, telemetry
from chalicelib.config import get_settings
from chalicelib.domain import clock, layout, wording
from chalicelib.domain.formats import extension_for, formatted_size
from chalicelib.domain.names import Uploader, UploadFlow
from chalicelib.domain.upload import Declared, UploadSession
from chalicelib.domain.values import MediaFile
from chalicelib.errors import (
    ContentRejected,
    MediaError,
    MediaLimitReached,
    MediaNotFound,
    ServiceUnavailable,
    UploadExpired,
)

if TYPE_CHECKING:
    from chalicelib.probe import Probed


class IngestOutcome(StrEnum):
    RECORDED = "recorded"  # this call recorded the file
    EXISTING = "existing"  # an earlier call did
    REJECTED = "rejected"  # the bytes (or the plan) were refused
    IGNORED = "ignored"  # nothing to do: unknown key, nothing stored, file deleted since


@dataclass(frozen=True)
class IngestResult:
    """What became of one session's bytes."""

    outcome: IngestOutcome
    media: MediaFile | None = None
    session: UploadSession | None = None
    error: MediaError | None = None
    bytes_read: int = 0  # from storage, to check the bytes (0: nothing read this time)

    def media_or_raise(self) -> MediaFile:
        if self.error is not None:
            raise self.error
        assert self.media is not None
        return self.media


def inspect_content(source: BinaryIO, size: int, declared: Declared) -> Probed:
    from chalicelib import probe  # Pillow and the video probe stay off the API's import path

    return probe.inspect(source, size, declared.file_type)


def check_size(size: int, declared: int | None = None, filename: str | None = None) -> None:
    """ContentRejected when the bytes are over the per-file limit or the size the client declared."""
    limit = get_settings().max_file_size
    if size == 0:
        raise ContentRejected("empty_file", wording.empty(filename))
    if size > limit:
        raise ContentRejected("file_too_large", wording.too_large(filename, size, limit))
    if declared is not None and size > declared:
        raise ContentRejected(
            "file_too_large",
            f"The file ({formatted_size(size)}) is larger than the file_size declared for this upload "
            f"({declared} bytes). Start a new upload with the real size.",
        )


def upload_lifetime() -> timedelta:
    """How long an upload session's form (and window) lasts."""
    return timedelta(seconds=get_settings().upload_expires_seconds)


def ingest_bytes(account_id: str, declared: Declared, data: bytes, *, uploaded_by: Uploader) -> MediaFile:
    """The direct route: check bytes already in memory, store them at their public key, record the file."""
    try:
        check_size(len(data), filename=declared.original_name)
        probed = inspect_content(io.BytesIO(data), len(data), declared)
    except ContentRejected as exc:
        telemetry.upload_rejected(exc.reason, str(UploadFlow.DIRECT))
        raise
    accounts.require_room(account_id, "direct")
    key = layout.media_key(account_id, declared.file_type, extension_for(probed.mime_type, declared.extension))
    session = UploadSession.direct(
        account_id,
        declared,
        storage_key=key,
        size=len(data),
        content_type=probed.mime_type,
        uploaded_by=uploaded_by,
        lifetime=upload_lifetime(),
    )
    records.store().put_session(session)
    media = new_media(session, probed, len(data), key)
    storage.store().put_object(key, data, probed.mime_type, object_metadata(media))
    try:
        result = record(media, session)
    except ServiceUnavailable as exc:
        # The client retries a 503: withdraw the bytes. (If the record was written
        # after all, the session is closed and that file is the answer.)
        result = reject(session, exc, "service_unavailable")
    return result.media_or_raise()


def new_media(session: UploadSession, probed: Probed, size: int, key: str) -> MediaFile:
    """The MediaFile checked bytes at ``key`` will be, with a freshly allocated id."""
    return session.media_file(
        records.store().allocate_media_id(session.account_id),
        storage_key=key,
        mime_type=probed.mime_type,
        extension=extension_for(probed.mime_type, session.declared.extension),
        metadata=probed.metadata,
        size=size,
        now=clock.now_text(),
        traits=probed.traits,
    )


def object_metadata(media: MediaFile) -> dict[str, str]:
    """What a stored file carries besides its bytes: its record's id, for the thumbnail maker."""
    return {"media-id": str(media.media_id)}


def record(media: MediaFile, session: UploadSession) -> IngestResult:
    """Write the record, its counters and the session's close at once (safe to repeat)."""
    try:
        created = records.store().record_media(media, session)
    except MediaLimitReached as exc:
        return reject(session, exc, "media_limit_reached")
    if not created:
        return settle(session)
    telemetry.emit("upload_accepted", {"UploadsAccepted": 1.0}, route=str(session.flow), file_type=media.file_type)
    return IngestResult(
        IngestOutcome.RECORDED, media=media, session=session.complete(media.media_id, media.storage_key)
    )


def reject(session: UploadSession, error: MediaError, reason: str) -> IngestResult:
    """Close the session as rejected, then delete its bytes (both idempotent).

    The session first: a session another path completed meanwhile is never
    rejected, so a recorded file never loses its object; and when the delete
    fails, the next event, ``complete`` or the reconciler finishes it, while
    the session already tells the client why.
    """
    rejected = session.reject(reason, error.message)
    if not records.store().reject_session(rejected):
        return settle(session)
    telemetry.upload_rejected(reason, str(session.flow))
    storage.store().delete_object(session.staging_key or session.storage_key or "")
    return IngestResult(IngestOutcome.REJECTED, session=rejected, error=error)


def expire(session: UploadSession) -> IngestResult:
    """Close a pending session whose window passed with nothing (valid) sent."""
    return reject(session, UploadExpired(), "upload_expired")


def settle(session: UploadSession, *, read: bool = True, describe: bool = True) -> IngestResult:
    """What became of a session some earlier call closed.

    Reads are strongly consistent: the write that closed it may be milliseconds
    old, and a stale "pending" must never be reported as a rejection. A caller
    that has just read it so passes ``read=False``. ``describe=False``: the
    outcome only, without the reads that rebuild the file or the error (a
    repeated storage event needs no answer body).
    """
    db = records.store()
    fresh = (db.get_session(session.upload_id, consistent=True) if read else None) or session
    if fresh.is_pending:
        # A write found it closed, yet it reads pending: a retry (the event's
        # redelivery, the client's next request) settles it.
        raise ServiceUnavailable("The upload could not be recorded yet. Retry the request.")
    settled = fresh.settle()
    for leftover in settled.leftovers:
        storage.store().delete_object(leftover)
    if settled.media_id is None:
        return IngestResult(IngestOutcome.REJECTED, session=fresh, error=rejection_of(fresh) if describe else None)
    if not describe:
        return IngestResult(IngestOutcome.EXISTING, session=fresh)
    media = db.get_media(fresh.account_id, settled.media_id, consistent=True)
    if media is None:
        # Recorded, then deleted: nothing to return any more, and nothing was rejected.
        gone = MediaNotFound("The file of this upload has been deleted.")
        return IngestResult(IngestOutcome.IGNORED, session=fresh, error=gone)
    return IngestResult(IngestOutcome.EXISTING, media=media, session=fresh)


def rejection_of(session: UploadSession) -> MediaError:
    """Rebuild the error a rejected session was closed with."""
    if session.reason == "media_limit_reached":
        account = records.store().get_account(session.account_id)
        if account is None:
            return MediaLimitReached(0, 0)
        return MediaLimitReached(account.media_limit or 0, account.media_count)
    if session.reason == "upload_expired":
        return UploadExpired(session.reason_message)
    return ContentRejected(session.reason or "rejected", session.reason_message or "The file was rejected.")
