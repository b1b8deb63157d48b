"""The S3 client of the configured storage, and the translation of its errors.

One backend configured by endpoint/region/bucket (AWS S3, Wasabi and
DigitalOcean Spaces are configurations of it). botocore errors never leave
this package: a missing object is ``None``, a failed ``If-Match``
ObjectChanged, anything else ServiceUnavailable.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib.aws import new_session
from chalicelib.config import Settings, get_settings
from chalicelib.errors import ServiceUnavailable

_MISSING = {"404", "NoSuchKey", "NotFound"}
_PRECONDITION = {"412", "PreconditionFailed"}
_lock = threading.Lock()


@functools.lru_cache(maxsize=4)
def _client_for(settings: Settings) -> Any:
    # botocore directly, not boto3: boto3 adds nothing these calls use, and
    # importing it cost every cold start ~10 ms (bench: import_ratio).
    credentials = settings.storage_credentials()
    keys = {"aws_access_key_id": credentials[0], "aws_secret_access_key": credentials[1]} if credentials else {}
    with _lock:  # a botocore session is not thread-safe while building clients
        return new_session().create_client(
            "s3",
            region_name=settings.s3_region,
            endpoint_url=settings.s3_endpoint_url,
            **keys,
            config=Config(
                s3={"addressing_style": settings.s3_addressing_style},
                signature_version="s3v4",
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=20,
            ),
        )


def client() -> Any:
    """The S3 client for the current settings (built once, lazily)."""
    return _client_for(get_settings())


def reset() -> None:
    _client_for.cache_clear()


def bucket() -> str:
    return get_settings().bucket


def public_url(key: str) -> str:
    return f"{get_settings().public_base_url}/{key}"


def unavailable(exc: Exception) -> ServiceUnavailable:
    """What any unexpected storage failure becomes (the client may retry)."""
    return ServiceUnavailable("Storage is temporarily unavailable. Retry the request.")


def _status(exc: ClientError) -> tuple[str, int | None]:
    code = str(exc.response.get("Error", {}).get("Code"))
    return code, exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def is_missing(exc: ClientError) -> bool:
    code, status = _status(exc)
    return code in _MISSING or status == 404


def is_precondition_failed(exc: ClientError) -> bool:
    code, status = _status(exc)
    return code in _PRECONDITION or status == 412
