"""Every failure the client raises: one base class, one subclass per API error ``code``.

The API answers errors as ``{"message", "code", "errors"?}`` (plus ``limit`` and
``used`` for ``media_limit_reached``). :func:`error_from_response` turns such an
answer into the exception named after its code, so callers catch what they
mean (``except NotFound``) or everything (``except MediaAPIError``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import httpx

__all__ = [
    "APIConnectionError",
    "AdminFileProtected",
    "IdempotencyInProgress",
    "IdempotencyKeyReused",
    "MalformedRequest",
    "MediaAPIError",
    "MediaLimitReached",
    "MethodNotAllowed",
    "MissingApiKey",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "ServerError",
    "ServiceUnavailable",
    "StorageError",
    "TooManyRequests",
    "Unauthenticated",
    "UnsupportedMediaType",
    "UploadExpired",
    "UploadNotReceived",
    "ValidationFailed",
    "error_from_response",
]


class MediaAPIError(Exception):
    """Base of every error the client raises.

    Attributes:
        status: the HTTP status of the answer (``None`` when no answer came: network failures).
        code: the API's stable error code, such as ``not_found``.
        message: the API's human-readable message.
        errors: field name -> messages (Laravel style); empty unless the API named fields.
        body: the whole decoded error body (``{}`` when there was none).
        headers: the answer's headers (empty when no answer came).
    """

    default_code = "error"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        errors: Mapping[str, list[str]] | None = None,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code or self.default_code
        self.errors: dict[str, list[str]] = {field: list(problems) for field, problems in (errors or {}).items()}
        self.body: dict[str, Any] = dict(body or {})
        self.headers: dict[str, str] = dict(headers or {})

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, message={self.message!r})"

    def to_dict(self) -> dict[str, Any]:
        """The error as JSON-ready data (what ``media --json`` prints)."""
        out: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.errors:
            out["errors"] = self.errors
        return out


class APIConnectionError(MediaAPIError):
    """No answer came: the connection failed, broke or timed out (after the retries)."""

    default_code = "connection_failed"


class MissingApiKey(MediaAPIError):
    """No API key was given and ``MEDIA_API_KEY`` is not set."""

    default_code = "missing_api_key"


class StorageError(MediaAPIError):
    """The storage refused the bytes of an upload session (its code is the storage's, e.g. ``AccessDenied``)."""

    default_code = "storage_error"


class Unauthenticated(MediaAPIError):
    """401: the API key is missing, unknown or revoked."""

    default_code = "unauthenticated"


class NotFound(MediaAPIError):
    """404: no such file (or upload session) in this account."""

    default_code = "not_found"


class ValidationFailed(MediaAPIError):
    """422: the data was invalid; :attr:`errors` names every bad field."""

    default_code = "validation_failed"


class IdempotencyKeyReused(MediaAPIError):
    """422: this Idempotency-Key was first used with a different request."""

    default_code = "idempotency_key_reused"


class MediaLimitReached(MediaAPIError):
    """403: the plan's media file limit is reached (:attr:`limit` files, :attr:`used` in use)."""

    default_code = "media_limit_reached"

    @property
    def limit(self) -> int | None:
        """The plan's file limit."""
        value = self.body.get("limit")
        return value if isinstance(value, int) else None

    @property
    def used(self) -> int | None:
        """The files in use when the upload was refused."""
        value = self.body.get("used")
        return value if isinstance(value, int) else None


class AdminFileProtected(MediaAPIError):
    """403: files uploaded by an administrator cannot be deleted through the API."""

    default_code = "admin_file"


class PayloadTooLarge(MediaAPIError):
    """413: the body is larger than the direct route takes."""

    default_code = "payload_too_large"


class MalformedRequest(MediaAPIError):
    """400: the body could not be parsed (``malformed_request``, or ``bad_request`` from the gateway)."""

    default_code = "malformed_request"


class UnsupportedMediaType(MediaAPIError):
    """415: wrong Content-Type for this operation."""

    default_code = "unsupported_media_type"


class MethodNotAllowed(MediaAPIError):
    """405: the path does not serve this method."""

    default_code = "method_not_allowed"


class UploadNotReceived(MediaAPIError):
    """409: no file has arrived for this upload session yet."""

    default_code = "upload_not_received"


class IdempotencyInProgress(MediaAPIError):
    """409: a request with the same Idempotency-Key is still running (retried by the client)."""

    default_code = "idempotency_in_progress"


class UploadExpired(MediaAPIError):
    """410: the upload session expired before its file arrived."""

    default_code = "upload_expired"


class PreconditionFailed(MediaAPIError):
    """412: If-Match named no current version of the file."""

    default_code = "precondition_failed"


class TooManyRequests(MediaAPIError):
    """429: throttled (retried by the client, honouring Retry-After)."""

    default_code = "too_many_requests"


class ServiceUnavailable(MediaAPIError):
    """503: a backing service failed (retried by the client, honouring Retry-After)."""

    default_code = "service_unavailable"


class ServerError(MediaAPIError):
    """Any other 5xx (retried by the client)."""

    default_code = "server_error"


_BY_CODE: dict[str, type[MediaAPIError]] = {
    cls.default_code: cls
    for cls in (
        Unauthenticated,
        NotFound,
        ValidationFailed,
        IdempotencyKeyReused,
        MediaLimitReached,
        AdminFileProtected,
        PayloadTooLarge,
        MalformedRequest,
        UnsupportedMediaType,
        MethodNotAllowed,
        UploadNotReceived,
        IdempotencyInProgress,
        UploadExpired,
        PreconditionFailed,
        TooManyRequests,
        ServiceUnavailable,
        ServerError,
    )
}
_BY_CODE["bad_request"] = MalformedRequest
# When a body carries no code we know (a proxy's HTML page, an old server), the status decides.
_BY_STATUS: dict[int, type[MediaAPIError]] = {
    400: MalformedRequest,
    401: Unauthenticated,
    404: NotFound,
    405: MethodNotAllowed,
    410: UploadExpired,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: ValidationFailed,
    429: TooManyRequests,
    503: ServiceUnavailable,
}


def _decoded(response: httpx.Response) -> dict[str, Any]:
    try:
        body = json.loads(response.content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _field_errors(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        return {}
    return {str(k): [str(m) for m in v] if isinstance(v, list) else [str(v)] for k, v in value.items()}


def error_from_response(response: httpx.Response) -> MediaAPIError:
    """The exception for an API error answer, chosen by its ``code`` (else its status)."""
    body = _decoded(response)
    code = body.get("code") if isinstance(body.get("code"), str) else None
    cls = _BY_CODE.get(code or "") or _BY_STATUS.get(response.status_code)
    if cls is None:
        cls = ServerError if response.status_code >= 500 else MediaAPIError
    message = body.get("message")
    if not isinstance(message, str) or not message:
        message = f"HTTP {response.status_code} {response.reason_phrase} from {response.request.url.host}"
    return cls(
        message,
        status=response.status_code,
        code=code or cls.default_code,
        errors=_field_errors(body.get("errors")),
        body=body,
        headers=response.headers,
    )


_XML_FIELD = re.compile(r"<(Code|Message)>([^<]*)</\1>")


def storage_error_from_response(response: httpx.Response) -> StorageError:
    """A storage refusal (S3's XML ``<Error><Code>..</Code><Message>..</Message>``) as a StorageError."""
    found = dict(_XML_FIELD.findall(response.text[:4096]))
    code = found.get("Code") or f"http_{response.status_code}"
    message = found.get("Message") or f"The storage answered HTTP {response.status_code}."
    return StorageError(
        f"The storage refused the upload: {message}", status=response.status_code, code=code, headers=response.headers
    )
