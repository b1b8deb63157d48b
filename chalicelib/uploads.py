"""The ways in (DESIGN §3.4): direct multipart uploads and upload sessions.

Every object gets an UploadSession before its bytes arrive. The direct route
validates bytes already in memory; a session reserves a server-generated key
and hands the client a presigned form for it, so the bytes go straight to
storage. Either way the shared ingest of ``ingest.py`` records the file.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib import ingest, records, storage
from chalicelib.config import get_settings
from chalicelib.errors import (
    ContentRejected,
    InvalidInput,
    MediaLimitReached,
    MediaNotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    UploadExpired,
    UploadNotFound,
    UploadNotReceived,
)
from chalicelib.ingest import SESSION_RETENTION, inspect_content, media_json, record_upload
from chalicelib.media import (
    ALLOWED_LIST,
    MIME_TYPES,
    TIMESTAMP_FORMAT,
    clean_original_name,
    extension_of,
    family_of,
    formatted_size,
    name_errors,
    new_upload_id,
    storage_key,
)
from chalicelib.models import Account, MediaFile, UploadSession

#: Room for the multipart envelope (boundaries, part headers, the name field).
FORM_OVERHEAD = 16 * 1024


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
    flow: str = "direct",
) -> UploadSession:
    upload_id = new_upload_id()
    created = datetime.now(UTC)
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
        flow=flow,
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
    probed = inspect_content(io.BytesIO(data), len(data), family)
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
    try:
        result = record_upload(session, probed, len(data))
    except ServiceUnavailable as exc:
        # The client retries a 503: withdraw the bytes, or their event would record them too.
        # (If the event recorded them meanwhile, that file is the answer.)
        result = ingest.reject(session, exc, "service_unavailable")
    if result.error is not None:
        raise result.error
    assert result.media is not None
    return result.media


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
    maximum = get_settings().max_file_size
    if limit >= maximum:  # the direct route takes all a session would (the local stack)
        return f"Files are limited to {formatted_size(maximum)}."
    return (
        f"Direct uploads are limited to {formatted_size(limit)}. For larger files "
        f"(up to {formatted_size(get_settings().max_file_size)}) start an upload session "
        "with POST /api/v1/media/uploads and send the file straight to storage."
    )


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


def start_upload(account_id: str, body: Any) -> dict[str, Any]:
    """Reserve a key and return the presigned form to send the bytes with."""
    if not isinstance(body, dict):
        raise InvalidInput({"filename": ["The request body must be a JSON object."]})
    settings = get_settings()
    filename = body.get("filename")
    errors: dict[str, list[str]] = {}
    try:
        original, display, extension, family = validate_upload_fields(
            filename if isinstance(filename, str) else None, body.get("name")
        )
    except InvalidInput as exc:
        errors.update({("filename" if k == "file" else k): v for k, v in (exc.errors or {}).items()})
        original = display = extension = family = ""
    size, size_error = _declared_size(body.get("file_size"), settings.max_file_size)
    if size_error:
        errors["file_size"] = [size_error]
    content_type = body.get("content_type")
    expected = MIME_TYPES.get(extension)
    if content_type is not None and expected is not None:
        family_types = {m for e, m in MIME_TYPES.items() if m.split("/")[0] == family}
        if not isinstance(content_type, str) or content_type.lower() not in family_types:
            errors["content_type"] = [f"The content_type must be one of: {', '.join(sorted(family_types))}."]
    if errors:
        raise InvalidInput(errors)
    content_type = content_type.lower() if isinstance(content_type, str) else expected
    assert content_type is not None and size is not None
    check_limit(account_id)
    session = new_session(
        account_id,
        original=original,
        name=display,
        extension=extension,
        family=family,
        declared_size=size,
        content_type=content_type,
        uploaded_by="client",
        flow="presigned",
    )
    records.put_session(session)
    form = storage.presign_upload(
        session.storage_key, content_type, size, settings.max_file_size, settings.upload_expires_seconds
    )
    return {
        "id": session.upload_id,
        "status": "pending",
        "upload": form.to_json(),
        "expires_at": session.expires_at,
        "max_size": settings.max_file_size,
    }


def _own_session(account_id: str, upload_id: str) -> UploadSession:
    session = records.get_session(upload_id) if _valid_id(upload_id) else None
    if session is None or session.account_id != account_id:
        raise UploadNotFound()
    return session


def _valid_id(upload_id: str) -> bool:
    return len(upload_id) == 32 and all(c in "0123456789abcdef" for c in upload_id)


def session_json(session: UploadSession, media: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": session.upload_id,
        "status": session.status,
        "filename": session.filename,
        "name": session.name,
        "file_size": None if session.declared_size is None else int(session.declared_size),
        "expires_at": session.expires_at,
        "created_at": session.created_at,
    }
    if session.status == "completed" and session.media_id is not None:
        record = media
        if record is None:
            found = records.get_media(session.account_id, int(session.media_id))
            record = media_json(found) if found is not None else None
        body["media"] = record
    if session.status == "rejected":
        error = ingest.rejection_of(session)
        body["error"] = {"code": session.reason, "message": error.message, **error.extra}
    return body


def get_upload(account_id: str, upload_id: str) -> dict[str, Any]:
    return session_json(_own_session(account_id, upload_id))


def complete_upload(account_id: str, upload_id: str) -> tuple[dict[str, Any], bool]:
    """Ingest the session's object now; (MediaFile JSON, first acknowledgement?).

    Idempotent: the first call that sees the file recorded answers "created",
    every later one returns the same file.
    """
    session = _own_session(account_id, upload_id)
    if (
        session.status == "pending"
        and ingest.session_expired(session)
        and storage.head_object(session.storage_key) is None
    ):
        ingest.reject(session, UploadExpired(), "upload_expired")
        raise UploadExpired()
    try:
        result = ingest.ingest_session(session)
    except UploadNotReceived:
        raise UploadNotReceived(
            "No file has arrived for this upload yet: send it with the form from "
            "POST /api/v1/media/uploads, then call complete again."
        ) from None
    if result.error is not None:
        raise result.error
    assert result.media is not None
    first = records.acknowledge_session(upload_id)
    return media_json(result.media), first
