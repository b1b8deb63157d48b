"""Objects in an S3-compatible bucket: put, head, ranged reads, server-side copy, delete, list
(the storage port's operations, storage.port.Storage)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.errors import ObjectChanged
from chalicelib.storage.client import bucket, client, is_missing, is_precondition_failed, unavailable
from chalicelib.storage.port import ObjectInfo

T = TypeVar("T")
#: Public objects never change under their key (a new upload gets a new key),
#: so browsers and CDNs may keep them for a year without asking again.
IMMUTABLE = "public, max-age=31536000, immutable"


def _translated(exc: Exception) -> Exception:
    """An object replaced or removed while it is read or copied is ObjectChanged (its caller
    looks again); any other failure is the bucket's."""
    if isinstance(exc, ClientError) and is_precondition_failed(exc):
        return ObjectChanged()
    if isinstance(exc, ClientError) and is_missing(exc):
        return ObjectChanged("The stored object is gone.")
    return unavailable(exc)


def _unless_missing(call: Callable[[], T]) -> T | None:
    """``call()``'s result, or None when the object does not exist."""
    try:
        return call()
    except ClientError as exc:
        if is_missing(exc):
            return None
        raise unavailable(exc) from exc
    except BotoCoreError as exc:
        raise unavailable(exc) from exc


class S3Objects:
    """Object operations of the storage port (part of storage.s3.S3Storage)."""

    def put_object(self, key: str, body: bytes, content_type: str, metadata: dict[str, str] | None = None) -> None:
        """Store a public object (immutable under its key); ``metadata`` as x-amz-meta-* headers."""
        params: dict[str, Any] = {"ContentType": content_type, "CacheControl": IMMUTABLE, "Metadata": metadata or {}}
        try:
            client().put_object(Bucket=bucket(), Key=key, Body=body, **params)
        except (ClientError, BotoCoreError) as exc:
            raise unavailable(exc) from exc

    def read_object_into(self, key: str, sink: BinaryIO, chunk: int = 1024 * 1024) -> dict[str, str] | None:
        """Stream the whole object into ``sink`` in one GET (never holding it all);
        returns its user metadata, or None when there is no such object."""

        def stream() -> dict[str, Any]:
            response: dict[str, Any] = client().get_object(Bucket=bucket(), Key=key)
            for part in response["Body"].iter_chunks(chunk):
                sink.write(part)
            return response

        response = _unless_missing(stream)
        if response is None:
            return None
        return {str(k): str(v) for k, v in (response.get("Metadata") or {}).items()}

    def head_object(self, key: str) -> ObjectInfo | None:
        head = _unless_missing(lambda: client().head_object(Bucket=bucket(), Key=key))
        if head is None:
            return None
        return ObjectInfo(
            size=int(head["ContentLength"]),
            content_type=head.get("ContentType"),
            etag=head.get("ETag"),
            last_modified=head.get("LastModified"),
        )

    def read_range(self, key: str, start: int, length: int, *, if_match: str | None = None) -> bytes:
        """Bytes [start, start+length) of the object (fewer at its end).

        With ``if_match`` (an ETag) the read fails with ObjectChanged when the
        object was replaced since that ETag was seen; without, when it is gone.
        """
        if length <= 0:
            return b""
        params: dict[str, Any] = {"Bucket": bucket(), "Key": key, "Range": f"bytes={start}-{start + length - 1}"}
        if if_match is not None:
            params["IfMatch"] = if_match
        try:
            return bytes(client().get_object(**params)["Body"].read())
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "InvalidRange":
                return b""
            raise _translated(exc) from exc
        except BotoCoreError as exc:
            raise unavailable(exc) from exc

    def copy_object(
        self, source: str, destination: str, content_type: str, *, if_match: str, metadata: dict[str, str] | None = None
    ) -> str | None:
        """Server-side copy (no bytes through us) with a new Content-Type; returns the copy's ETag.

        The copy happens only while ``source`` still has the ETag ``if_match``
        (ObjectChanged otherwise), so exactly the bytes that were validated are copied.
        """
        try:
            response = client().copy_object(
                Bucket=bucket(),
                Key=destination,
                CopySource={"Bucket": bucket(), "Key": source},
                CopySourceIfMatch=if_match,
                ContentType=content_type,
                CacheControl=IMMUTABLE,
                Metadata=metadata or {},
                MetadataDirective="REPLACE",
                TaggingDirective="REPLACE",  # no tags: nothing to read (s3:GetObjectTagging) or write
            )
        except ClientError as exc:
            raise _translated(exc) from exc
        except BotoCoreError as exc:
            raise unavailable(exc) from exc
        etag = (response.get("CopyObjectResult") or {}).get("ETag")
        return str(etag) if etag else None

    def delete_object(self, key: str) -> None:
        """Delete the object; deleting a missing object succeeds (S3 semantics)."""
        try:
            client().delete_object(Bucket=bucket(), Key=key)
        except (ClientError, BotoCoreError) as exc:
            raise unavailable(exc) from exc

    def list_objects(self, prefix: str) -> Iterator[tuple[str, ObjectInfo]]:
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
            raise unavailable(exc) from exc
