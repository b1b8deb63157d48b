"""The delivery network and the worker layer on the `chalice deploy` path (idempotent).

``manage.py bootstrap`` runs this for a stage whose ``deploy.delivery`` is
``cloudfront`` (ops.delivery), with the same definitions the packaged template
declares:

- the origin access control and the response-headers policy (found by name),
- the distribution (found by its comment; a tag records the digest of the
  configuration it was given, so a second run changes nothing and a changed
  setting updates it), and the bucket policy that lets only it read,
- the invalidation queue and its dead letters,
- the worker layer, published when dist/worker-layer.zip differs from the
  latest version (``make layer`` builds it),

then writes what `chalice deploy` needs into the stage's .chalice/config.json
(the stack outputs of this path): MEDIA_PUBLIC_BASE_URL, MEDIA_DISTRIBUTION_ID,
MEDIA_INVALIDATION_QUEUE_URL, and the layer's ARN on the derivatives function,
and regenerates the IAM policy files (the invalidator's names the distribution).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import boto3

from ops import delivery, iam
from ops.bootstrap import BootstrapError, Step
from ops.worker_layer import RUNTIME, layer_name

CONFIG_TAG = "media-api:config-sha256"


def _quantified(value: Any) -> Any:
    """CloudFormation's lists -> the CloudFront API's {"Quantity", "Items"}."""
    if isinstance(value, dict):
        if set(value) == {"Items"}:
            return {"Quantity": len(value["Items"]), "Items": [_quantified(v) for v in value["Items"]]}
        return {k: _quantified(v) for k, v in value.items()}
    return value


def _listed(items: list[Any]) -> dict[str, Any]:
    return {"Quantity": len(items), "Items": items} if items else {"Quantity": 0}


def _behaviour(behaviour: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in behaviour.items() if k not in ("AllowedMethods", "CachedMethods")}
    out["AllowedMethods"] = {
        **_listed(behaviour["AllowedMethods"]),
        "CachedMethods": _listed(behaviour["CachedMethods"]),
    }
    return out


def api_distribution_config(
    stage: str, serving: delivery.Delivery, bucket_domain: str, oac: str, headers_policy: str
) -> dict[str, Any]:
    """ops.delivery's DistributionConfig in the CloudFront API's shape."""
    config = delivery.distribution_config(stage, serving, bucket_domain, oac, headers_policy)
    certificate = config["ViewerCertificate"]
    if "AcmCertificateArn" in certificate:
        certificate = {
            "ACMCertificateArn": certificate["AcmCertificateArn"],
            "SSLSupportMethod": certificate["SslSupportMethod"],
            "MinimumProtocolVersion": certificate["MinimumProtocolVersion"],
        }
    origins = [{"OriginPath": "", **o, "CustomHeaders": {"Quantity": 0}} for o in config["Origins"]]
    return {
        "CallerReference": f"{iam.APP_NAME}-{stage}-media",
        "Comment": config["Comment"],
        "Enabled": True,
        "HttpVersion": config["HttpVersion"],
        "IsIPV6Enabled": config["IPV6Enabled"],
        "PriceClass": config["PriceClass"],
        "Aliases": _listed(config.get("Aliases", [])),
        "Origins": _listed(origins),
        "DefaultCacheBehavior": _behaviour(config["DefaultCacheBehavior"]),
        "CacheBehaviors": _listed([_behaviour(b) for b in config["CacheBehaviors"]]),
        "ViewerCertificate": certificate,
    }


def ensure_origin_access_control(cloudfront: Any, stage: str) -> tuple[str, Step]:
    wanted = delivery.oac_config(stage)
    for page in cloudfront.get_paginator("list_origin_access_controls").paginate():
        for item in page.get("OriginAccessControlList", {}).get("Items", []):
            if item["Name"] == wanted["Name"]:
                return item["Id"], Step(f"origin access control {wanted['Name']}", "unchanged", "sigv4, always")
    created = cloudfront.create_origin_access_control(OriginAccessControlConfig=wanted)
    return created["OriginAccessControl"]["Id"], Step(f"origin access control {wanted['Name']}", "created", "sigv4")


def ensure_headers_policy(cloudfront: Any, stage: str, origins: tuple[str, ...]) -> tuple[str, Step]:
    wanted = _quantified(delivery.headers_policy_config(stage, origins))
    found = cloudfront.list_response_headers_policies(Type="custom").get("ResponseHeadersPolicyList", {})
    resource = f"response headers policy {wanted['Name']}"
    for item in found.get("Items", []):
        policy = item["ResponseHeadersPolicy"]
        if policy["ResponseHeadersPolicyConfig"]["Name"] != wanted["Name"]:
            continue
        if policy["ResponseHeadersPolicyConfig"] == wanted:
            return policy["Id"], Step(resource, "unchanged", "nosniff, CORS")
        etag = cloudfront.get_response_headers_policy(Id=policy["Id"])["ETag"]
        cloudfront.update_response_headers_policy(Id=policy["Id"], IfMatch=etag, ResponseHeadersPolicyConfig=wanted)
        return policy["Id"], Step(resource, "updated", f"CORS for {', '.join(origins)}")
    created = cloudfront.create_response_headers_policy(ResponseHeadersPolicyConfig=wanted)
    return created["ResponseHeadersPolicy"]["Id"], Step(resource, "created", f"nosniff, CORS for {', '.join(origins)}")


def _digest(config: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


def ensure_distribution(cloudfront: Any, stage: str, wanted: dict[str, Any]) -> tuple[dict[str, Any], Step]:
    """The stage's distribution as CloudFront describes it (Id, ARN, DomainName)."""
    digest = _digest(wanted)
    resource = f"distribution {wanted['Comment']}"
    for page in cloudfront.get_paginator("list_distributions").paginate():
        for item in page.get("DistributionList", {}).get("Items", []):
            if item.get("Comment") != wanted["Comment"]:
                continue
            tags = cloudfront.list_tags_for_resource(Resource=item["ARN"])["Tags"].get("Items", [])
            if any(t["Key"] == CONFIG_TAG and t["Value"] == digest for t in tags):
                return item, Step(resource, "unchanged", item["DomainName"])
            current = cloudfront.get_distribution_config(Id=item["Id"])
            config = {**wanted, "CallerReference": current["DistributionConfig"]["CallerReference"]}
            cloudfront.update_distribution(Id=item["Id"], IfMatch=current["ETag"], DistributionConfig=config)
            cloudfront.tag_resource(Resource=item["ARN"], Tags={"Items": [{"Key": CONFIG_TAG, "Value": digest}]})
            return item, Step(resource, "updated", f"{item['DomainName']} (deploying takes a few minutes)")
    created = cloudfront.create_distribution_with_tags(
        DistributionConfigWithTags={
            "DistributionConfig": wanted,
            "Tags": {"Items": [{"Key": CONFIG_TAG, "Value": digest}, {"Key": "media-api:stage", "Value": stage}]},
        }
    )["Distribution"]
    return created, Step(resource, "created", f"{created['DomainName']} (deploying takes a few minutes)")


