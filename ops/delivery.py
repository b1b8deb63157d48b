"""How a stage serves its files: a private bucket behind CloudFront (the default), or a
public-read bucket (Wasabi, Spaces, or by choice). docs/deploy.md, "Delivery".

A stage's ``deploy`` section chooses: ``"delivery": "cloudfront"`` (default) or
``"public-bucket"``; ``"custom_domain": {"name": ..., "certificate_arn": ...}``
(an ACM certificate in us-east-1, as CloudFront requires) or null for the
distribution's own ``*.cloudfront.net`` name; ``"price_class"``.

With CloudFront:

- the bucket keeps Block Public Access fully on; its policy lets only this
  distribution (service principal + ``AWS:SourceArn``) GET ``media/``,
  ``thumbs/`` and ``renditions/``; an origin access control signs every
  request (sigv4, always);
- one cache behaviour per public prefix, HTTPS only; the default behaviour
  (every other path, ``uploads/`` included) goes to an origin rooted at a
  prefix that is never written nor granted, so S3 answers 403 for it: nothing
  outside the three prefixes is reachable, whatever the path;
- caching: AWS's managed CachingOptimized policy (no cookies, query strings
  or headers in the key; TTL up to a year, honouring the objects' own
  ``Cache-Control: public, max-age=31536000, immutable``): keys are random
  and never reused, and a DELETE invalidates (chalicelib.cdn);
- a response-headers policy adds ``X-Content-Type-Options: nosniff`` and CORS
  for MEDIA_CORS_ORIGINS.

The definitions below are CloudFormation-shaped; ops.edge_setup renders the
same ones for the CloudFront API (the `chalice deploy` path).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ops import iam

MODES = ("cloudfront", "public-bucket")
#: AWS's managed cache policy "CachingOptimized" (the same id in every account).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
SERVED_ORIGIN, NOT_SERVED_ORIGIN = "media", "not-served"
#: Where the default behaviour's origin is rooted: no object is written there, and
#: the bucket policy grants nothing there.
NOT_SERVED_PATH = "/not-served"
VIEWER_POLICY = "https-only"
DISTRIBUTION_ID, OAC_ID, HEADERS_ID = "MediaDistribution", "MediaOriginAccessControl", "MediaResponseHeadersPolicy"
QUEUE_ID, DEAD_LETTERS_ID = "InvalidationQueue", "InvalidationDeadLetters"
#: The invalidate function: a batch is one request to CloudFront, a minute at most.
INVALIDATE_TIMEOUT = 60
#: SQS hands a batch over after this window or at BATCH_SIZE messages (one per deleted
#: file): a deletion storm becomes one invalidation a minute.
BATCHING_WINDOW_SECONDS, BATCH_SIZE = 60, 1000
MAX_RECEIVES = 5


@dataclass(frozen=True)
class Delivery:
    mode: str
    domain: str | None = None
    certificate_arn: str | None = None
    price_class: str = "PriceClass_100"

    @property
    def cdn(self) -> bool:
        return self.mode == "cloudfront"


def stage_delivery(settings: dict[str, Any], env: dict[str, str]) -> Delivery:
    """The stage's choice, checked (ValueError says what to fix in .chalice/config.json)."""
    mode = str(settings.get("delivery") or "cloudfront")
    if mode not in MODES:
        raise ValueError(f"deploy.delivery must be one of {', '.join(MODES)}, got {mode!r}.")
    if mode == "cloudfront" and env.get("MEDIA_S3_ENDPOINT_URL"):
        raise ValueError('Storage outside AWS S3 (MEDIA_S3_ENDPOINT_URL) needs "delivery": "public-bucket".')
    custom = settings.get("custom_domain") or None
    domain = certificate = None
    if custom is not None:
        domain, certificate = str(custom.get("name") or ""), str(custom.get("certificate_arn") or "")
        if not domain or not certificate.startswith("arn:aws:acm:us-east-1:"):
            raise ValueError(
                "deploy.custom_domain needs a name and the certificate_arn of an ACM certificate in us-east-1."
            )
    return Delivery(mode, domain, certificate, str(settings.get("price_class") or "PriceClass_100"))


def origins_of(env: dict[str, str]) -> tuple[str, ...]:
    return tuple(o.strip() for o in env.get("MEDIA_CORS_ORIGINS", "*").split(",") if o.strip())


def oac_config(stage: str) -> dict[str, Any]:
    return {
        "Name": f"{iam.APP_NAME}-{stage}-media",
        "Description": f"Media API {stage}: CloudFront reads the private bucket",
        "SigningProtocol": "sigv4",
        "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3",
    }


def headers_policy_config(stage: str, origins: tuple[str, ...]) -> dict[str, Any]:
    return {
        "Name": f"{iam.APP_NAME}-{stage}-media",
        "Comment": "nosniff, CORS for MEDIA_CORS_ORIGINS",
        "CorsConfig": {
            "AccessControlAllowCredentials": False,
            "AccessControlAllowHeaders": {"Items": ["*"]},
            "AccessControlAllowMethods": {"Items": ["GET", "HEAD"]},
            "AccessControlAllowOrigins": {"Items": list(origins)},
            "AccessControlExposeHeaders": {"Items": ["ETag", "Content-Length"]},
            "AccessControlMaxAgeSec": 86400,
            "OriginOverride": True,
        },
        "SecurityHeadersConfig": {"ContentTypeOptions": {"Override": True}},
    }


