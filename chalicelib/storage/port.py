"""The storage port: every object operation the use cases make, as they see it.

Two implementations keep the same promises: ``S3Storage`` (storage.s3, any
S3-compatible backend) and the in-memory fake the use-case tests run on
(tests/fakes/storage.py), kept equal by one contract suite
(tests/contract/test_storage.py). A missing object is None (deleting one
succeeds), a failed ``If-Match`` is ObjectChanged, anything else
ServiceUnavailable.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO, Protocol


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    content_type: str | None
    etag: str | None
    last_modified: datetime | None = None


@dataclass(frozen=True)
class PresignedUpload:
    """How a client sends one object's bytes straight to storage."""

    method: str
    url: str
    fields: dict[str, str] | None = None
    headers: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"method": self.method, "url": self.url}
        if self.fields is not None:
            body["fields"] = self.fields
        if self.headers is not None:
            body["headers"] = self.headers
        return body


class Storage(Protocol):
    def put_object(self, key: str, body: bytes, content_type: str, metadata: dict[str, str] | None = None) -> None: ...
    def head_object(self, key: str) -> ObjectInfo | None: ...
    def read_range(self, key: str, start: int, length: int, *, if_match: str | None = None) -> bytes: ...
    def read_object_into(self, key: str, sink: BinaryIO, chunk: int = 1024 * 1024) -> dict[str, str] | None: ...
    def copy_object(
        self, source: str, destination: str, content_type: str, *, if_match: str, metadata: dict[str, str] | None = None
    ) -> str | None: ...
    def delete_object(self, key: str) -> None: ...
    def list_objects(self, prefix: str) -> Iterator[tuple[str, ObjectInfo]]: ...
    def presign_upload(self, key: str, content_type: str, size: int, expires: int) -> PresignedUpload: ...
    def presign_download(self, key: str, content_disposition: str, expires: int) -> str: ...
