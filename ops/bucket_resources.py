"""The media bucket in the packaged template: encryption, ownership, Block Public Access,
CORS and lifecycle (from chalicelib.storage), and the events wired to the functions."""

from __future__ import annotations

from typing import Any

from ops import iam


def _cors_rules(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = {"ExposeHeaders": "ExposedHeaders", "MaxAgeSeconds": "MaxAge"}
    return [{names.get(k, k): v for k, v in rule.items()} for rule in rules]


def _lifecycle_rules(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """S3 API lifecycle rules -> CloudFormation's shape (only the shapes we use)."""
    converted = []
    for rule in rules:
        out: dict[str, Any] = {"Id": rule["ID"], "Status": rule["Status"]}
        where = rule["Filter"].get("And", rule["Filter"])
        if where.get("Prefix"):
            out["Prefix"] = where["Prefix"]
        if where.get("Tags"):
            out["TagFilters"] = where["Tags"]
        if "Expiration" in rule:
            out["ExpirationInDays"] = rule["Expiration"]["Days"]
        if "AbortIncompleteMultipartUpload" in rule:
            out["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
        unknown = set(rule) - {"ID", "Status", "Filter", "Expiration", "AbortIncompleteMultipartUpload"}
        if unknown:
            raise ValueError(f"lifecycle rule {rule['ID']}: no CloudFormation mapping for {sorted(unknown)}")
        converted.append(out)
    return converted


def resources(env: dict[str, str], cdn: bool, logical_ids: dict[str, str]) -> dict[str, Any]:
    """The bucket, its policy (public-bucket stages; ops.delivery has CloudFront's), and the
    permissions that let it invoke the functions its events go to."""
    from chalicelib.domain.layout import ROUTES as EVENT_ROUTES
    from chalicelib.storage.configuration import bucket_cors_rules, bucket_lifecycle_rules

    bucket = env["MEDIA_BUCKET"]
    origins = tuple(o.strip() for o in env.get("MEDIA_CORS_ORIGINS", "*").split(",") if o.strip())
    notifications = [
        {
            "Event": event,
            "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": prefix}]}},
            "Function": {"Fn::GetAtt": [logical_ids[function], "Arn"]},
        }
        for prefix, events, function in EVENT_ROUTES
        for event in events
    ]
    # SourceArn is the bucket's name, not a reference: bucket -> permission -> function stays acyclic.
    permissions = {
        f"{logical_ids[function]}BucketPermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": {"Fn::GetAtt": [logical_ids[function], "Arn"]},
                "Action": "lambda:InvokeFunction",
                "Principal": "s3.amazonaws.com",
                "SourceArn": {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{bucket}"},
                "SourceAccount": {"Ref": "AWS::AccountId"},
            },
        }
        for _, _, function in EVENT_ROUTES
    }
    return {
        "MediaBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            # The notification is validated on creation: the permissions must exist first.
            "DependsOn": sorted(permissions),
            "Properties": {
                "BucketName": bucket,
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                # Behind CloudFront nothing is public; a public-bucket stage keeps ACLs
                # blocked, and its bucket policy below is the one public grant.
                "PublicAccessBlockConfiguration": public_access_block(cdn),
                "CorsConfiguration": {"CorsRules": _cors_rules(bucket_cors_rules(origins))},
                "LifecycleConfiguration": {"Rules": _lifecycle_rules(bucket_lifecycle_rules())},
                "NotificationConfiguration": {"LambdaConfigurations": notifications},
            },
        },
        **({} if cdn else {"MediaBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {"Bucket": {"Ref": "MediaBucket"}, "PolicyDocument": iam.public_read_policy(bucket)},
        }}),
        **permissions,
    }  # fmt: skip


def public_access_block(cdn: bool) -> dict[str, bool]:
    """Fully on behind CloudFront; a public-bucket stage must allow its public-read policy."""
    return {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": cdn, "RestrictPublicBuckets": cdn}
