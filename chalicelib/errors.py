"""The MediaError family: what the library raises, never HTTP-aware.

Each error carries a stable machine ``code``; app.py owns the mapping to HTTP
status codes (one table, one helper).
"""

from __future__ import annotations

from typing import Any


class MediaError(Exception):
    """Base of every error the library raises on purpose."""

    code = "error"
    default_message = "The request could not be completed."

    def __init__(
        self,
        message: str | None = None,
        *,
        errors: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.errors = errors
        self.extra = extra or {}
        super().__init__(self.message)


class Unauthenticated(MediaError):
    code = "unauthenticated"
    default_message = "A valid API key is required in the X-Api-Key header."


class NotFound(MediaError):
    """Something the caller named does not exist, or is not theirs (the same answer)."""

    code = "not_found"
    default_message = "Not found."


class MediaNotFound(NotFound):
    default_message = "Media file not found."


class UploadNotFound(NotFound):
    default_message = "Upload session not found."


class AccountNotFound(NotFound):
    default_message = "Account not found."


class KeyNotFound(NotFound):
    default_message = "No active API key matches."


class AdminFileProtected(MediaError):
    code = "admin_file"
    default_message = "Files uploaded by an administrator cannot be deleted through the API."


class MediaLimitReached(MediaError):
    code = "media_limit_reached"
    default_message = "Your plan's media file limit has been reached."

    def __init__(self, limit: int, used: int) -> None:
        super().__init__(
            f"Your plan allows {limit} media files and {used} are in use. "
            "Delete a file or upgrade the plan to upload more.",
            extra={"limit": limit, "used": used},
        )
        self.limit = limit
        self.used = used


class InvalidInput(MediaError):
    """Validation failed; ``errors`` maps field names to messages (422)."""

    code = "validation_failed"
    default_message = "The given data was invalid."

    def __init__(self, errors: dict[str, list[str]], message: str | None = None) -> None:
        if message is None:
            first = next(iter(errors.values()))[0]
            more = sum(len(v) for v in errors.values()) - 1
            message = first if not more else f"{first} (and {more} more error{'s' if more > 1 else ''})"
        super().__init__(message, errors=errors)


class ContentRejected(InvalidInput):
    """The stored bytes are not an acceptable media file.

    ``reason`` is a stable code recorded on the upload session
    (``empty_file``, ``file_too_large``, ``unsupported_content``,
    ``type_mismatch``, ``image_too_large``, ``corrupt_file``, ``trailing_data``,
    ``no_video_stream``).
    """

    def __init__(self, reason: str, message: str, field: str = "file") -> None:
        super().__init__({field: [message]}, message)
        self.reason = reason


class PayloadTooLarge(MediaError):
    code = "payload_too_large"
    default_message = "The request body is too large."


class MalformedRequest(MediaError):
    code = "malformed_request"
    default_message = "The request body could not be parsed."


class UnsupportedMediaType(MediaError):
    code = "unsupported_media_type"
    default_message = "Unsupported Content-Type."


class UploadNotReceived(MediaError):
    code = "upload_not_received"
    default_message = "No file has been uploaded for this session yet."


class UploadExpired(MediaError):
    code = "upload_expired"
    default_message = "This upload session has expired; start a new one."


class IdempotencyKeyReused(MediaError):
    """The Idempotency-Key was first used with another request (docs/architecture.md, "Idempotent retries")."""

    code = "idempotency_key_reused"
    default_message = (
        "This Idempotency-Key was already used with a different request. "
        "Use a new key for a new request, or send exactly the same request to get its answer."
    )

    def __init__(self) -> None:
        super().__init__(errors={"Idempotency-Key": [self.default_message]})


class IdempotencyInProgress(MediaError):
    code = "idempotency_in_progress"
    default_message = "A request with this Idempotency-Key is still being processed. Retry it shortly."


class PreconditionFailed(MediaError):
    code = "precondition_failed"
    default_message = "The file has changed since the ETag in If-Match was read. Get it again, then retry."


class ObjectChanged(MediaError):
    """A stored object's bytes changed while it was read or copied (its ETag moved on).

    Raised by storage for a failed ``If-Match``; ingest validates the new bytes again.
    """

    code = "object_changed"
    default_message = "The stored object changed while it was being read."


class ServiceUnavailable(MediaError):
    """A backing service (storage, database) failed; the request may be retried."""

    code = "service_unavailable"
    default_message = "A backing service is temporarily unavailable. Retry the request."


class ConfigurationError(MediaError):
    code = "server_misconfigured"
    default_message = "The service is misconfigured."
