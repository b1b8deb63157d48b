"""The embedded moto server hashes an object's ETag under the object's lock (ops/moto_server.py).

Without it, moto 5.2 reads the object's buffer for the MD5 while another thread
reads the same buffer: the hash covers shuffled bytes and stays cached, and a
staged upload over 16 MB is then refused by ingest (503) on every try.
"""

from __future__ import annotations

import hashlib
import os
import threading
from typing import Any

from ops.moto_server import EmbeddedMotoServer


def etags_while_read(key: Any) -> list[str]:
    """Two threads ask for the ETag while a third reads the object's bytes."""
    seen: list[str] = []
    readers = [
        threading.Thread(target=lambda: seen.append(key.etag)),
        threading.Thread(target=lambda: key.value),
        threading.Thread(target=lambda: seen.append(key.etag)),
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    return seen


def test_a_large_objects_etag_is_its_md5_while_other_threads_read_it() -> None:
    from moto.s3.models import FakeKey

    server = EmbeddedMotoServer(port=0)
    server.start()  # installs the fix
    server.stop()
    data = os.urandom(40 * 1024 * 1024)  # over moto's 16 MB hashing block
    expected = f'"{hashlib.md5(data).hexdigest()}"'
    for _ in range(3):
        key = FakeKey("staged", data, "123456789012", "us-east-1")
        key._etag = None
        assert etags_while_read(key) == [expected, expected]
        assert key.etag == expected
