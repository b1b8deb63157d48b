"""The storage port in memory: what the use-case tests run on instead of S3.

It keeps S3's promises as storage.s3 does (tests/contract/test_storage.py runs
the same tests against both): ETags are the bytes' quoted MD5 and a
single-part copy keeps its source's, a read or copy under ``If-Match`` fails
with ObjectChanged once the object was replaced, deleting a missing object
succeeds, a read past the end is empty, lists come in key order.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO

from chalicelib.errors import ObjectChanged
from chalicelib.storage.port import ObjectInfo, PresignedUpload

#: Where a fake form says the bytes go: nothing answers there, the tests put the bytes themselves.
FORM_URL = "https://storage.invalid/fake-bucket"
UNAVAILABLE = "Storage is temporarily unavailable. Retry the request."


@dataclass
class StoredObject:
    data: bytes
    content_type: str
    metadata: dict[str, str] = field(default_factory=dict)
    last_modified: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    @property
    def etag(self) -> str:
        return f'"{hashlib.md5(self.data).hexdigest()}"'  # noqa: S324 - S3's ETag of a single-part object

    def info(self, with_type: bool = True) -> ObjectInfo:
        return ObjectInfo(len(self.data), self.content_type if with_type else None, self.etag, self.last_modified)


class MemoryStorage:
    """storage.port.Storage in a process's memory."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.objects: dict[str, StoredObject] = {}
        self.forms: dict[str, PresignedUpload] = {}

    def put_object(self, key: str, body: bytes, content_type: str, metadata: dict[str, str] | None = None) -> None:
        with self._lock:
            self.objects[key] = StoredObject(bytes(body), content_type, dict(metadata or {}))

    def head_object(self, key: str) -> ObjectInfo | None:
        with self._lock:
            found = self.objects.get(key)
            return None if found is None else found.info()

    def read_range(self, key: str, start: int, length: int, *, if_match: str | None = None) -> bytes:
        if length <= 0:
            return b""
        with self._lock:
            found = self.objects.get(key)
            if found is None:
                raise ObjectChanged("The stored object is gone.")
            if if_match is not None and if_match != found.etag:
                raise ObjectChanged()
            return found.data[start : start + length]

    def read_object_into(self, key: str, sink: BinaryIO, chunk: int = 1024 * 1024) -> dict[str, str] | None:
        with self._lock:
            found = self.objects.get(key)
        if found is None:
            return None
        for offset in range(0, len(found.data), chunk):
            sink.write(found.data[offset : offset + chunk])
        return dict(found.metadata)

    def copy_object(
        self, source: str, destination: str, content_type: str, *, if_match: str, metadata: dict[str, str] | None = None
    ) -> str | None:
        with self._lock:
            found = self.objects.get(source)
            if found is None:
                raise ObjectChanged("The stored object is gone.")
            if if_match != "*" and if_match != found.etag:
                raise ObjectChanged()
            copy = StoredObject(found.data, content_type, dict(metadata or {}))
            self.objects[destination] = copy
            return copy.etag

    def delete_object(self, key: str) -> None:
        with self._lock:
            self.objects.pop(key, None)

    def list_objects(self, prefix: str) -> Iterator[tuple[str, ObjectInfo]]:
        with self._lock:
            found = sorted((k, o.info(with_type=False)) for k, o in self.objects.items() if k.startswith(prefix))
        yield from found

    def presign_download(self, key: str, content_disposition: str, expires: int) -> str:
        from urllib.parse import quote

        # Like S3's: the key in the path, the answer's Content-Disposition in the query (unsigned here).
        return f"{FORM_URL}/{quote(key)}?response-content-disposition={quote(content_disposition)}&X-Expires={expires}"

    def presign_upload(self, key: str, content_type: str, size: int, expires: int) -> PresignedUpload:
        form = PresignedUpload("POST", FORM_URL, fields={"key": key, "Content-Type": content_type})
        with self._lock:
            self.forms[key] = form
        return form
