"""After `chalice deploy`: the web ACL on the API stage, the invalidation queue's event
source, the derivatives worker's storage, the CDN's alarms (idempotent; ops.post_deploy).

The same definitions as the packaged template (ops.waf, ops.delivery,
ops.worker_layer, ops.monitoring), applied through the API because they need
what `chalice deploy` creates (the API stage, the functions).
"""

from __future__ import annotations

from typing import Any

import boto3

from ops import delivery, iam, monitoring, waf, worker_layer
from ops.bootstrap import BootstrapError, Step

#: What the web ACL's definition sets (AWS adds fields of its own to what it describes).
_ACL_FIELDS = ("DefaultAction", "Description", "Rules", "VisibilityConfig", "CustomResponseBodies")


def ensure_web_acl(wafv2: Any, wanted: dict[str, Any]) -> tuple[str, Step]:
    resource = f"web ACL {wanted['Name']}"
    listed = wafv2.list_web_acls(Scope=wanted["Scope"]).get("WebACLs", [])
    found = next((acl for acl in listed if acl["Name"] == wanted["Name"]), None)
    if found is None:
        created = wafv2.create_web_acl(**wanted)["Summary"]
        return str(created["ARN"]), Step(resource, "created", _limits_detail(wanted))
    current = wafv2.get_web_acl(Name=found["Name"], Scope=wanted["Scope"], Id=found["Id"])
    acl = current["WebACL"]
    if all(acl.get(field) == wanted[field] for field in _ACL_FIELDS):
        return str(acl["ARN"]), Step(resource, "unchanged", _limits_detail(wanted))
    wafv2.update_web_acl(Id=found["Id"], LockToken=current["LockToken"], **wanted)
    return str(acl["ARN"]), Step(resource, "updated", _limits_detail(wanted))


def _limits_detail(acl: dict[str, Any]) -> str:
    return ", ".join(f"{r['Name']} {r['Statement']['RateBasedStatement']['Limit']}/min" for r in acl["Rules"])


def associate_web_acl(wafv2: Any, acl_arn: str, stage_arn: str) -> Step:
    current = wafv2.get_web_acl_for_resource(ResourceArn=stage_arn).get("WebACL")
    resource = f"web ACL on {stage_arn.split('::', 1)[1]}"
    if current and current.get("ARN") == acl_arn:
        return Step(resource, "unchanged")
    wafv2.associate_web_acl(WebACLArn=acl_arn, ResourceArn=stage_arn)
    return Step(resource, "created" if not current else "updated")


def protect_api(
    stage: str, region: str, api_id: str, api_stage: str, limits: waf.Limits, origins: tuple[str, ...]
) -> list[Step]:
    wafv2 = boto3.client("wafv2", region_name=region)
    arn, step = ensure_web_acl(wafv2, waf.web_acl(stage, limits, origins))
    return [step, associate_web_acl(wafv2, arn, waf.stage_arn(region, api_id, api_stage))]


def feed_invalidations(stage: str, region: str) -> Step:
    """The invalidation queue -> the invalidate function, in batches (ops.delivery)."""
    sqs = boto3.client("sqs", region_name=region)
    name = iam.invalidation_queue_name(stage)
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        raise BootstrapError(f"No queue {name}: run `manage.py bootstrap --stage {stage}` first.") from None
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lambdas = boto3.client("lambda", region_name=region)
    function = iam.function_name(stage, "invalidate")
    wanted = {
        "BatchSize": delivery.BATCH_SIZE,
        "MaximumBatchingWindowInSeconds": delivery.BATCHING_WINDOW_SECONDS,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
    }
    mappings = lambdas.list_event_source_mappings(EventSourceArn=queue_arn, FunctionName=function)[
        "EventSourceMappings"
    ]
    detail = f"{name} -> {function}, {delivery.BATCH_SIZE} per batch, {delivery.BATCHING_WINDOW_SECONDS} s window"
    if not mappings:
        lambdas.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=function, Enabled=True, **wanted)
        return Step(f"event source {name}", "created", detail)
    mapping = mappings[0]
    if all(mapping.get(k) == v for k, v in wanted.items()):
        return Step(f"event source {name}", "unchanged", detail)
    lambdas.update_event_source_mapping(UUID=mapping["UUID"], **wanted)
    return Step(f"event source {name}", "updated", detail)


def size_worker(stage: str, region: str) -> Step:
    """Ephemeral storage has no chalice setting; `chalice deploy` leaves it as set here."""
    lambdas = boto3.client("lambda", region_name=region)
    name = iam.function_name(stage, "derivatives")
    current = lambdas.get_function_configuration(FunctionName=name).get("EphemeralStorage", {}).get("Size")
    detail = f"/tmp {worker_layer.EPHEMERAL_MB} MB"
    if current == worker_layer.EPHEMERAL_MB:
        return Step(f"function {name} storage", "unchanged", detail)
    lambdas.update_function_configuration(FunctionName=name, EphemeralStorage={"Size": worker_layer.EPHEMERAL_MB})
    return Step(f"function {name} storage", "updated", detail)


def put_cdn_alarms(
    stage: str, region: str, settings: dict[str, Any], distribution_id: str, us_east_1_only: bool = False
) -> Step:
    """The dead-letter alarm in the stage's region, the CDN's 5xx alarm in us-east-1 (its metrics'
    region); ``us_east_1_only``: just the latter (a stack outside us-east-1 has the former)."""
    cdn = monitoring.Cdn(distribution_id, f"{iam.invalidation_queue_name(stage)}-dead-letters")
    alarms = [a for a in monitoring.cdn_alarms(settings, cdn) if a.region or not us_east_1_only]
    for alarm in alarms:
        cloudwatch = boto3.client("cloudwatch", region_name=alarm.region or region)
        cloudwatch.put_metric_alarm(
            **alarm.properties(monitoring.alarm_name(stage, alarm), monitoring.actions(settings))
        )
    names = ", ".join(monitoring.alarm_name(stage, a) for a in alarms)
    return Step(f"{len(alarms)} CDN alarms", "updated", f"{names} (5xx rate of {distribution_id} in us-east-1)")
