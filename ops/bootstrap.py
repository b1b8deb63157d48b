"""Create a stage's tables, bucket and cursor secret through the AWS API (idempotent).

The `chalice deploy` path: ``manage.py bootstrap --stage STAGE`` runs this
before the first deploy and before every upgrade; running it again changes
nothing that is already right. The same definitions feed the packaged
template (ops.template), so both paths build the same resources:

- tables from the PynamoDB models: on-demand, point-in-time recovery, TTL on
  upload sessions, deletion protection where the stage's `deploy` settings ask for it
  (bootstrap turns protection on, never off), missing indexes added;
- the bucket: CORS and lifecycle (chalicelib.storage), and on AWS S3 also
  default encryption, ACLs disabled, and Block Public Access fully on behind
  CloudFront (the default delivery) or public read of the public prefixes
  (``"delivery": "public-bucket"``);
- the failed-event queue (ops.monitoring);
- the distribution, its policies, the invalidation queues and the worker
  layer, written into the stage's config (ops.edge_setup);
- the cursor secret: a SecureString created once, never overwritten.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from chalicelib.config import Settings, get_settings, reset_settings
from ops.bucket_resources import public_access_block
from ops.iam import public_read_policy
from ops.template import ROOT, stage_delivery, stage_settings, table_specs

SECRET_BYTES = 48


class BootstrapError(Exception):
    """A resource exists in a shape bootstrap cannot fix (exit code 1)."""


@dataclass(frozen=True)
class Step:
    resource: str
    outcome: str  # created | updated | unchanged | skipped
    detail: str = ""

    def to_json(self) -> dict[str, str]:
        return {"resource": self.resource, "outcome": self.outcome, "detail": self.detail}


def _dynamodb(settings: Settings) -> Any:
    return boto3.client("dynamodb", region_name=settings.region, endpoint_url=settings.dynamodb_endpoint_url)


def _wait(check: Any, what: str, timeout: float = 900, delay: float = 2) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise BootstrapError(f"{what} did not become ready in {timeout:.0f} s; run bootstrap again later.")
        time.sleep(delay)


def ensure_table(client: Any, spec: dict[str, Any], protect: bool) -> Step:
    name = spec["TableName"]
    changes: list[str] = []
    try:
        table = client.describe_table(TableName=name)["Table"]
    except client.exceptions.ResourceNotFoundException:
        create = {k: v for k, v in spec.items() if k != "TimeToLive"}
        client.create_table(**create, DeletionProtectionEnabled=protect)
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 2, "MaxAttempts": 150})
        table = client.describe_table(TableName=name)["Table"]
        changes.append("created")
    if [dict(k) for k in table["KeySchema"]] != spec["KeySchema"]:
        raise BootstrapError(
            f"{name} exists with key schema {table['KeySchema']}, the models need {spec['KeySchema']}."
        )
    existing = {i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])}
    for index in spec.get("GlobalSecondaryIndexes", []):
        if index["IndexName"] in existing:
            continue
        # DynamoDB creates one index per UpdateTable and backfills it in the background.
        client.update_table(
            TableName=name,
            AttributeDefinitions=spec["AttributeDefinitions"],
            GlobalSecondaryIndexUpdates=[{"Create": index}],
        )
        _wait(lambda: _indexes_active(client, name), f"index {index['IndexName']} of {name}")
        changes.append(f"index {index['IndexName']} added")
    if "TimeToLive" in spec:
        ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            client.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"AttributeName": spec["TimeToLive"], "Enabled": True}
            )
            changes.append(f"TTL on {spec['TimeToLive']}")
    backups = client.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    if backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus") != "ENABLED":
        client.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
        changes.append("point-in-time recovery")
    if protect and not table.get("DeletionProtectionEnabled"):
        client.update_table(TableName=name, DeletionProtectionEnabled=True)
        changes.append("deletion protection")
    if not changes:
        return Step(f"table {name}", "unchanged")
    return Step(f"table {name}", "created" if changes[0] == "created" else "updated", ", ".join(changes))


def _indexes_active(client: Any, name: str) -> bool:
    table = client.describe_table(TableName=name)["Table"]
    return all(i.get("IndexStatus", "ACTIVE") == "ACTIVE" for i in table.get("GlobalSecondaryIndexes", []))


def ensure_tables(settings: Settings, protect: bool) -> list[Step]:
    client = _dynamodb(settings)
    return [ensure_table(client, spec, protect) for spec in table_specs(settings.table_prefix)]


def ensure_bucket(settings: Settings, cdn: bool = False) -> list[Step]:
    """The bucket; ``cdn``: served by CloudFront, so nothing in it is public."""
    from chalicelib import storage
    from chalicelib.errors import MediaError
    from chalicelib.storage.configuration import configure_bucket

    s3 = storage.client()
    try:
        s3.head_bucket(Bucket=settings.bucket)
        existed = True
    except s3.exceptions.ClientError:
        existed = False
    try:
        configure_bucket()  # create if missing, CORS, lifecycle (the local stack's code path too)
    except MediaError as exc:
        raise BootstrapError(f"bucket {settings.bucket}: {exc.__cause__ or exc.message}") from exc
    steps = [Step(f"bucket {settings.bucket}", "unchanged" if existed else "created", "CORS, lifecycle rules")]
    if settings.s3_endpoint_url:
        # Wasabi / DigitalOcean Spaces: public access is set in the provider's console (docs/deploy.md).
        steps.append(Step(f"bucket {settings.bucket} access", "skipped", "not AWS S3: see docs/deploy.md"))
        return steps
    s3.put_bucket_encryption(
        Bucket=settings.bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_ownership_controls(
        Bucket=settings.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    try:
        blocked = s3.get_public_access_block(Bucket=settings.bucket)["PublicAccessBlockConfiguration"]
    except s3.exceptions.ClientError:
        blocked = None  # never set
    s3.put_public_access_block(Bucket=settings.bucket, PublicAccessBlockConfiguration=public_access_block(cdn))
    if cdn:  # the policy naming the distribution comes with it (ops.edge_setup)
        outcome = "unchanged" if blocked == public_access_block(cdn) else "updated"
        steps.append(Step(f"bucket {settings.bucket} access", outcome, "encryption, ACLs disabled, no public access"))
        return steps
    policy = public_read_policy(settings.bucket)
    try:
        unchanged = json.loads(s3.get_bucket_policy(Bucket=settings.bucket)["Policy"]) == policy
    except s3.exceptions.ClientError:
        unchanged = False  # no policy yet
    s3.put_bucket_policy(Bucket=settings.bucket, Policy=json.dumps(policy))
    detail = "encryption, ACLs disabled, public read of media/*, thumbs/*, renditions/*"
    steps.append(Step(f"bucket {settings.bucket} access", "unchanged" if unchanged else "updated", detail))
    return steps


def ensure_failure_queue(stage: str, region: str) -> Step:
    """The queue events still failing after Lambda's retries go to (ops.monitoring)."""
    from ops.iam import failure_queue_name
    from ops.monitoring import RETENTION_SECONDS

    sqs = boto3.client("sqs", region_name=region)
    name = failure_queue_name(stage)
    attributes = {"MessageRetentionPeriod": str(RETENTION_SECONDS), "SqsManagedSseEnabled": "true"}
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        sqs.create_queue(QueueName=name, Attributes=attributes)
        return Step(f"queue {name}", "created", "failed events, 14 days")
    current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(attributes))["Attributes"]
    if all(current.get(k) == v for k, v in attributes.items()):
        return Step(f"queue {name}", "unchanged")
    sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return Step(f"queue {name}", "updated", "failed events, 14 days")


