"""Storage: every bucket call, behind one port (storage.port.Storage).

Use cases call ``storage.store()`` and get the active implementation: the
S3-compatible one (storage.s3) unless a test installed the in-memory fake
with :func:`use`. One backend configured by endpoint/region/bucket (AWS S3,
Wasabi and DigitalOcean Spaces are configurations of it). botocore errors
never leave the package: a missing object is ``None``, a failed ``If-Match``
ObjectChanged, anything else ServiceUnavailable.

The bucket's own setup (CORS, lifecycle rules: storage.configuration) and the raw
client are for ops and the local stack.
"""

from __future__ import annotations

from chalicelib.slots import Slot
from chalicelib.storage.client import bucket, client, public_url, reset
from chalicelib.storage.port import ObjectInfo, PresignedUpload, Storage
from chalicelib.storage.reader import RangedReader


def _s3() -> Storage:
    from chalicelib.storage.s3 import S3Storage

    return S3Storage()


_slot: Slot[Storage] = Slot(_s3)
#: The storage implementation in use (the configured S3-compatible bucket, built on first use).
store = _slot.get
#: Install another implementation (tests' in-memory fake); None goes back to S3.
use = _slot.use

__all__ = [
    "ObjectInfo",
    "PresignedUpload",
    "RangedReader",
    "Storage",
    "bucket",
    "client",
    "public_url",
    "reset",
    "store",
    "use",
]
