"""The infrastructure of a stage, generated from the code so it cannot drift.

    .venv/bin/python -m ops.template merge --stage dev --out dist/merge.json
    .venv/bin/python -m ops.template policies            # rewrite deploy/iam/*.json
    .venv/bin/python -m ops.template policies --check    # fail if they are stale

``merge`` writes the template `chalice package --merge-template` merges into
its own (functions, roles, API): the DynamoDB tables (from the PynamoDB
models), the bucket (CORS and lifecycle from chalicelib.storage, events wired
to the ingest function), the IAM policies (ops.iam), gateway responses in our
error shape (deploy/gateway_responses.json), stage throttling and log groups
(.chalice/config.json, each stage's ``deploy`` section), the delivery network (ops.delivery:
CloudFront in front of a private bucket, the invalidation queue), the web ACL limiting
requests per key (ops.waf), and the derivatives worker's layer (ops.worker_layer).
``manage.py bootstrap`` and ``post-deploy`` build the same through the API for the
`chalice deploy` path.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ops import bucket_resources, delivery, iam, monitoring, waf, worker_layer
from ops.targets import stage_environment

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
#: logical ids chalice gives each function (and "<id>Role", "<id>LogGroup")
LOGICAL_IDS = {
    "api_handler": "APIHandler",
    "ingest": "Ingest",
    "derivatives": "Derivatives",
    "invalidate": "Invalidate",
    "reconcile": "Reconcile",
}
_ROLE_IDS = {**LOGICAL_IDS, "api_handler": "ApiHandler"}
TABLE_IDS = {
    "accounts": "AccountsTable",
    "api-keys": "ApiKeysTable",
    "media": "MediaTable",
    "uploads": "UploadsTable",
    "idempotency": "IdempotencyTable",
}
_VTL_MESSAGE = "$context.error.messageString"  # already a quoted JSON string


def load_json(name: str) -> Any:
    return json.loads((DEPLOY / name).read_text())


def chalice_config() -> dict[str, Any]:
    return dict(json.loads((ROOT / ".chalice" / "config.json").read_text()))


def stage_names() -> list[str]:
    return sorted(chalice_config().get("stages") or {})


def stage_settings(stage: str) -> dict[str, Any]:
    """A stage's ``deploy`` section of .chalice/config.json: what chalice has no key for
    (throttling, deletion protection). Chalice ignores keys it does not know, so every
    setting of a stage lives in that one file."""
    stages = chalice_config().get("stages") or {}
    if stage not in stages or "deploy" not in stages[stage]:
        raise SystemExit(
            f".chalice/config.json has no stage {stage!r} with a deploy section (known: {', '.join(sorted(stages))})."
        )
    return dict(stages[stage]["deploy"])


def _hash_first(keys: list[dict[str, str]]) -> list[dict[str, str]]:
    # DynamoDB wants HASH before RANGE; PynamoDB lists index keys by attribute order.
    pairs = ({"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in keys)
    return sorted(pairs, key=lambda k: k["KeyType"] != "HASH")


def table_specs(prefix: str) -> list[dict[str, Any]]:
    """CreateTable-shaped definitions of every table, read from the PynamoDB models."""
    from chalicelib.models import MODELS

    specs = []
    for model in MODELS:
        schema: Any = model._get_schema()

        spec: dict[str, Any] = {
            "TableName": f"{prefix}-{model.Meta.table_suffix}",  # type: ignore[attr-defined]
            "AttributeDefinitions": sorted(schema["attribute_definitions"], key=lambda a: a["AttributeName"]),
            "KeySchema": _hash_first(schema["key_schema"]),
            "BillingMode": "PAY_PER_REQUEST",
        }
        indexes = [
            {
                "IndexName": index["index_name"],
                "KeySchema": _hash_first(index["key_schema"]),
                "Projection": index["projection"],
            }
            for index in schema["global_secondary_indexes"]
        ]
        if indexes:
            spec["GlobalSecondaryIndexes"] = indexes
        ttl = model._ttl_attribute()
        if ttl is not None:
            spec["TimeToLive"] = ttl.attr_name
        specs.append(spec)
    return specs


def gateway_response_body(body: dict[str, Any]) -> str:
    """A mapping template producing our error body (docs/architecture.md, "Errors")."""
    return json.dumps(body, separators=(",", ":")).replace(json.dumps(_VTL_MESSAGE), _VTL_MESSAGE)


def _tables(prefix: str, protect: bool) -> dict[str, Any]:
    resources = {}
    policy = "Retain" if protect else "Delete"
    for spec in table_specs(prefix):
        suffix = spec["TableName"][len(prefix) + 1 :]
        props = {k: v for k, v in spec.items() if k != "TimeToLive"}
        props["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
        props["DeletionProtectionEnabled"] = protect
        if "TimeToLive" in spec:
            props["TimeToLiveSpecification"] = {"AttributeName": spec["TimeToLive"], "Enabled": True}
        resources[TABLE_IDS[suffix]] = {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": policy,
            "UpdateReplacePolicy": policy,
            "Properties": props,
        }
    return resources


def _api(settings: dict[str, Any]) -> dict[str, Any]:
    responses = {}
    for kind, spec in load_json("gateway_responses.json").items():
        response: dict[str, Any] = {"ResponseTemplates": {"application/json": gateway_response_body(spec["body"])}}
        if "status" in spec:
            response["StatusCode"] = str(spec["status"])
        if spec.get("headers"):
            response["ResponseParameters"] = {"Headers": {k: f"'{v}'" for k, v in spec["headers"].items()}}
        responses[kind] = response
    throttle = {
        "ResourcePath": "/*",
        "HttpMethod": "*",
        "ThrottlingRateLimit": settings["throttle_rate_limit"],
        "ThrottlingBurstLimit": settings["throttle_burst_limit"],
    }
    return {"RestAPI": {"Properties": {"GatewayResponses": responses, "MethodSettings": [throttle]}}}


def merge_template(stage: str) -> dict[str, Any]:
    """Everything `chalice package` does not generate, for ``stage``."""
    env = stage_environment(stage, ROOT)
    settings = stage_settings(stage)
    serving = stage_delivery(stage)
    resources: dict[str, Any] = {}
    resources.update(_tables(env["MEDIA_TABLE_PREFIX"], bool(settings["deletion_protection"])))
    resources.update(bucket_resources.resources(env, serving.cdn, LOGICAL_IDS))
    resources.update(_api(settings))
    resources.update(waf.resources(stage, stage_limits(stage), delivery.origins_of(env)))
    resources.update(worker_layer.resources(stage))
    api_stage = str((chalice_config()["stages"][stage]).get("api_gateway_stage", "api"))
    resources.update(monitoring.resources(stage, settings, api_stage, LOGICAL_IDS, serving.cdn))
    ids = {"queue": monitoring.QUEUE_ID, "invalidations": delivery.QUEUE_ID, "distribution": delivery.DISTRIBUTION_ID}
    outputs: dict[str, Any] = {
        "MediaBucketName": {"Value": {"Ref": "MediaBucket"}},
        "TablePrefix": {"Value": env["MEDIA_TABLE_PREFIX"]},
        "EventFailuresQueueUrl": {"Value": {"Ref": monitoring.QUEUE_ID}},
        "WebAclArn": {"Value": {"Fn::GetAtt": ["ApiWebAcl", "Arn"]}},
    }
    variables: dict[str, dict[str, Any]] = {function: {} for function in LOGICAL_IDS}
    if serving.cdn:
        resources.update(delivery.resources(stage, serving, env))
        base_url = delivery.public_base_url(serving)
        for function in LOGICAL_IDS:
            variables[function]["MEDIA_PUBLIC_BASE_URL"] = base_url
        variables["api_handler"]["MEDIA_INVALIDATION_QUEUE_URL"] = {"Ref": delivery.QUEUE_ID}
        variables["invalidate"]["MEDIA_DISTRIBUTION_ID"] = {"Ref": delivery.DISTRIBUTION_ID}
        outputs["MediaBaseUrl"] = {"Value": base_url}
        outputs["MediaDistributionId"] = {"Value": {"Ref": delivery.DISTRIBUTION_ID}}
        outputs["InvalidationQueueUrl"] = {"Value": {"Ref": delivery.QUEUE_ID}}
    for function, logical_id in LOGICAL_IDS.items():
        name = iam.function_name(stage, function)
        role = _ROLE_IDS[function]
        # Fixed names, so the roles can name their log groups (and match `chalice deploy`).
        properties: dict[str, Any] = {"FunctionName": name}
        if variables[function]:
            properties["Environment"] = {"Variables": variables[function]}
        if function == "derivatives":
            properties.update(worker_layer.function_properties())
        if function == "invalidate" and serving.cdn:
            properties.update(Events=delivery.invalidate_events(), Timeout=delivery.INVALIDATE_TIMEOUT)
        resources[logical_id] = {"DependsOn": [f"{role}LogGroup"], "Properties": properties}
        resources[f"{role}LogGroup"] = {
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Properties": {"LogGroupName": f"/aws/lambda/{name}"},
        }
        document = iam.cloudformation_policy(stage, function, env, TABLE_IDS, ids, serving.cdn)
        resources[f"{role}Role"] = {
            "Properties": {"Policies": [{"PolicyName": f"{role}RolePolicy", "PolicyDocument": document}]}
        }
    template = {"Description": f"Media API, stage {stage}", "Resources": resources, "Outputs": outputs}
    if serving.cdn:
        template["Conditions"] = monitoring.CONDITIONS
    return template


def stage_limits(stage: str) -> waf.Limits:
    """The stage's request limits (ops.waf); SystemExit naming the bad setting."""
    try:
        return waf.stage_limits(stage_environment(stage, ROOT), stage_settings(stage))
    except ValueError as exc:
        raise SystemExit(f".chalice/config.json, stage {stage!r}: {exc}") from None