def _behaviour(origin: str, headers_policy: Any, path: str | None = None) -> dict[str, Any]:
    behaviour = {
        "TargetOriginId": origin,
        "ViewerProtocolPolicy": VIEWER_POLICY,
        "AllowedMethods": ["GET", "HEAD"],
        "CachedMethods": ["GET", "HEAD"],
        "CachePolicyId": CACHING_OPTIMIZED,
        "ResponseHeadersPolicyId": headers_policy,
        "Compress": False,  # images and videos are compressed already
    }
    return {"PathPattern": path, **behaviour} if path else behaviour


def distribution_config(stage: str, delivery: Delivery, bucket_domain: Any, oac: Any, headers_policy: Any) -> dict:
    """CloudFormation's DistributionConfig; ``bucket_domain``, ``oac`` and ``headers_policy`` are
    values or references."""
    origin = {"DomainName": bucket_domain, "S3OriginConfig": {"OriginAccessIdentity": ""}, "OriginAccessControlId": oac}
    config: dict[str, Any] = {
        "Comment": f"{iam.APP_NAME}-{stage} media",
        "Enabled": True,
        "HttpVersion": "http2and3",
        "IPV6Enabled": True,
        "PriceClass": delivery.price_class,
        "Origins": [
            {"Id": SERVED_ORIGIN, **origin},
            {"Id": NOT_SERVED_ORIGIN, "OriginPath": NOT_SERVED_PATH, **origin},
        ],
        "CacheBehaviors": [_behaviour(SERVED_ORIGIN, headers_policy, f"{p}*") for p in iam.PUBLIC_PREFIXES],
        "DefaultCacheBehavior": _behaviour(NOT_SERVED_ORIGIN, headers_policy),
    }
    if delivery.domain:
        config["Aliases"] = [delivery.domain]
        config["ViewerCertificate"] = {
            "AcmCertificateArn": delivery.certificate_arn,
            "SslSupportMethod": "sni-only",
            "MinimumProtocolVersion": "TLSv1.2_2021",
        }
    else:
        config["ViewerCertificate"] = {"CloudFrontDefaultCertificate": True}
    return config


def cloudfront_read_policy(bucket: str, distribution_arn: Any, partition: str = "aws") -> dict[str, Any]:
    """Only this distribution may GET, and only the public prefixes (never uploads/)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CloudFrontReadsPublicPrefixes",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": [f"arn:{partition}:s3:::{bucket}/{prefix}*" for prefix in iam.PUBLIC_PREFIXES],
                "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
            }
        ],
    }


def public_base_url(delivery: Delivery) -> Any:
    """MEDIA_PUBLIC_BASE_URL of a CloudFront stage in the template."""
    if delivery.domain:
        return f"https://{delivery.domain}"
    return {"Fn::Sub": f"https://${{{DISTRIBUTION_ID}.DomainName}}"}


def queue_attributes() -> dict[str, int]:
    # SQS wants the visibility timeout at six times the consumer's timeout, so a batch
    # still being handled is not handed to a second invocation.
    return {"VisibilityTimeout": 6 * INVALIDATE_TIMEOUT, "MessageRetentionPeriod": 4 * 24 * 3600}


def resources(stage: str, delivery: Delivery, env: dict[str, str]) -> dict[str, Any]:
    """The distribution, its access control and policies, the bucket policy, and the
    invalidation queue with its dead letters (CloudFront stages only)."""
    bucket = env["MEDIA_BUCKET"]
    distribution_arn = {
        "Fn::Sub": f"arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/${{{DISTRIBUTION_ID}}}"
    }
    config = distribution_config(
        stage,
        delivery,
        # The name, not GetAtt: the bucket waits for the functions' permissions, and the
        # functions name the distribution (MEDIA_PUBLIC_BASE_URL); a reference would loop.
        {"Fn::Sub": f"{bucket}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}"},
        {"Fn::GetAtt": [OAC_ID, "Id"]},
        {"Ref": HEADERS_ID},
    )
    return {
        OAC_ID: {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {"OriginAccessControlConfig": oac_config(stage)},
        },
        HEADERS_ID: {
            "Type": "AWS::CloudFront::ResponseHeadersPolicy",
            "Properties": {"ResponseHeadersPolicyConfig": headers_policy_config(stage, origins_of(env))},
        },
        DISTRIBUTION_ID: {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": config}},
        "MediaBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "MediaBucket"},
                "PolicyDocument": cloudfront_read_policy(bucket, distribution_arn),
            },
        },
        DEAD_LETTERS_ID: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": f"{iam.invalidation_queue_name(stage)}-dead-letters",
                "MessageRetentionPeriod": 14 * 24 * 3600,
                "SqsManagedSseEnabled": True,
            },
        },
        QUEUE_ID: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": iam.invalidation_queue_name(stage),
                **queue_attributes(),
                "SqsManagedSseEnabled": True,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": [DEAD_LETTERS_ID, "Arn"]},
                    "maxReceiveCount": MAX_RECEIVES,
                },
            },
        },
    }


def invalidate_events() -> dict[str, Any]:
    """The invalidate function's event source (SAM), batches of up to BATCH_SIZE deletions."""
    return {
        "InvalidationBatches": {
            "Type": "SQS",
            "Properties": {
                "Queue": {"Fn::GetAtt": [QUEUE_ID, "Arn"]},
                "BatchSize": BATCH_SIZE,
                "MaximumBatchingWindowInSeconds": BATCHING_WINDOW_SECONDS,
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
            },
        }
    }