def ensure_bucket_policy(s3: Any, bucket: str, distribution_arn: str) -> Step:
    policy = delivery.cloudfront_read_policy(bucket, distribution_arn)
    try:
        unchanged = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == policy
    except s3.exceptions.ClientError:
        unchanged = False
    if not unchanged:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    detail = "only the distribution reads media/, thumbs/, renditions/"
    return Step(f"bucket {bucket} policy", "unchanged" if unchanged else "updated", detail)


def ensure_queue(sqs: Any, name: str, attributes: dict[str, str]) -> tuple[str, Step]:
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"], Step(f"queue {name}", "created")
    current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(attributes))["Attributes"]
    if all(json.loads(current[k]) == json.loads(v) if k == "RedrivePolicy" else current.get(k) == v
           for k, v in attributes.items()):  # fmt: skip
        return url, Step(f"queue {name}", "unchanged")
    sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return url, Step(f"queue {name}", "updated")


def ensure_invalidation_queues(stage: str, region: str) -> tuple[str, list[Step]]:
    sqs = boto3.client("sqs", region_name=region)
    name = iam.invalidation_queue_name(stage)
    base = {"SqsManagedSseEnabled": "true"}
    dead_url, dead = ensure_queue(sqs, f"{name}-dead-letters", {**base, "MessageRetentionPeriod": str(14 * 24 * 3600)})
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": delivery.MAX_RECEIVES})
    attributes = {**base, **{k: str(v) for k, v in delivery.queue_attributes().items()}, "RedrivePolicy": redrive}
    url, queue = ensure_queue(sqs, name, attributes)
    return url, [dead, queue]


