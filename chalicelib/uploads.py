"""The ways in: direct multipart uploads and upload sessions (docs/architecture.md, "Uploads").

The direct route hands bytes already in memory to ingest, which checks them
and stores them at their public key. A session hands the client a presigned
form for a private staging key, so the bytes go straight to storage;
promotion checks and publishes them. Each use case returns domain values;
chalicelib.presenters makes the JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib import accounts, ingest, promotion, records, storage
from chalicelib.config import get_settings
from chalicelib.domain import wording
from chalicelib.domain.formats import MIME_TYPES, formatted_size
from chalicelib.domain.names import SessionStatus, Uploader
from chalicelib.domain.upload import Declared, UploadSession
from chalicelib.domain.values import MediaFile
from chalicelib.errors import (
    InvalidInput,
    MediaError,
    PayloadTooLarge,
    UploadExpired,
    UploadNotFound,
    UploadNotReceived,
)

#: Room for the multipart envelope (boundaries, part headers, the name field).
FORM_OVERHEAD = 16 * 1024


@dataclass(frozen=True)
class StartUpload:
    """A valid ``POST /media/uploads`` body."""

    declared: Declared
    file_size: int
    content_type: str


@dataclass(frozen=True)
class StartedUpload:
    """An open session and the form its bytes are sent with."""

    session: UploadSession
    form: storage.PresignedUpload


@dataclass(frozen=True)
class UploadState:
    """A session as ``GET /media/uploads/{id}`` shows it: its file once completed, its error once rejected."""

    session: UploadSession
    media: MediaFile | None = None
    error: MediaError | None = None


def _declared_size(value: Any, limit: int, filename: Any) -> tuple[int | None, str | None]:
    shown = filename if isinstance(filename, str) else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON's 672.0 is the integer 672 (as JSON Schema counts it)
    if isinstance(value, bool) or not isinstance(value, int):
        return None, "The file_size field must be an integer (bytes)."
    if value < 1:
        return None, wording.empty(shown)
    if value > limit:
        return None, wording.too_large(shown, value, limit)
    return value, None


def parse_start_upload(body: Any) -> StartUpload:
    """Validate a session request; InvalidInput names every bad field."""
    if not isinstance(body, dict):
        raise InvalidInput({"filename": ["The request body must be a JSON object."]})
    errors: dict[str, list[str]] = {}
    filename = body.get("filename")
    declared: Declared | None = None
    try:
        declared = Declared.parse(
            filename if isinstance(filename, str) else None, body.get("name"), file_field="filename"
        )
    except InvalidInput as exc:
        errors.update(exc.errors or {})
    size, size_error = _declared_size(body.get("file_size"), get_settings().max_file_size, filename)
    if size_error:
        errors["file_size"] = [size_error]
    content_type = body.get("content_type")
    if declared is not None and content_type is not None:
        family_types = {m for m in MIME_TYPES.values() if m.split("/")[0] == declared.file_type}
        if not isinstance(content_type, str) or content_type.lower() not in family_types:
            errors["content_type"] = [f"The content_type must be one of: {', '.join(sorted(family_types))}."]
    if errors or declared is None or size is None:
        raise InvalidInput(errors)
    pinned = content_type.lower() if isinstance(content_type, str) else MIME_TYPES[declared.extension]
    return StartUpload(declared, size, pinned)


def upload_direct(
    account_id: str, filename: str | None, data: bytes, name: Any = None, *, uploaded_by: Uploader = Uploader.CLIENT
) -> MediaFile:
    """Check bytes already in memory, store them at their public key, record the file."""
    return ingest.ingest_bytes(account_id, Declared.parse(filename, name), data, uploaded_by=uploaded_by)


def upload_multipart(account_id: str, body: bytes, content_type: str) -> MediaFile:
    """The direct route: a small multipart body with ``file`` and an optional ``name``."""
    from chalicelib.multipart import parse_form

    limit = get_settings().direct_upload_max_bytes
    if len(body) > limit + FORM_OVERHEAD:
        raise PayloadTooLarge(_too_large_message(limit))
    form = parse_form(body, content_type)
    upload = form.files.get("file")
    if upload is None:
        problem = "The file field must be a file." if "file" in form.fields else "The file field is required."
        raise InvalidInput({"file": [problem]})
    if len(upload.data) > limit:
        raise PayloadTooLarge(_too_large_message(limit))
    return upload_direct(account_id, upload.filename or None, upload.data, form.fields.get("name"))


def _too_large_message(limit: int) -> str:
    maximum = get_settings().max_file_size
    if limit >= maximum:  # the direct route takes all a session would (the local stack)
        return f"Files are limited to {formatted_size(maximum)}."
    return (
        f"Direct uploads are limited to {formatted_size(limit)}. For larger files "
        f"(up to {formatted_size(maximum)}) start an upload session "
        "with POST /api/v1/media/uploads and send the file straight to storage."
    )


def start_upload(account_id: str, body: Any) -> StartedUpload:
    """Open a session and presign the form to send its bytes with."""
    request = parse_start_upload(body)
    accounts.require_room(account_id, "start")
    session = UploadSession.presigned(
        account_id,
        request.declared,
        size=request.file_size,
        content_type=request.content_type,
        lifetime=ingest.upload_lifetime(),
    )
    records.store().put_session(session)
    assert session.staging_key is not None
    expires = get_settings().upload_expires_seconds
    form = storage.store().presign_upload(session.staging_key, request.content_type, request.file_size, expires)
    return StartedUpload(session, form)


def find_session(account_id: str, upload_id: str) -> UploadSession:
    """The account's session, or UploadNotFound (another account's looks the same)."""
    valid = len(upload_id) == 32 and all(c in "0123456789abcdef" for c in upload_id)
    session = records.store().get_session(upload_id) if valid else None
    if session is None or session.account_id != account_id:
        raise UploadNotFound()
    return session


def get_upload(account_id: str, upload_id: str) -> UploadState:
    session = find_session(account_id, upload_id)
    if session.status == SessionStatus.COMPLETED and session.media_id is not None:
        return UploadState(session, media=records.store().get_media(account_id, session.media_id))
    if session.status == SessionStatus.REJECTED:
        return UploadState(session, error=ingest.rejection_of(session))
    return UploadState(session)


def complete_upload(account_id: str, upload_id: str) -> tuple[MediaFile, bool]:
    """Ingest the session's bytes now; (the file, first acknowledgement?).

    Idempotent: the first call that sees the file recorded answers "created",
    every later one returns the same file.
    """
    session = find_session(account_id, upload_id)
    staged = session.staging_key
    if session.is_pending and session.is_expired() and (staged is None or storage.store().head_object(staged) is None):
        ingest.expire(session)
        raise UploadExpired()
    try:
        media = promotion.ingest_session(session).media_or_raise()
    except UploadNotReceived:
        raise UploadNotReceived(
            "No file has arrived for this upload yet: send it with the form from "
            "POST /api/v1/media/uploads, then call complete again."
        ) from None
    return media, records.store().acknowledge_session(upload_id)
