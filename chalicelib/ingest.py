"""Uploads and ingest: how a stored object becomes a MediaFile.

Every object has an UploadSession created before its bytes arrive; its key
embeds the session id. Ingest (from the direct route, ``complete``, an S3
event or the reconciler) validates the bytes, then records the file, the
counters and the session status in one conditional transaction, so whichever
path comes first records the file and the others find it done. An object
that fails validation is deleted and its session marked ``rejected``.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, BinaryIO
from urllib.parse import unquote_plus

from chalicelib import records, storage
from chalicelib.config import get_settings
from chalicelib.errors import (
    ContentRejected,
    InvalidInput,
    MediaError,
    MediaLimitReached,
    MediaNotFound,
    PayloadTooLarge,
    UploadExpired,
    UploadNotReceived,
)
from chalicelib.media import (
    ALLOWED_LIST,
    TIMESTAMP_FORMAT,
    clean_original_name,
    extension_of,
    family_of,
    formatted_size,
    name_errors,
    new_upload_id,
    now_iso,
    parse_key,
    storage_key,
    to_json,
)
from chalicelib.models import Account, MediaFile, UploadSession

log = logging.getLogger(__name__)
#: Finished sessions stay readable (GET /uploads/{id}) this long, then expire.
SESSION_RETENTION = timedelta(days=7)
#: Clock skew allowed between storage's LastModified and a session's expiry.
EXPIRY_GRACE = timedelta(seconds=30)
#: Room for the multipart envelope (boundaries, part headers, the name field).
FORM_OVERHEAD = 16 * 1024


@dataclass(frozen=True)
class IngestResult:
    """What ingest did with one object: ``recorded``, ``existing``, ``rejected`` or ``ignored``."""

    outcome: str
    media: MediaFile | None = None
    session: UploadSession | None = None
    error: MediaError | None = None


def check_limit(account_id: str) -> Account:
    """Refuse early (403) when the plan is already full; the transaction re-checks."""
    account = records.get_account(account_id)
    if account is None:
        raise MediaNotFound(f"Account {account_id!r} not found.")
    if account.media_limit is not None and account.media_count >= account.media_limit:
        raise MediaLimitReached(int(account.media_limit), int(account.media_count))
    return account


def validate_upload_fields(filename: str | None, name: Any) -> tuple[str, str, str, str]:
    """(original_name, display name, extension, family) or InvalidInput naming each bad field."""
    errors: dict[str, list[str]] = {}
    original = clean_original_name(filename) if filename else ""
    extension = extension_of(original)
    family = family_of(extension)
    if not filename:
        errors["file"] = ["The file field is required."]
    elif family is None:
        errors["file"] = [f"The file field must be a file of type: {ALLOWED_LIST}."]
    display = original
    if isinstance(name, str) and not name.strip():
        name = None  # an empty form field means "use the filename"
    if name is not None:
        problems = name_errors(name)
        if problems:
            errors["name"] = problems
        else:
            display = name.strip()
    if errors:
        raise InvalidInput(errors)
    assert family is not None
    return original, display, extension, family


def new_session(
    account_id: str,
    *,
    original: str,
    name: str,
    extension: str,
    family: str,
    declared_size: int | None,
    content_type: str | None,
    uploaded_by: str,
) -> UploadSession:
    upload_id = new_upload_id()
    created = datetime.now(timezone.utc)
    expires = created + timedelta(seconds=get_settings().upload_expires_seconds)
    return UploadSession(
        upload_id,
        account_id=account_id,
        storage_key=storage_key(account_id, family, upload_id, extension),
        filename=original,
        name=name,
        extension=extension,
        file_type=family,
        declared_size=declared_size,
        content_type=content_type,
        uploaded_by=uploaded_by,
        status="pending",
        created_at=created.strftime(TIMESTAMP_FORMAT),
        expires_at=expires.strftime(TIMESTAMP_FORMAT),
        expires_ttl=expires + SESSION_RETENTION,
    )


def upload_direct(
    account_id: str,
    filename: str | None,
    data: bytes,
    name: Any = None,
    *,
    uploaded_by: str = "client",
) -> MediaFile:
    """Validate bytes already in memory, store them, and record the file."""
    original, display, extension, family = validate_upload_fields(filename, name)
    limit = get_settings().max_file_size
    if len(data) > limit:
        raise ContentRejected("file_too_large", f"The file must not be greater than {limit} bytes.")
    probed = _inspect(io.BytesIO(data), len(data), family)
    check_limit(account_id)
    session = new_session(
        account_id,
        original=original,
        name=display,
        extension=extension,
        family=family,
        declared_size=len(data),
        content_type=probed.mime_type,
        uploaded_by=uploaded_by,
    )
    records.put_session(session)
    storage.put_object(session.storage_key, data, probed.mime_type)
    result = _record(session, probed, len(data))
    if result.error is not None:
        raise result.error
    assert result.media is not None
    return result.media


def reject(session: UploadSession, error: MediaError, reason: str) -> IngestResult:
    """Delete the object and close the session as rejected (both idempotent)."""
    storage.delete_object(session.storage_key)
    records.reject_session(session, reason, error.message)
    return IngestResult("rejected", session=session, error=error)


def _settled(session: UploadSession) -> IngestResult:
    """The result of a session some earlier ingest already closed."""
    fresh = records.get_session(session.upload_id) or session
    if fresh.status == "completed" and fresh.media_id is not None:
        media = records.get_media(fresh.account_id, int(fresh.media_id))
        if media is not None:
            return IngestResult("existing", media=media, session=fresh)
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


def _record(session: UploadSession, probed: Any, size: int) -> IngestResult:
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


def _inspect(source: BinaryIO, size: int, family: str) -> Any:
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
        probed = _inspect(reader, info.size, session.file_type)  # type: ignore[arg-type]
    except ContentRejected as exc:
        return reject(session, exc, exc.reason)
    if info.content_type != probed.mime_type:
        storage.set_content_type(session.storage_key, probed.mime_type)
    if session.flow == "presigned":
        # Before recording: a recorded file must never carry the tag the
        # abandoned-upload lifecycle rule expires.
        storage.clear_pending_tag(session.storage_key)
    return _record(session, probed, info.size)


def session_expired(session: UploadSession, at: datetime | None = None) -> bool:
    """Whether ``at`` (default: now) is past the session's upload window."""
    deadline = datetime.strptime(session.expires_at, TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)
    return (at or datetime.now(timezone.utc)) > deadline + EXPIRY_GRACE


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


def upload_multipart(account_id: str, body: bytes, content_type: str) -> MediaFile:
    """The direct route: a small multipart body with ``file`` and an optional ``name``."""
    from chalicelib.forms import parse_form

    limit = get_settings().direct_upload_max_bytes
    if len(body) > limit + FORM_OVERHEAD:
        raise PayloadTooLarge(_too_large_message(limit))
    form = parse_form(body, content_type)
    upload = form.files.get("file")
    if upload is None:
        errors = {"file": ["The file field is required."]}
        if "file" in form.fields:
            errors = {"file": ["The file field must be a file."]}
        raise InvalidInput(errors)
    if len(upload.data) > limit:
        raise PayloadTooLarge(_too_large_message(limit))
    return upload_direct(account_id, upload.filename or None, upload.data, form.fields.get("name"))


def _too_large_message(limit: int) -> str:
    return (
        f"Direct uploads are limited to {formatted_size(limit)}. For larger files "
        f"(up to {formatted_size(get_settings().max_file_size)}) start an upload session "
        "with POST /api/v1/media/uploads and send the file straight to storage."
    )


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