def ensure_worker_layer(stage: str, region: str, zip_path: Path) -> tuple[str | None, Step]:
    """Publish the layer when the zip differs from the latest version; its ARN (None: no zip)."""
    name = layer_name(stage)
    if not zip_path.exists():
        return None, Step(f"layer {name}", "skipped", f"no {zip_path.name}: run `make layer` first")
    data = zip_path.read_bytes()
    digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
    lambdas = boto3.client("lambda", region_name=region)
    versions = lambdas.list_layer_versions(LayerName=name).get("LayerVersions", [])
    if versions:
        newest = max(versions, key=lambda v: int(v["Version"]))
        latest = lambdas.get_layer_version(LayerName=name, VersionNumber=newest["Version"])
        if latest["Content"]["CodeSha256"] == digest:
            return str(latest["LayerVersionArn"]), Step(f"layer {name}", "unchanged", f"version {latest['Version']}")
    if len(data) > 50 * 1024 * 1024:
        raise BootstrapError(f"{zip_path} is {len(data) / 1e6:.0f} MB: Lambda takes at most 50 MB inline.")
    published = lambdas.publish_layer_version(
        LayerName=name,
        Description="PyAV (FFmpeg) for the derivatives worker",
        Content={"ZipFile": data},
        CompatibleRuntimes=[RUNTIME],
        CompatibleArchitectures=["x86_64"],
    )
    return str(published["LayerVersionArn"]), Step(f"layer {name}", "created", f"version {published['Version']}")


def write_stage_outputs(root: Path, stage: str, variables: dict[str, str], layer: str | None) -> Step:
    """What `chalice deploy` must know, into the stage's config (written as `json.dumps(indent=2)`,
    the file's own format, so the diff is only these values)."""
    path = root / ".chalice" / "config.json"
    config = json.loads(path.read_text())
    section = config["stages"][stage]
    before = json.dumps(section, sort_keys=True)
    section.setdefault("environment_variables", {}).update(variables)
    if layer is not None:
        section.setdefault("lambda_functions", {}).setdefault("derivatives", {})["layers"] = [layer]
    if json.dumps(section, sort_keys=True) == before:
        return Step(f".chalice/config.json stage {stage}", "unchanged")
    path.write_text(json.dumps(config, indent=2) + "\n")
    return Step(
        f".chalice/config.json stage {stage}", "updated", ", ".join([*variables, *(["layers"] if layer else [])])
    )


def write_policies(root: Path, stage: str, cdn: bool) -> None:
    """deploy/iam/{stage}-*.json from the stage's config as it now reads (ops.template policies)."""
    from ops.targets import stage_environment

    env = stage_environment(stage, root)
    for function in iam.FUNCTIONS:
        path = root / "deploy" / "iam" / f"{stage}-{function}.json"
        path.write_text(json.dumps(iam.static_policy(stage, function, env, cdn), indent=2) + "\n")


def setup_edge(stage: str, bucket: str, region: str, root: Path, layer_zip: Path) -> list[Step]:
    """Everything of this module for ``stage``, then its outputs into the stage's config."""
    from ops.targets import stage_environment
    from ops.template import stage_delivery

    serving = stage_delivery(stage)
    layer, layer_step = ensure_worker_layer(stage, region, layer_zip)
    steps, variables = [layer_step], {}
    if serving.cdn:
        cloudfront = boto3.client("cloudfront", region_name="us-east-1")
        oac, step = ensure_origin_access_control(cloudfront, stage)
        steps.append(step)
        origins = delivery.origins_of(stage_environment(stage, root))
        headers, step = ensure_headers_policy(cloudfront, stage, origins)
        steps.append(step)
        wanted = api_distribution_config(stage, serving, f"{bucket}.s3.{region}.amazonaws.com", oac, headers)
        distribution, step = ensure_distribution(cloudfront, stage, wanted)
        steps.append(step)
        steps.append(ensure_bucket_policy(boto3.client("s3", region_name=region), bucket, distribution["ARN"]))
        queue_url, queue_steps = ensure_invalidation_queues(stage, region)
        steps += queue_steps
        variables = {
            "MEDIA_PUBLIC_BASE_URL": f"https://{serving.domain or distribution['DomainName']}",
            "MEDIA_DISTRIBUTION_ID": str(distribution["Id"]),
            "MEDIA_INVALIDATION_QUEUE_URL": queue_url,
        }
    written = write_stage_outputs(root, stage, variables, layer)
    steps.append(written)
    if written.outcome != "unchanged":
        write_policies(root, stage, serving.cdn)
    return steps
