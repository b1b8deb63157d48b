"""Objects in S3-compatible storage: put, head, ranged reads, delete, public URLs.

One backend configured by endpoint/region/bucket (AWS S3, Wasabi and
DigitalOcean Spaces are configurations of it). botocore errors never leave
this module: a missing object is ``None``, anything else ServiceUnavailable.
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import new_session
from chalicelib.config import Settings, get_settings
from chalicelib.errors import ServiceUnavailable

_MISSING = {"404", "NoSuchKey", "NotFound"}
_lock = threading.Lock()


#: Objects arrive through presigned forms tagged with this; ingest removes the
#: tag before recording the file, and a bucket lifecycle rule expires objects
#: still tagged (abandoned uploads nobody ingested).
PENDING_TAG = ("media-upload", "pending")
PENDING_TAGGING = f"{PENDING_TAG[0]}={PENDING_TAG[1]}"
PENDING_TAGGING_XML = (
    f"<Tagging><TagSet><Tag><Key>{PENDING_TAG[0]}</Key><Value>{PENDING_TAG[1]}</Value></Tag></TagSet></Tagging>"
)


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    content_type: str | None
    etag: str | None
    last_modified: datetime | None = None


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


def _unavailable(exc: Exception) -> ServiceUnavailable:
    return ServiceUnavailable("Storage is temporarily unavailable. Retry the request.")


def _is_missing(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    return str(error.get("Code")) in _MISSING or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404


def bucket() -> str:
    return get_settings().bucket


def public_url(key: str) -> str:
    return f"{get_settings().public_base_url}/{key}"


def put_object(key: str, body: bytes, content_type: str) -> None:
    try:
        client().put_object(Bucket=bucket(), Key=key, Body=body, ContentType=content_type)
    except (ClientError, BotoCoreError) as exc:
        raise _unavailable(exc) from exc


def head_object(key: str) -> ObjectInfo | None:
    try:
        head = client().head_object(Bucket=bucket(), Key=key)
    except ClientError as exc:
        if _is_missing(exc):
            return None
        raise _unavailable(exc) from exc
    except BotoCoreError as exc:
        raise _unavailable(exc) from exc
    return ObjectInfo(
        size=int(head["ContentLength"]),
        content_type=head.get("ContentType"),
        etag=head.get("ETag"),
        last_modified=head.get("LastModified"),
    )


def read_range(key: str, start: int, length: int) -> bytes:
    """Bytes [start, start+length) of the object (fewer at its end)."""
    if length <= 0:
        return b""
    try:
        response = client().get_object(Bucket=bucket(), Key=key, Range=f"bytes={start}-{start + length - 1}")
        return bytes(response["Body"].read())
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "InvalidRange":
            return b""
        raise _unavailable(exc) from exc
    except BotoCoreError as exc:
        raise _unavailable(exc) from exc


def delete_object(key: str) -> None:
    """Delete the object; deleting a missing object succeeds (S3 semantics)."""
    try:
        client().delete_object(Bucket=bucket(), Key=key)
    except (ClientError, BotoCoreError) as exc:
        raise _unavailable(exc) from exc


def list_objects(prefix: str = "media/") -> Iterator[tuple[str, ObjectInfo]]:
    """(key, ObjectInfo) of every object under ``prefix``."""
    try:
        pages = client().get_paginator("list_objects_v2").paginate(Bucket=bucket(), Prefix=prefix)
        for page in pages:
            for item in page.get("Contents", []):
                yield (
                    item["Key"],
                    ObjectInfo(
                        size=int(item["Size"]),
                        content_type=None,
                        etag=item.get("ETag"),
                        last_modified=item.get("LastModified"),
                    ),
                )
    except (ClientError, BotoCoreError) as exc:
        raise _unavailable(exc) from exc


def clear_pending_tag(key: str) -> None:
    """Remove the abandoned-upload tag, so the lifecycle rule never expires a recorded file."""
    try:
        client().delete_object_tagging(Bucket=bucket(), Key=key)
    except (ClientError, BotoCoreError) as exc:
        raise _unavailable(exc) from exc


def set_content_type(key: str, content_type: str) -> None:
    """Rewrite the object's Content-Type in place (server-side copy, no bytes through us)."""
    try:
        client().copy_object(
            Bucket=bucket(),
            Key=key,
            CopySource={"Bucket": bucket(), "Key": key},
            ContentType=content_type,
            MetadataDirective="REPLACE",
            TaggingDirective="COPY",
        )
    except (ClientError, BotoCoreError) as exc:
        raise _unavailable(exc) from exc


class RangedReader(io.RawIOBase):
    """A seekable, read-only view of an object: every read is one ranged GET.

    No read-ahead and no cache here: the probe sizes and caches its own
    reads, so exactly the bytes it asks for travel. ``bytes_fetched`` and
    ``requests`` tell what it cost.
    """

    def __init__(self, key: str, size: int) -> None:
        super().__init__()
        self.key = key
        self.size = size
        self.bytes_fetched = 0
        self.requests = 0
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, size: int = -1) -> bytes:
        remaining = max(0, self.size - self._pos)
        want = remaining if size is None or size < 0 else min(size, remaining)
        if want == 0:
            return b""
        data = read_range(self.key, self._pos, want)
        self.requests += 1
        self.bytes_fetched += len(data)
        self._pos += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        memoryview(buffer)[: len(data)] = data
        return len(data)
