"""The two ways a file goes in (docs/architecture.md, "Uploads"), chosen from the account's limits.

- Direct: one multipart ``POST /api/v1/media`` (small files: 4 MB deployed).
- Session: ``POST /api/v1/media/uploads`` for a presigned form, the bytes
  straight to storage, then ``POST /api/v1/media/uploads/{id}/complete``.

Each logical upload has one random id; every POST it makes carries an
Idempotency-Key derived from it, so a retried POST gets the first answer
back instead of making a second file or session.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from media_client import _wording
from media_client._streams import MultipartBody, Progress, RawBody, Source
from media_client.errors import MediaAPIError, ValidationFailed, storage_error_from_response
from media_client.models import Limits

if TYPE_CHECKING:
    from media_client.client import Client


def _invalid(message: str) -> ValidationFailed:
    errors = {"file": [message]}
    body = {"message": message, "code": "validation_failed", "errors": errors}
    return ValidationFailed(message, status=422, code="validation_failed", errors=errors, body=body)


def check_file(filename: str, size: int, limits: Limits) -> None:
    """Refuse before sending what the API would refuse, with the API's own words (a 422 ValidationFailed)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in limits.extensions:
        raise _invalid(_wording.not_media(filename, limits.extensions))
    if size == 0:
        raise _invalid(_wording.empty(filename))
    if size > limits.max_file_size:
        raise _invalid(_wording.too_large(filename, size, limits.max_file_size))


def new_upload_key() -> str:
    """The Idempotency-Key root of one logical upload."""
    return f"media-client-{uuid.uuid4().hex}"


def upload_direct(
    client: Client, source: Source, name: str | None, progress: Progress, key: str, chunk_size: int
) -> dict[str, Any]:
    """One multipart POST, streamed from disk; returns the MediaFile JSON."""
    fields = {"name": name} if name is not None else {}
    # One body (one boundary) for every attempt: a retry is byte-for-byte the same request.
    body = MultipartBody(fields, "file", source, "application/octet-stream", progress, chunk_size)
    response = client.request("POST", "/media", content=body, headers=body.headers(), idempotency_key=key)
    return dict(response.json())


def upload_session(
    client: Client, source: Source, name: str | None, progress: Progress, key: str, chunk_size: int
) -> dict[str, Any]:
    """Start a session, send the bytes to storage, complete it; returns the MediaFile JSON."""
    request: dict[str, Any] = {"filename": source.filename, "file_size": source.size}
    if name is not None:
        request["name"] = name
    started = client.request("POST", "/media/uploads", json=request, idempotency_key=f"{key}-start")
    session = started.json()
    send_to_storage(client, session["upload"], source, progress, chunk_size)
    completed = client.request("POST", f"/media/uploads/{session['id']}/complete", idempotency_key=f"{key}-complete")
    return dict(completed.json())


def _storage_asks_again(response: httpx.Response) -> bool:
    """S3's 400 ``RequestTimeout``: the body stalled on the way; sending it again is the cure."""
    return response.status_code == 400 and b"<Code>RequestTimeout</Code>" in response.content[:1024]


def send_to_storage(
    client: Client, form: Mapping[str, Any], source: Source, progress: Progress, chunk_size: int
) -> None:
    """The bytes with the session's presigned form (POST) or URL (PUT), retried like any request.

    Sending the same form again is safe: the storage key is the session's and
    the last complete upload wins, before ``complete`` reads it.
    """
    method = str(form.get("method", "POST")).upper()
    url = str(form["url"])
    body: MultipartBody | RawBody
    if method == "POST":
        fields = {str(k): str(v) for k, v in form["fields"].items()}
        content_type = fields.get("Content-Type", "application/octet-stream")
        body = MultipartBody(fields, "file", source, content_type, progress, chunk_size)
        headers = body.headers()
    elif method == "PUT":
        body = RawBody(source, progress, chunk_size)
        headers = {str(k): str(v) for k, v in form.get("headers", {}).items()}
        headers["Content-Length"] = str(source.size)
    else:
        raise MediaAPIError(f"The API offered an upload method this client does not know: {method}.")

    def build() -> httpx.Request:
        return client.http.build_request(method, url, content=body, headers=headers)

    sent = client.sender.send(build, transient=_storage_asks_again)
    if sent.response.status_code >= 300:
        raise storage_error_from_response(sent.response)
