"""What `chalice deploy` cannot set, applied after every deploy (idempotent).

``manage.py post-deploy --stage STAGE`` runs this. Each `chalice deploy`
re-imports the API definition, which drops gateway responses, so this runs
after every deploy, not just the first:

- gateway responses in our error shape (deploy/gateway_responses.json):
  unknown routes 404 ``not_found`` instead of API Gateway's 403, throttling
  429 ``too_many_requests``, 413 ``payload_too_large``, default 4XX/5XX;
- stage throttling (the stage's `deploy` section of .chalice/config.json);
- the bucket's ObjectCreated events on ``uploads/`` to the ingest function,
  with the permission that lets S3 invoke it (skipped when the stage sets
  MEDIA_BUCKET_EVENTS=false: Wasabi and Spaces have no such events);
- the web ACL limiting requests per key and per IP, on the API stage (ops.waf);
- the derivatives worker's ephemeral storage; with CloudFront, the invalidation
  queue feeding the invalidate function and the CDN's alarms (ops.edge_wiring).

The packaged template (ops.template) declares the same things itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3

from chalicelib.config import get_settings
from ops import iam
from ops.bootstrap import BootstrapError, Step
from ops.template import ROOT, gateway_response_body, load_json, stage_settings

PERMISSION_ID = "media-bucket-ingest"


def _deployed(stage: str, root: Path) -> dict[str, dict[str, Any]]:
    """chalice's record of the stage (.chalice/deployed/STAGE.json), by resource name."""
    try:
        record = json.loads((root / ".chalice" / "deployed" / f"{stage}.json").read_text())
    except FileNotFoundError:
        return {}
    return {r["name"]: r for r in record.get("resources", [])}


def find_rest_api(client: Any, stage: str, api_stage: str, root: Path = ROOT) -> str:
    deployed = _deployed(stage, root).get("rest_api")
    if deployed:
        return str(deployed["rest_api_id"])
    # chalice names the API after the app; the stage name tells stages apart.
    for page in client.get_paginator("get_rest_apis").paginate():
        for api in page["items"]:
            if api["name"] != iam.APP_NAME:
                continue
            stages = client.get_stages(restApiId=api["id"])["item"]
            if any(s["stageName"] == api_stage for s in stages):
                return str(api["id"])
    raise BootstrapError(f"No API Gateway REST API for stage {stage}: run `chalice deploy --stage {stage}` first.")


def apply_gateway_responses(client: Any, api_id: str, api_stage: str, settings: dict[str, Any]) -> list[Step]:
    for kind, spec in load_json("gateway_responses.json").items():
        params: dict[str, Any] = {
            "restApiId": api_id,
            "responseType": kind,
            "responseTemplates": {"application/json": gateway_response_body(spec["body"])},
            "responseParameters": {f"gatewayresponse.header.{k}": f"'{v}'" for k, v in spec.get("headers", {}).items()},
        }
        if "status" in spec:
            params["statusCode"] = str(spec["status"])
        client.put_gateway_response(**params)
    # Gateway responses reach a stage only with a new deployment (then the stage settings).
    client.create_deployment(restApiId=api_id, stageName=api_stage, description="gateway responses (post-deploy)")
    client.update_stage(
        restApiId=api_id,
        stageName=api_stage,
        patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(settings["throttle_rate_limit"])},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(settings["throttle_burst_limit"])},
        ],
    )
    return [
        Step(f"API {api_id} gateway responses", "updated", ", ".join(load_json("gateway_responses.json"))),
        Step(
            f"API {api_id} stage {api_stage} throttling",
            "updated",
            f"{settings['throttle_rate_limit']} req/s, burst {settings['throttle_burst_limit']}",
        ),
    ]


def _grant_bucket(lambdas: Any, region: str, stage: str, function: str, bucket: str) -> tuple[str, Step]:
    """The function's ARN, after letting the bucket invoke it (once)."""
    name = iam.function_name(stage, function)
    try:
        function_arn = lambdas.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    except lambdas.exceptions.ResourceNotFoundException:
        raise BootstrapError(f"No function {name}: run `chalice deploy --stage {stage}` first.") from None
    try:
        policy = json.loads(lambdas.get_policy(FunctionName=name)["Policy"])
        granted = any(s.get("Sid") == PERMISSION_ID for s in policy.get("Statement", []))
    except lambdas.exceptions.ResourceNotFoundException:
        granted = False
    if not granted:
        account = boto3.client("sts", region_name=region).get_caller_identity()["Account"]
        lambdas.add_permission(
            FunctionName=name,
            StatementId=PERMISSION_ID,
            Action="lambda:InvokeFunction",
            Principal="s3.amazonaws.com",
            SourceArn=f"arn:aws:s3:::{bucket}",
            SourceAccount=account,
        )
    return function_arn, Step(f"function {name} permission", "unchanged" if granted else "created", "s3.amazonaws.com")


