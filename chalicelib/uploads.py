"""The ways in (DESIGN §3.4): direct multipart uploads and upload sessions.

The direct route checks bytes already in memory and stores them at their
public key. A session hands the client a presigned form for a private
staging key, so the bytes go straight to storage; ingest checks and
promotes them. Each use case returns what its view sends.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from chalicelib import ingest, records, sessions, storage, telemetry
from chalicelib.config import get_settings
from chalicelib.errors import (
    AccountNotFound,
    ContentRejected,
    InvalidInput,
    MediaLimitReached,
    PayloadTooLarge,
    ServiceUnavailable,
    UploadExpired,
    UploadNotReceived,
)
from chalicelib.media import (
    ALLOWED_LIST,
    MIME_TYPES,
    clean_original_name,
    extension_for,
    extension_of,
    family_of,
    formatted_size,
    media_json,
    media_key,
    name_errors,
)
from chalicelib.models import Account
from chalicelib.sessions import Declared
from chalicelib.states import SessionStatus, Uploader, UploadFlow

#: Room for the multipart envelope (boundaries, part headers, the name field).
FORM_OVERHEAD = 16 * 1024


@dataclass(frozen=True)
class StartUpload:
    """A valid ``POST /media/uploads`` body."""

    declared: Declared
    file_size: int
    content_type: str


def parse_declared(filename: str | None, name: Any, *, file_field: str = "file") -> Declared:
    """The declared file, or InvalidInput naming each bad field (``file_field``: the filename's field)."""
    errors: dict[str, list[str]] = {}
    original = clean_original_name(filename) if filename else ""
    extension = extension_of(original)
    family = family_of(extension)
    if not filename:
        errors[file_field] = [f"The {file_field} field is required."]
    elif family is None:
        errors[file_field] = [f"The {file_field} field must be a file of type: {ALLOWED_LIST}."]
    display = original
    if isinstance(name, str) and not name.strip():
        name = None  # an empty form field means "use the filename"
    if name is not None:
        problems = name_errors(name)
        if problems:
            errors["name"] = problems
        else:
            display = name.strip()
    if errors or family is None:
        raise InvalidInput(errors)
    return Declared(original, display, extension, family)


def _declared_size(value: Any, limit: int) -> tuple[int | None, str | None]:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON's 672.0 is the integer 672 (as JSON Schema counts it)
    if isinstance(value, bool) or not isinstance(value, int):
        return None, "The file_size field must be an integer (bytes)."
    if value < 1:
        return None, "The file_size field must be at least 1."
    if value > limit:
        return None, f"The file_size field must not be greater than {limit} bytes."
    return value, None


def parse_start_upload(body: Any) -> StartUpload:
    """Validate a session request; InvalidInput names every bad field."""
    if not isinstance(body, dict):
        raise InvalidInput({"filename": ["The request body must be a JSON object."]})
    errors: dict[str, list[str]] = {}
    filename = body.get("filename")
    declared: Declared | None = None
    try:
        declared = parse_declared(
            filename if isinstance(filename, str) else None, body.get("name"), file_field="filename"
        )
    except InvalidInput as exc:
        errors.update(exc.errors or {})
    size, size_error = _declared_size(body.get("file_size"), get_settings().max_file_size)
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


def check_limit(account_id: str) -> Account:
    """Refuse early (403) when the plan is already full; the transaction re-checks."""
    account = records.get_account(account_id)
    if account is None:
        raise AccountNotFound()
    if account.media_limit is not None and account.media_count >= account.media_limit:
        telemetry.plan_limit_refused("start")
        raise MediaLimitReached(int(account.media_limit), int(account.media_count))
    return account


def upload_direct(
    account_id: str, filename: str | None, data: bytes, name: Any = None, *, uploaded_by: str = Uploader.CLIENT
) -> dict[str, Any]:
    """Check bytes already in memory, store them at their public key, record the file."""
    declared = parse_declared(filename, name)
    try:
        ingest.check_size(len(data))
        probed = ingest.inspect_content(io.BytesIO(data), len(data), declared.file_type)
    except ContentRejected as exc:
        telemetry.upload_rejected(exc.reason, str(UploadFlow.DIRECT))
        raise
    check_limit(account_id)
    key = media_key(account_id, probed.family, extension_for(probed.mime_type, declared.extension))
    session = sessions.open_session(
        account_id,
        declared,
        size=len(data),
        content_type=probed.mime_type,
        uploaded_by=uploaded_by,
        flow=UploadFlow.DIRECT,
        storage_key=key,
    )
    media = ingest.new_record(session, probed, len(data), key)
    storage.put_object(key, data, probed.mime_type, ingest.tags_of(media))
    try:
        result = ingest.record(media, session)
    except ServiceUnavailable as exc:
        # The client retries a 503: withdraw the bytes. (If the record was written
        # after all, the session is closed and that file is the answer.)
        result = sessions.reject(session, exc, "service_unavailable")
    return media_json(result.media_or_raise())


def upload_multipart(account_id: str, body: bytes, content_type: str) -> dict[str, Any]:
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


def start_upload(account_id: str, body: Any) -> dict[str, Any]:
    """Open a session and return the presigned form to send the bytes with."""
    request = parse_start_upload(body)
    check_limit(account_id)
    session = sessions.open_session(
        account_id,
        request.declared,
        size=request.file_size,
        content_type=request.content_type,
        uploaded_by=Uploader.CLIENT,
        flow=UploadFlow.PRESIGNED,
    )
    staged = sessions.staging_key(session)
    assert staged is not None
    expires = get_settings().upload_expires_seconds
    form = storage.presign_upload(staged, request.content_type, request.file_size, expires)
    return {
        "id": session.upload_id,
        "status": str(SessionStatus.PENDING),
        "upload": form.to_json(),
        "expires_at": session.expires_at,
        "max_size": request.file_size,
    }


def get_upload(account_id: str, upload_id: str) -> dict[str, Any]:
    return sessions.session_json(sessions.find_session(account_id, upload_id))


def complete_upload(account_id: str, upload_id: str) -> tuple[dict[str, Any], bool]:
    """Ingest the session's bytes now; (MediaFile JSON, first acknowledgement?).

    Idempotent: the first call that sees the file recorded answers "created",
    every later one returns the same file.
    """
    session = sessions.find_session(account_id, upload_id)
    staged = sessions.staging_key(session)
    if (
        session.status == SessionStatus.PENDING
        and sessions.is_expired(session)
        and (staged is None or storage.head_object(staged) is None)
    ):
        sessions.expire(session)
        raise UploadExpired()
    try:
        media = ingest.ingest_session(session).media_or_raise()
    except UploadNotReceived:
        raise UploadNotReceived(
            "No file has arrived for this upload yet: send it with the form from "
            "POST /api/v1/media/uploads, then call complete again."
        ) from None
    return media_json(media), records.acknowledge_session(upload_id)
