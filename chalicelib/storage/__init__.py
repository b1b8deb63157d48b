"""S3-compatible storage: the only package that talks to the bucket.

One backend configured by endpoint/region/bucket (AWS S3, Wasabi and
DigitalOcean Spaces are configurations of it). botocore errors never leave
it: a missing object is ``None``, a failed ``If-Match`` ObjectChanged,
anything else ServiceUnavailable.
"""

from chalicelib.storage.bucket import (
    EVENT_ROUTES,
    INGEST_EVENTS,
    STAGED_RETENTION_DAYS,
    THUMBNAIL_EVENTS,
    bucket_cors_rules,
    bucket_lifecycle_rules,
    configure_bucket,
)
from chalicelib.storage.client import bucket, client, public_url, reset
from chalicelib.storage.objects import (
    ObjectInfo,
    RangedReader,
    copy_object,
    delete_object,
    head_object,
    list_objects,
    put_object,
    read_object_into,
    read_range,
)
from chalicelib.storage.presign import PresignedUpload, presign_upload

__all__ = [
    "EVENT_ROUTES",
    "INGEST_EVENTS",
    "STAGED_RETENTION_DAYS",
    "THUMBNAIL_EVENTS",
    "ObjectInfo",
    "PresignedUpload",
    "RangedReader",
    "bucket",
    "bucket_cors_rules",
    "bucket_lifecycle_rules",
    "client",
    "configure_bucket",
    "copy_object",
    "delete_object",
    "head_object",
    "list_objects",
    "presign_upload",
    "public_url",
    "put_object",
    "read_object_into",
    "read_range",
    "reset",
]