def wire_bucket_events(stage: str, region: str) -> list[Step]:
    """The bucket's event routes (chalicelib.domain.layout.ROUTES): staged uploads to
    ingest, new files to the thumbnail maker."""
    from chalicelib import storage
    from chalicelib.domain.layout import ROUTES

    settings = get_settings()
    lambdas = boto3.client("lambda", region_name=region)
    steps, wanted = [], []
    for prefix, events, function in ROUTES:
        arn, step = _grant_bucket(lambdas, region, stage, function, settings.bucket)
        steps.append(step)
        rules = [{"Name": "prefix", "Value": prefix}]
        wanted.append(
            {"Id": f"media-{function}", "LambdaFunctionArn": arn, "Events": list(events),
             "Filter": {"Key": {"FilterRules": rules}}}
        )  # fmt: skip
    s3 = storage.client()
    current = s3.get_bucket_notification_configuration(Bucket=settings.bucket).get("LambdaFunctionConfigurations", [])
    routes = ", ".join(f"{prefix} -> {function}" for prefix, _, function in ROUTES)
    if current == wanted:
        steps.append(Step(f"bucket {settings.bucket} events", "unchanged", routes))
    else:
        s3.put_bucket_notification_configuration(
            Bucket=settings.bucket, NotificationConfiguration={"LambdaFunctionConfigurations": wanted}
        )
        steps.append(Step(f"bucket {settings.bucket} events", "updated", routes))
    return steps


def post_deploy(stage: str, root: Path = ROOT) -> list[Step]:
    from chalicelib import caches
    from ops.bootstrap import use_profile_region

    use_profile_region()
    caches.reset()
    settings = get_settings()
    region = settings.function_region
    config = json.loads((root / ".chalice" / "config.json").read_text())
    api_stage = config["stages"][stage].get("api_gateway_stage", "api")
    client = boto3.client("apigateway", region_name=region)
    api_id = find_rest_api(client, stage, api_stage, root)
    steps = apply_gateway_responses(client, api_id, api_stage, stage_settings(stage))
    if settings.bucket_events:
        steps += wire_bucket_events(stage, region)
        steps += keep_failed_events(stage, region)
    else:
        steps.append(
            Step("bucket events", "skipped", "MEDIA_BUCKET_EVENTS=false: `complete` and the reconciler ingest")
        )
    steps += put_alarms(stage, region, api_stage)
    steps += wire_edge(stage, region, api_id, api_stage, settings.distribution_id)
    return steps


def wire_edge(stage: str, region: str, api_id: str, api_stage: str, distribution_id: str | None) -> list[Step]:
    from ops import delivery, edge_wiring
    from ops.targets import stage_environment
    from ops.template import stage_delivery, stage_limits

    origins = delivery.origins_of(stage_environment(stage, ROOT))
    steps = edge_wiring.protect_api(stage, region, api_id, api_stage, stage_limits(stage), origins)
    steps.append(edge_wiring.size_worker(stage, region))
    if stage_delivery(stage).cdn:
        if distribution_id is None:
            raise BootstrapError(f"MEDIA_DISTRIBUTION_ID is not set for {stage}: run `manage.py bootstrap` first.")
        steps.append(edge_wiring.feed_invalidations(stage, region))
        steps.append(edge_wiring.put_cdn_alarms(stage, region, stage_settings(stage), distribution_id))
    return steps


def keep_failed_events(stage: str, region: str) -> list[Step]:
    """Each asynchronous function's on-failure destination: the failed-event queue."""
    from ops.monitoring import ASYNC_FUNCTIONS, RETRIES

    sqs = boto3.client("sqs", region_name=region)
    name = iam.failure_queue_name(stage)
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        raise BootstrapError(f"No queue {name}: run `manage.py bootstrap --stage {stage}` first.") from None
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lambdas = boto3.client("lambda", region_name=region)
    steps = []
    for function in ASYNC_FUNCTIONS:
        lambdas.put_function_event_invoke_config(
            FunctionName=iam.function_name(stage, function),
            MaximumRetryAttempts=RETRIES,
            DestinationConfig={"OnFailure": {"Destination": arn}},
        )
        steps.append(Step(f"function {iam.function_name(stage, function)} on failure", "updated", f"-> {name}"))
    return steps


def put_alarms(stage: str, region: str, api_stage: str) -> list[Step]:
    """The stage's alarms (ops.monitoring), notifying its topic if it names one."""
    from ops import monitoring

    settings = stage_settings(stage)
    cloudwatch = boto3.client("cloudwatch", region_name=region)
    alarms = monitoring.alarms(stage, settings, iam.failure_queue_name(stage), api_stage)
    for alarm in alarms:
        cloudwatch.put_metric_alarm(
            **alarm.properties(monitoring.alarm_name(stage, alarm), monitoring.actions(settings))
        )
    topic = monitoring.actions(settings)
    detail = f"-> {topic[0]}" if topic else "no topic: deploy.alarm_topic_arn is not set"
    return [Step(f"{len(alarms)} alarms", "updated", detail)]