def stage_delivery(stage: str) -> delivery.Delivery:
    """How ``stage`` serves its files (ops.delivery); SystemExit naming the bad setting."""
    try:
        return delivery.stage_delivery(stage_settings(stage), stage_environment(stage, ROOT))
    except ValueError as exc:
        raise SystemExit(f".chalice/config.json, stage {stage!r}: {exc}") from None


def policy_path(stage: str, function: str) -> Path:
    return DEPLOY / "iam" / f"{stage}-{function}.json"


def policy_files() -> dict[Path, str]:
    """The static policy files of every stage, as they should read."""
    files = {}
    for stage in stage_names():
        env = stage_environment(stage, ROOT)
        for function in iam.FUNCTIONS:
            document = iam.static_policy(stage, function, env, stage_delivery(stage).cdn)
            text = json.dumps(document, indent=2) + "\n"
            files[policy_path(stage, function)] = text
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the deployment templates and IAM policy files.")
    commands = parser.add_subparsers(dest="command", required=True)
    merge = commands.add_parser("merge", help="write the merge template of a stage")
    merge.add_argument("--stage", required=True)
    merge.add_argument("--out", type=Path, required=True)
    policies = commands.add_parser("policies", help="write deploy/iam/*.json (the chalice deploy policies)")
    policies.add_argument("--check", action="store_true", help="only report stale files (exit 1)")
    args = parser.parse_args(argv)
    if args.command == "merge":
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(merge_template(args.stage), indent=2) + "\n")
        print(f"wrote {args.out}")
        return 0
    stale = [path for path, text in policy_files().items() if not path.exists() or path.read_text() != text]
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)} (run: python -m ops.template policies)", file=sys.stderr)
        return 1 if stale else 0
    for path, text in policy_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"wrote {len(policy_files())} policy files under deploy/iam/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