def ensure_secret(name: str, region: str) -> Step:
    ssm = boto3.client("ssm", region_name=region)
    try:
        ssm.get_parameter(Name=name)
        return Step(f"parameter {name}", "unchanged")
    except ssm.exceptions.ParameterNotFound:
        pass
    try:
        ssm.put_parameter(
            Name=name,
            Value=secrets.token_urlsafe(SECRET_BYTES),
            Type="SecureString",
            Description="Media API: HMAC key signing list cursors",
            Overwrite=False,
        )
    except ssm.exceptions.ParameterAlreadyExists:
        return Step(f"parameter {name}", "unchanged")
    return Step(f"parameter {name}", "created", "SecureString (aws/ssm key)")


def use_profile_region() -> str | None:
    """Let a profile's region count when no variable names one (as it does for chalice deploy)."""
    names = ("MEDIA_REGION", "AWS_REGION", "AWS_DEFAULT_REGION")
    if not any(os.environ.get(n) for n in names):
        region = boto3.session.Session().region_name
        if region:
            os.environ["AWS_DEFAULT_REGION"] = region
    return next((os.environ[n] for n in names if os.environ.get(n)), None)


def bootstrap(stage: str, *, secret_only: bool = False, root: Path = ROOT, layer_zip: Path | None = None) -> list[Step]:
    """Everything the stage needs before `chalice deploy` (the environment is the stage's);
    what it made that chalice must know is written into ``root``'s .chalice/config.json."""
    from ops.edge_setup import setup_edge

    use_profile_region()
    reset_settings()
    settings = get_settings()
    steps: list[Step] = []
    if not secret_only:
        steps += ensure_tables(settings, bool(stage_settings(stage)["deletion_protection"]))
        steps += ensure_bucket(settings, stage_delivery(stage).cdn)
        steps.append(ensure_failure_queue(stage, settings.function_region))
        layer = layer_zip or root / "dist" / "worker-layer.zip"
        steps += setup_edge(stage, settings.bucket, settings.function_region, root, layer)
    if settings.cursor_secret_parameter:
        steps.append(ensure_secret(settings.cursor_secret_parameter, settings.function_region))
    else:
        steps.append(Step("cursor secret", "skipped", "MEDIA_CURSOR_SECRET_PARAMETER is not set for this stage"))
    return steps
