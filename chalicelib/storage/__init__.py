"""S3-compatible storage: the only place that talks to the bucket.

One backend configured by endpoint/region/bucket (AWS S3, Wasabi and
DigitalOcean Spaces are configurations of it). botocore errors never leave
this package: a missing object is ``None``, anything else ServiceUnavailable.
"""

from chalicelib.storage.bucket import (
    INGEST_EVENTS,
    bucket_cors_rules,
    bucket_lifecycle_rules,
    configure_bucket,
)
from chalicelib.storage.forms import PresignedUpload, presign_upload
from chalicelib.storage.objects import (
    PENDING_TAG,
    ObjectInfo,
    RangedReader,
    bucket,
    clear_pending_tag,
    client,
    delete_object,
    head_object,
    list_objects,
    public_url,
    put_object,
    read_range,
    reset,
    set_content_type,
)

__all__ = [
    "INGEST_EVENTS",
    "PENDING_TAG",
    "ObjectInfo",
    "PresignedUpload",
    "RangedReader",
    "bucket",
    "bucket_cors_rules",
    "bucket_lifecycle_rules",
    "clear_pending_tag",
    "client",
    "configure_bucket",
    "delete_object",
    "head_object",
    "list_objects",
    "presign_upload",
    "public_url",
    "put_object",
    "read_range",
    "reset",
    "set_content_type",
]
