"""The packaged template: generated from the code, accepted by cfn-lint, least privilege."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from ops import iam, template
from tests.deploy.conftest import BIN, ROOT, STAGES

pytestmark = pytest.mark.slow  # chalice package twice, then cfn-lint


def test_cfn_lint_accepts_every_stage(packaged: dict[str, dict[str, Any]]) -> None:
    paths = [packaged[stage]["_path"] for stage in STAGES]
    done = subprocess.run([str(BIN / "cfn-lint"), *paths], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_template_defines_the_whole_stage(packaged: dict[str, dict[str, Any]]) -> None:
    resources = packaged["prod"]["Resources"]
    kinds = {name: r["Type"] for name, r in resources.items()}
    assert kinds["APIHandler"] == kinds["Ingest"] == kinds["Reconcile"] == "AWS::Serverless::Function"
    assert kinds["RestAPI"] == "AWS::Serverless::Api"
    assert resources["Reconcile"]["Properties"]["Events"]["ReconcileEvent"]["Properties"]["Schedule"] == "rate(1 hour)"
    assert {kinds[t] for t in template.TABLE_IDS.values()} == {"AWS::DynamoDB::Table"}
    assert kinds["MediaBucket"] == "AWS::S3::Bucket" and kinds["IngestBucketPermission"] == "AWS::Lambda::Permission"
    for logical_id in ("ApiHandlerLogGroup", "IngestLogGroup", "ReconcileLogGroup"):
        assert resources[logical_id]["Properties"]["RetentionInDays"] == 90
    assert resources["APIHandler"]["Properties"]["FunctionName"] == "media-api-prod"


def test_tables_come_from_the_models(packaged: dict[str, dict[str, Any]]) -> None:
    for stage, protected in (("dev", False), ("prod", True)):
        resources = packaged[stage]["Resources"]
        prefix = "media-prod" if protected else "media-dev"
        for spec in template.table_specs(prefix):
            suffix = spec["TableName"][len(prefix) + 1 :]
            props = resources[template.TABLE_IDS[suffix]]["Properties"]
            for key in ("TableName", "AttributeDefinitions", "KeySchema", "BillingMode"):
                assert props[key] == spec[key]
            assert props.get("GlobalSecondaryIndexes") == spec.get("GlobalSecondaryIndexes")
            assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
            assert props["DeletionProtectionEnabled"] is protected
        ttl = resources["UploadsTable"]["Properties"]["TimeToLiveSpecification"]
        assert ttl == {"AttributeName": "expires_ttl", "Enabled": True}


def test_bucket_sends_staged_uploads_to_ingest_and_new_files_to_the_thumbnail_maker(
    packaged: dict[str, dict[str, Any]],
) -> None:
    from chalicelib.domain.layout import INGEST_EVENTS, THUMBNAIL_EVENTS

    resources = packaged["dev"]["Resources"]
    bucket = resources["MediaBucket"]["Properties"]
    configs = bucket["NotificationConfiguration"]["LambdaConfigurations"]
    routes: dict[tuple[str, str], list[str]] = {}
    for config in configs:
        target = (config["Function"]["Fn::GetAtt"][0], config["Filter"]["S3Key"]["Rules"][0]["Value"])
        routes.setdefault(target, []).append(config["Event"])
    assert routes == {("Ingest", "uploads/"): list(INGEST_EVENTS), ("Derivatives", "media/"): list(THUMBNAIL_EVENTS)}
    assert resources["MediaBucket"]["DependsOn"] == ["DerivativesBucketPermission", "IngestBucketPermission"]
    assert resources["Derivatives"]["Properties"]["FunctionName"] == "media-api-dev-derivatives"
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert (rules["expire-staged-uploads"]["Prefix"], rules["expire-staged-uploads"]["ExpirationInDays"]) == (
        "uploads/",
        1,
    )
    assert rules["abort-incomplete-multipart-uploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]


def test_gateway_responses_speak_our_error_shape(packaged: dict[str, dict[str, Any]]) -> None:
    responses = packaged["dev"]["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]
    expected = {
        "MISSING_AUTHENTICATION_TOKEN": ("404", "not_found"),
        "THROTTLED": ("429", "too_many_requests"),
        "REQUEST_TOO_LARGE": ("413", "payload_too_large"),
        "DEFAULT_4XX": (None, "bad_request"),
        "DEFAULT_5XX": (None, "server_error"),
    }
    for kind, (status, code) in expected.items():
        body_template = responses[kind]["ResponseTemplates"]["application/json"]
        body = json.loads(body_template.replace("$context.error.messageString", '"Forbidden"'))
        assert body["code"] == code and body["message"]
        assert responses[kind].get("StatusCode") == status
    assert "POST /api/v1/media/uploads" in responses["REQUEST_TOO_LARGE"]["ResponseTemplates"]["application/json"]
    throttle = packaged["dev"]["Resources"]["RestAPI"]["Properties"]["MethodSettings"][0]
    assert throttle["ThrottlingRateLimit"] > 0 and throttle["ThrottlingBurstLimit"] > 0


def test_policy_files_are_generated_and_current() -> None:
    files = template.policy_files()
    assert len(files) == len(STAGES) * len(iam.FUNCTIONS)
    for path, text in files.items():
        assert path.read_text() == text, f"{path.name} is stale: run python -m ops.template policies"
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    for stage in STAGES:
        for function, settings in config["stages"][stage]["lambda_functions"].items():
            assert (ROOT / ".chalice" / settings["iam_policy_file"]).resolve() == template.policy_path(stage, function)


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return list(document["Statement"])


@pytest.mark.parametrize("stage", STAGES)
def test_every_role_is_least_privilege(stage: str, packaged: dict[str, dict[str, Any]]) -> None:
    env = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"][stage]["environment_variables"]
    for function in iam.FUNCTIONS:
        static = json.loads(template.policy_path(stage, function).read_text())
        role = packaged[stage]["Resources"][f"{template._ROLE_IDS[function]}Role"]["Properties"]["Policies"]
        for document in (static, role[0]["PolicyDocument"]):
            for statement in _statements(document):
                assert statement["Effect"] == "Allow"
                assert all("*" not in action for action in statement["Action"])
                resources = (
                    statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                )
                for resource in resources:
                    text = json.dumps(resource)
                    assert text != '"*"' and any(
                        name in text
                        for name in (
                            env["MEDIA_BUCKET"],
                            env["MEDIA_CURSOR_SECRET_PARAMETER"],
                            f"/aws/lambda/{iam.function_name(stage, function)}",
                            *template.TABLE_IDS.values(),
                            env["MEDIA_TABLE_PREFIX"],
                            iam.failure_queue_name(stage),
                            "EventFailures",
                            iam.invalidation_queue_name(stage),
                            "InvalidationQueue",
                            # the invalidator's distribution: named once bootstrap made it
                            ":distribution/",
                        )
                    ), text
    # Only the API signs cursors; only the reconciler scans.
    granted = {
        f: {a for s in _statements(iam.static_policy(stage, f, env)) for a in s["Action"]} for f in iam.FUNCTIONS
    }
    assert "ssm:GetParameter" in granted["api_handler"] and "ssm:GetParameter" not in granted["ingest"]
    assert "dynamodb:Scan" in granted["reconcile"] and "dynamodb:Scan" not in granted["api_handler"]


def test_failed_events_go_to_a_queue_and_every_alarm_is_there(packaged: dict[str, dict[str, Any]]) -> None:
    for stage in STAGES:
        resources = packaged[stage]["Resources"]
        queue = resources["EventFailures"]
        assert queue["Type"] == "AWS::SQS::Queue"
        assert queue["Properties"]["QueueName"] == f"media-api-{stage}-event-failures"
        assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
        for function in ("Ingest", "Derivatives"):
            config = resources[f"{function}EventInvokeConfig"]["Properties"]
            assert config["FunctionName"] == {"Ref": function} and config["MaximumRetryAttempts"] == 2
            assert config["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["EventFailures", "Arn"]}
            statements = resources[f"{function}Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
            assert any(
                s["Action"] == ["sqs:SendMessage"] and s["Resource"] == {"Fn::GetAtt": ["EventFailures", "Arn"]}
                for s in statements
            )
        alarms = {k: r["Properties"] for k, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
        functions = ("ApiHandler", "Ingest", "Derivatives", "Invalidate", "Reconcile")
        expected = {"Api5xxRateAlarm", "EventFailuresAlarm", "RejectionSpikeAlarm", "RenditionFailuresAlarm"} | {
            f"{f}{m}Alarm" for f in functions for m in ("Errors", "Throttles")
        }
        expected |= {"InvalidationDeadLettersAlarm", "Cdn5xxRateAlarm"}
        assert set(alarms) == expected
        assert alarms["Api5xxRateAlarm"]["MetricName"] == "5XXError"
        assert alarms["EventFailuresAlarm"]["Dimensions"] == [
            {"Name": "QueueName", "Value": {"Fn::GetAtt": ["EventFailures", "QueueName"]}}
        ]
        spike = alarms["RejectionSpikeAlarm"]
        assert (spike["Namespace"], spike["MetricName"]) == ("MediaApi", "UploadsRejected")
        # The metric's Stage dimension is what the functions publish under (MEDIA_STAGE).
        env = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"][stage]["environment_variables"]
        assert spike["Dimensions"] == [{"Name": "Stage", "Value": env["MEDIA_STAGE"]}] and env["MEDIA_STAGE"] == stage
        # No topic configured for the stage: the alarms exist, without actions.
        assert all("AlarmActions" not in a for a in alarms.values())
        retention = {"dev": 14, "prod": 90}[stage]
        for role in functions:
            assert resources[f"{role}LogGroup"]["Properties"]["RetentionInDays"] == retention


def test_alarms_notify_the_topic_a_stage_names() -> None:
    from ops import monitoring

    settings = {**template.stage_settings("prod"), "alarm_topic_arn": "arn:aws:sns:eu-west-1:123456789012:oncall"}
    resources = monitoring.resources("prod", settings, "prod", template.LOGICAL_IDS)
    alarms = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert alarms and all(a["AlarmActions"] == a["OKActions"] == [settings["alarm_topic_arn"]] for a in alarms)
