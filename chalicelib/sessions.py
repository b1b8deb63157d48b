"""The upload session lifecycle (DESIGN §3.4): open, settle, reject, expire, and its JSON.

Every object has a session before its bytes arrive. A direct upload's bytes
go to their public key at once; a presigned upload's wait at the session's
private staging key until ingest promotes them. A session is closed exactly
once (a conditional write): ``completed`` with its file, or ``rejected`` with
a reason. Whatever reaches a closed session afterwards (a duplicate event, a
re-sent form, a repeated ``complete``) only finds out what became of it, and
removes what a re-sent form left in the staging area.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from chalicelib import records, storage, telemetry
from chalicelib.config import get_settings
from chalicelib.errors import (
    ContentRejected,
    MediaError,
    MediaLimitReached,
    MediaNotFound,
    ServiceUnavailable,
    UploadExpired,
    UploadNotFound,
)
from chalicelib.media import TIMESTAMP_FORMAT, media_json, new_upload_id, staged_key
from chalicelib.models import MediaFile, UploadSession
from chalicelib.states import SessionStatus, UploadFlow

#: Finished sessions stay readable (GET /uploads/{id}) this long, then expire.
SESSION_RETENTION = timedelta(days=7)
#: Clock skew allowed between storage's LastModified and a session's expiry.
EXPIRY_GRACE = timedelta(seconds=30)


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


@dataclass(frozen=True)
class Declared:
    """What the client said about a file before its bytes were read."""

    original_name: str  # the client's filename, made safe to show
    name: str  # display name
    extension: str  # of original_name (allowed)
    file_type: str  # family of that extension


def open_session(
    account_id: str,
    declared: Declared,
    *,
    size: int,
    content_type: str,
    uploaded_by: str,
    flow: UploadFlow,
    storage_key: str | None = None,
) -> UploadSession:
    """Create and store a pending session (``storage_key``: a direct upload's public key)."""
    created = datetime.now(UTC)
    expires = created + timedelta(seconds=get_settings().upload_expires_seconds)
    session = UploadSession(
        new_upload_id(),
        account_id=account_id,
        storage_key=storage_key,
        filename=declared.original_name,
        name=declared.name,
        extension=declared.extension,
        file_type=declared.file_type,
        declared_size=size,
        content_type=content_type,
        uploaded_by=uploaded_by,
        flow=flow,
        status=SessionStatus.PENDING,
        created_at=created.strftime(TIMESTAMP_FORMAT),
        expires_at=expires.strftime(TIMESTAMP_FORMAT),
        expires_ttl=expires + SESSION_RETENTION,
    )
    records.put_session(session)
    return session


def staging_key(session: UploadSession) -> str | None:
    """Where a presigned session's form writes (None for a direct upload)."""
    return staged_key(session.account_id, session.upload_id) if session.flow == UploadFlow.PRESIGNED else None


def find_session(account_id: str, upload_id: str) -> UploadSession:
    """The account's session, or UploadNotFound (another account's looks the same)."""
    valid = len(upload_id) == 32 and all(c in "0123456789abcdef" for c in upload_id)
    session = records.get_session(upload_id) if valid else None
    if session is None or session.account_id != account_id:
        raise UploadNotFound()
    return session


def is_expired(session: UploadSession, at: datetime | None = None) -> bool:
    """Whether ``at`` (default: now) is past the session's upload window."""
    deadline = datetime.strptime(session.expires_at, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    return (at or datetime.now(UTC)) > deadline + EXPIRY_GRACE


def reject(session: UploadSession, error: MediaError, reason: str) -> IngestResult:
    """Close the session as rejected, then delete its bytes (both idempotent).

    The session first: a session another path completed meanwhile is never
    rejected, so a recorded file never loses its object; and when the delete
    fails, the next event, ``complete`` or the reconciler finishes it, while
    the session already tells the client why.
    """
    if not records.reject_session(session, reason, error.message):
        return settle(session)
    telemetry.upload_rejected(reason, str(session.flow))
    storage.delete_object(staging_key(session) or session.storage_key)
    return IngestResult(IngestOutcome.REJECTED, session=session, error=error)


def expire(session: UploadSession) -> IngestResult:
    return reject(session, UploadExpired(), "upload_expired")


def settle(session: UploadSession, *, read: bool = True, describe: bool = True) -> IngestResult:
    """What became of a session some earlier call closed.

    Reads are strongly consistent: the write that closed it may be milliseconds
    old, and a stale "pending" must never be reported as a rejection. A caller
    that has just read it so passes ``read=False``. ``describe=False``: the
    outcome only, without the reads that rebuild the file or the error (a
    repeated storage event needs no answer body).
    """
    fresh = (records.get_session(session.upload_id, consistent=True) if read else None) or session
    if fresh.status == SessionStatus.PENDING:
        # A write found it closed, yet it reads pending: a retry (the event's
        # redelivery, the client's next request) settles it.
        raise ServiceUnavailable("The upload could not be recorded yet. Retry the request.")
    staged = staging_key(fresh)
    if staged is not None:
        storage.delete_object(staged)  # a re-sent form's bytes, or a delete that failed before
    if fresh.status == SessionStatus.REJECTED:
        if staged is None and fresh.storage_key:
            storage.delete_object(fresh.storage_key)  # finishes a rejection whose delete failed
        return IngestResult(IngestOutcome.REJECTED, session=fresh, error=rejection_of(fresh) if describe else None)
    if not describe:
        return IngestResult(IngestOutcome.EXISTING, session=fresh)
    media = records.get_media(fresh.account_id, int(fresh.media_id), consistent=True) if fresh.media_id else None
    if media is None:
        # Recorded, then deleted: nothing to return any more, and nothing was rejected.
        gone = MediaNotFound("The file of this upload has been deleted.")
        return IngestResult(IngestOutcome.IGNORED, session=fresh, error=gone)
    return IngestResult(IngestOutcome.EXISTING, media=media, session=fresh)


def rejection_of(session: UploadSession) -> MediaError:
    """Rebuild the error a rejected session was closed with."""
    if session.reason == "media_limit_reached":
        account = records.get_account(session.account_id)
        limit = int(account.media_limit) if account and account.media_limit is not None else 0
        return MediaLimitReached(limit, int(account.media_count) if account else 0)
    if session.reason == "upload_expired":
        return UploadExpired(session.reason_message)
    return ContentRejected(session.reason or "rejected", session.reason_message or "The file was rejected.")


def session_json(session: UploadSession, media: dict[str, Any] | None = None) -> dict[str, Any]:
    """The upload session object of DESIGN §3.4 (``media`` or ``error`` once closed)."""
    body: dict[str, Any] = {
        "id": session.upload_id,
        "status": str(session.status),
        "filename": session.filename,
        "name": session.name,
        "file_size": None if session.declared_size is None else int(session.declared_size),
        "expires_at": session.expires_at,
        "created_at": session.created_at,
    }
    if session.status == SessionStatus.COMPLETED and session.media_id is not None:
        if media is None:
            found = records.get_media(session.account_id, int(session.media_id))
            media = media_json(found) if found is not None else None
        body["media"] = media
    if session.status == SessionStatus.REJECTED:
        error = rejection_of(session)
        body["error"] = {"code": session.reason, "message": error.message, **error.extra}
    return body
