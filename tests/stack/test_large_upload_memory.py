"""A large direct upload with an Idempotency-Key on the local stack holds as few copies of
its bytes as the path allows: the body the server read, the file's own bytes, and the
copy the storage reads. Measured with tracemalloc (Python's own count of what it
allocates), around each step that used to copy it again."""

from __future__ import annotations

import hashlib
import json
import os
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

MIB = 1024 * 1024
SIZE = 16 * MIB
BOUNDARY = "memory-test-boundary"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def multipart(data: bytes, name: str = "Launch video") -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="name"\r\n\r\n{name}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="clip.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{BOUNDARY}--\r\n".encode()


@contextmanager
def peak_allocated() -> Iterator[list[int]]:
    """The most Python held at once in the block, over what it held when the block began."""
    result: list[int] = []
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        yield result
        result.append(tracemalloc.get_traced_memory()[1] - before)
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def video() -> bytes:
    return os.urandom(SIZE)


def test_the_fingerprint_of_a_multipart_upload_copies_none_of_its_file(video: bytes) -> None:
    from chalicelib import idempotency

    body = multipart(video)
    with peak_allocated() as peak:
        fingerprint = idempotency.fingerprint("POST", "/api/v1/media", {}, CONTENT_TYPE, body)
    assert peak[0] < MIB, peak
    # The same fingerprint as before the change: answers kept by earlier runs still replay.
    files = {"file": ["clip.mp4", hashlib.sha256(video).hexdigest()]}
    form = "form:" + json.dumps({"fields": {"name": "Launch video"}, "files": files}, sort_keys=True)
    expected = hashlib.sha256()
    for part in ("POST", "/api/v1/media", json.dumps({}, sort_keys=True), form):
        expected.update(part.encode() + b"\x00")
    assert fingerprint == expected.hexdigest()


def test_parsing_a_multipart_upload_copies_its_file_once(video: bytes) -> None:
    from chalicelib.multipart import parse_form

    body = multipart(video)
    with peak_allocated() as peak:
        form = parse_form(body, CONTENT_TYPE)
    assert form.files["file"].data == video and form.fields == {"name": "Launch video"}
    assert SIZE <= peak[0] < SIZE + MIB, peak  # the file's bytes, nothing more


def test_moto_writes_a_large_object_to_disk_without_first_copying_it_in_memory(video: bytes) -> None:
    from moto.s3.models import FakeKey

    from ops.moto_server import write_large_values_to_disk

    write_large_values_to_disk()
    with peak_allocated() as peak:
        key = FakeKey("clip.mp4", video, "123456789012", "us-east-1")
    assert peak[0] < MIB, peak
    assert key.value == video
    assert key.etag == f'"{hashlib.md5(video).hexdigest()}"'


@pytest.mark.slow(seconds=1)
def test_a_signed_put_reaches_moto_with_one_copy_of_its_bytes(video: bytes, tmp_path: Any) -> None:
    """The storage port over HTTP: what the server thread holds for a 16 MB PutObject is the
    body moto reads (werkzeug used to collect it in a bytearray and copy that), and neither
    the write to disk nor the ETag's hash copies it again."""
    from botocore.config import Config

    from ops.moto_server import EmbeddedMotoServer
    from ops.snapshot import local_session
    from ops.storage_guard import StorageAccess

    server = EmbeddedMotoServer(port=0, access=StorageAccess("local", "local", "memory-test", ("media/",)))
    url = server.start()
    try:
        session = local_session()  # the local stack's credentials
        s3 = session.client("s3", endpoint_url=url, config=Config(s3={"addressing_style": "path"}))
        s3.create_bucket(Bucket="memory-test")
        s3.put_object(Bucket="memory-test", Key="media/warm-up", Body=b"x")
        put: Callable[[], Any] = lambda: s3.put_object(Bucket="memory-test", Key="media/clip.mp4", Body=video)  # noqa: E731
        with peak_allocated() as peak:
            put()
        head = s3.head_object(Bucket="memory-test", Key="media/clip.mp4")
    finally:
        server.stop()
    assert head["ContentLength"] == SIZE
    assert head["ETag"] == f'"{hashlib.md5(video).hexdigest()}"'
    # One copy, plus at times werkzeug's 10 MB read buffer when it drains a closing connection
    # (its own, after the answer); before, the bytearray, the in-memory spool and the 16 MB
    # hash blocks made it over three copies.
    assert peak[0] < 2 * SIZE, peak


@pytest.mark.slow(seconds=2)
def test_the_snapshot_copies_a_large_object_to_disk_in_chunks(video: bytes, tmp_path: Any) -> None:
    """moto in a process of its own, so only the snapshot's side of the copy is counted."""
    import subprocess
    import sys
    from pathlib import Path

    from botocore.config import Config

    from ops.snapshot import Snapshot, local_session

    root = Path(__file__).resolve().parents[2]
    program = (
        "import sys; from ops.moto_server import EmbeddedMotoServer; "
        "server = EmbeddedMotoServer(port=0); print(server.start(), flush=True); sys.stdin.read(); server.stop()"
    )
    moto = subprocess.Popen(
        [sys.executable, "-c", program], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert moto.stdout is not None
        url = moto.stdout.readline().strip()
        session = local_session()  # the local stack's credentials
        s3 = session.client("s3", endpoint_url=url, config=Config(s3={"addressing_style": "path"}))
        s3.create_bucket(Bucket="snapshot-test")
        s3.put_object(Bucket="snapshot-test", Key="media/clip.mp4", Body=video)
        snapshot = Snapshot(tmp_path, url, "snapshot-test", "none", session)
        with peak_allocated() as peak:
            assert snapshot.save() is True
    finally:
        if moto.stdin is not None:
            moto.stdin.close()
        moto.wait(timeout=30)
    assert (tmp_path / "s3" / "objects" / "media" / "clip.mp4").read_bytes() == video
    assert peak[0] < 4 * MIB, peak
