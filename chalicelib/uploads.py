"""Upload sessions (DESIGN §3.4): start, show, complete.

A session reserves a server-generated key and hands the client a presigned
form for it; the bytes go straight to storage. ``complete`` (or the S3 event,
whichever comes first) runs the shared ingest of ``ingest.py``.
"""

from __future__ import annotations

from typing import Any

from chalicelib import ingest, records, storage
from chalicelib.config import get_settings
from chalicelib.errors import InvalidInput, UploadExpired, UploadNotFound, UploadNotReceived
from chalicelib.media import MIME_TYPES
from chalicelib.models import UploadSession



def _declared_size(value: Any, limit: int) -> tuple[int | None, str | None]:
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
        original, display, extension, family = ingest.validate_upload_fields(
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
    ingest.check_limit(account_id)
    session = ingest.new_session(
        account_id,
        original=original,
        name=display,
        extension=extension,
        family=family,
        declared_size=size,
        content_type=content_type,
        uploaded_by="client",
    )
    session.flow = "presigned"
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
            record = ingest.media_json(found) if found is not None else None
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
    if session.status == "pending" and ingest.session_expired(session) and storage.head_object(session.storage_key) is None:
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
    return ingest.media_json(result.media), first
