"""Bucket configuration: CORS for browser uploads, lifecycle rules, ingest events."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.config import get_settings
from chalicelib.storage.objects import PENDING_TAG, _is_missing, _unavailable, bucket, client

#: Bucket events that start ingest. Not ObjectCreated:Copy: ingest itself
#: copies an object in place to correct its Content-Type.
INGEST_EVENTS = (
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:CompleteMultipartUpload",
)


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


def bucket_lifecycle_rules(abandoned_after_days: int = 2) -> list[dict[str, Any]]:
    """Expire objects still tagged pending (abandoned uploads) and stale multipart parts."""
    return [
        {
            "ID": "expire-abandoned-uploads",
            "Status": "Enabled",
            "Filter": {"And": {"Prefix": "media/", "Tags": [{"Key": PENDING_TAG[0], "Value": PENDING_TAG[1]}]}},
            "Expiration": {"Days": abandoned_after_days},
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
            if not _is_missing(exc):
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
        raise _unavailable(exc) from exc
