"""Bucket configuration: CORS for browser uploads, lifecycle rules, ingest events.

Prefixes (DESIGN §5): ``media/`` public files, ``thumbs/`` their thumbnails,
``uploads/`` the private staging area presigned forms write to.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.config import get_settings
from chalicelib.media import MEDIA_PREFIX, STAGING_PREFIX
from chalicelib.storage.client import bucket, client, is_missing, unavailable

#: Bucket events that start ingest, on STAGING_PREFIX only: promoted copies
#: and direct uploads land under media/ and never trigger it.
INGEST_EVENTS = (
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:CompleteMultipartUpload",
)
#: Bucket events that start a thumbnail, on MEDIA_PREFIX: a promotion is a copy,
#: a direct upload a PUT.
THUMBNAIL_EVENTS = ("s3:ObjectCreated:Put", "s3:ObjectCreated:Copy")
#: The bucket's event routes (DESIGN §5): (key prefix, ObjectCreated events, the
#: function they invoke). The deploy template, post-deploy and the local event
#: pump all wire exactly these.
EVENT_ROUTES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (STAGING_PREFIX, INGEST_EVENTS, "ingest"),
    (MEDIA_PREFIX, THUMBNAIL_EVENTS, "derivatives"),
)
#: Staged objects ingest did not remove (abandoned uploads, re-sent forms) go after a day.
STAGED_RETENTION_DAYS = 1


def bucket_cors_rules(origins: tuple[str, ...]) -> list[dict[str, Any]]:
    """CORS for browser uploads straight to the bucket (ETag exposed for clients)."""
    return [
        {
            "AllowedOrigins": list(origins),
            "AllowedMethods": ["GET", "HEAD", "POST", "PUT"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 3000,
        }
    ]


def bucket_lifecycle_rules() -> list[dict[str, Any]]:
    """Expire leftovers of the staging area, and stale multipart parts anywhere."""
    return [
        {
            "ID": "expire-staged-uploads",
            "Status": "Enabled",
            "Filter": {"Prefix": STAGING_PREFIX},
            "Expiration": {"Days": STAGED_RETENTION_DAYS},
        },
        {
            "ID": "abort-incomplete-multipart-uploads",
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        },
    ]


def configure_bucket() -> None:
    """Create the bucket if needed and apply CORS and lifecycle (idempotent; ops and local stack)."""
    settings = get_settings()
    s3 = client()
    try:
        try:
            s3.head_bucket(Bucket=bucket())
        except ClientError as exc:
            if not is_missing(exc):
                raise
            create: dict[str, Any] = {"Bucket": bucket()}
            if settings.s3_region != "us-east-1":
                create["CreateBucketConfiguration"] = {"LocationConstraint": settings.s3_region}
            s3.create_bucket(**create)
        s3.put_bucket_cors(Bucket=bucket(), CORSConfiguration={"CORSRules": bucket_cors_rules(settings.cors_origins)})
        s3.put_bucket_lifecycle_configuration(
            Bucket=bucket(), LifecycleConfiguration={"Rules": bucket_lifecycle_rules()}
        )
    except (ClientError, BotoCoreError) as exc:
        raise unavailable(exc) from exc
