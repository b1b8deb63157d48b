"""A client for the Media API: uploads of any size with progress and safe retries, lists, downloads.

from media_client import Client

with Client() as media:                      # MEDIA_API_KEY, MEDIA_API_URL
    clip = media.upload("launch.mp4", progress=lambda sent, total: print(sent, total))
    for item in media.iter_media(type="video"):
        print(item.id, item.name, item.url)
"""

from media_client._retry import RetryPolicy
from media_client._streams import ProgressCallback
from media_client.client import Client
from media_client.errors import (
    AdminFileProtected,
    APIConnectionError,
    IdempotencyInProgress,
    IdempotencyKeyReused,
    MalformedRequest,
    MediaAPIError,
    MediaLimitReached,
    MethodNotAllowed,
    MissingApiKey,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    ServerError,
    ServiceUnavailable,
    StorageError,
    TooManyRequests,
    Unauthenticated,
    UnsupportedMediaType,
    UploadExpired,
    UploadNotReceived,
    ValidationFailed,
)
from media_client.models import Account, Limits, MediaFile, Metadata, Usage

__version__ = "0.1.0"

__all__ = [
    "APIConnectionError",
    "Account",
    "AdminFileProtected",
    "Client",
    "IdempotencyInProgress",
    "IdempotencyKeyReused",
    "Limits",
    "MalformedRequest",
    "MediaAPIError",
    "MediaFile",
    "MediaLimitReached",
    "Metadata",
    "MethodNotAllowed",
    "MissingApiKey",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "ProgressCallback",
    "RetryPolicy",
    "ServerError",
    "ServiceUnavailable",
    "StorageError",
    "TooManyRequests",
    "Unauthenticated",
    "UnsupportedMediaType",
    "UploadExpired",
    "UploadNotReceived",
    "Usage",
    "ValidationFailed",
    "__version__",
]
