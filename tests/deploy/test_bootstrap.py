"""`manage.py bootstrap` and `post-deploy` against a moto server standing in for AWS:
everything is created once, a second run changes nothing, and the app works on it."""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.test import Client
from click.testing import CliRunner

from chalicelib import caches
from manage import cli
from ops.moto_server import EmbeddedMotoServer
from tests.deploy.cloudfront_fakes import ResponseHeadersPolicies, response_headers_policies
from tests.helpers.aws import forget_everything, restored_environment
from tests.helpers.http import multipart
from tests.helpers.media import png_bytes

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def deployed_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A clean slate for `manage.py --stage`, which switches os.environ to the stage."""
    from chalicelib import parameters

    with restored_environment():
        monkeypatch.delenv("MEDIA_CURSOR_SECRET")  # a deployed stage reads it from SSM
        caches.reset()
        try:
            yield
        finally:
            parameters.reset()


@pytest.fixture
def aws_endpoint(deployed_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Every AWS client of this process (ours, PynamoDB's, boto3's) talks to a moto server."""
    with EmbeddedMotoServer() as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        yield server.url


@pytest.fixture
def aws_in_process(deployed_env: None, mocked_aws: None) -> Iterator[None]:
    """The process's moto with nothing in it: only what the test makes."""
    forget_everything()
    yield
    forget_everything()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Where bootstrap writes what it made (the stage's config, the policies): a copy."""
    shutil.copytree(ROOT / ".chalice", tmp_path / ".chalice", ignore=shutil.ignore_patterns("deployed"))
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    return tmp_path


@pytest.fixture
def cloudfront_policies() -> Iterator[ResponseHeadersPolicies]:
    with response_headers_policies() as fake:
        yield fake


def run(*args: str) -> Any:
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def outcomes(report: dict[str, Any]) -> dict[str, str]:
    return {step["resource"]: step["outcome"] for step in report["steps"]}


@pytest.mark.slow
def test_bootstrap_creates_the_stage_once(
    aws_endpoint: str, project: Path, cloudfront_policies: ResponseHeadersPolicies
) -> None:
    first = outcomes(run("bootstrap", "--stage", "prod", "--project-dir", str(project)))
    assert first == {
        "table media-prod-accounts": "created",
        "table media-prod-api-keys": "created",
        "table media-prod-media": "created",
        "table media-prod-uploads": "created",
        "table media-prod-idempotency": "created",
        "bucket media-api-prod-media": "created",
        "queue media-api-prod-event-failures": "created",
        "bucket media-api-prod-media access": "updated",
        "layer media-api-prod-worker": "skipped",
        "origin access control media-api-prod-media": "created",
        "response headers policy media-api-prod-media": "created",
        "distribution media-api-prod media": "created",
        "bucket media-api-prod-media policy": "updated",
        "queue media-api-prod-invalidations-dead-letters": "created",
        "queue media-api-prod-invalidations": "created",
        ".chalice/config.json stage prod": "updated",
        "parameter /media-api/prod/cursor-secret": "created",
    }
    ssm = boto3.client("ssm", region_name="us-east-1")
    secret = ssm.get_parameter(Name="/media-api/prod/cursor-secret", WithDecryption=True)["Parameter"]
    assert secret["Type"] == "SecureString" and len(secret["Value"]) >= 32

    second = outcomes(run("bootstrap", "--stage", "prod", "--project-dir", str(project)))
    assert second.pop("layer media-api-prod-worker") == "skipped"  # no dist/worker-layer.zip in the copy
    assert {k: v for k, v in second.items() if v != "unchanged"} == {}
    again = ssm.get_parameter(Name="/media-api/prod/cursor-secret", WithDecryption=True)["Parameter"]
    assert again["Value"] == secret["Value"]

    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    for suffix in ("accounts", "api-keys", "media", "uploads"):
        name = f"media-prod-{suffix}"
        table = dynamodb.describe_table(TableName=name)["Table"]
        assert table["DeletionProtectionEnabled"] is True
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        backups = dynamodb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    ttl = dynamodb.describe_time_to_live(TableName="media-prod-uploads")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_ttl"}

    s3 = boto3.client("s3", region_name="us-east-1")
    bucket = "media-api-prod-media"
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["AllowedOrigins"] == ["https://app.example.com"]
    rules = {r["ID"] for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert rules == {"expire-staged-uploads", "abort-incomplete-multipart-uploads"}
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    (grant,) = policy["Statement"]
    # Only the distribution reads, and only the public prefixes; the staging area never.
    assert grant["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert grant["Resource"] == [f"arn:aws:s3:::{bucket}/{p}*" for p in ("media/", "thumbs/", "renditions/")]
    blocked = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert set(blocked.values()) == {True}
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    (distribution,) = cloudfront.list_distributions()["DistributionList"]["Items"]
    assert grant["Condition"] == {"StringEquals": {"AWS:SourceArn": distribution["ARN"]}}
    config = cloudfront.get_distribution_config(Id=distribution["Id"])["DistributionConfig"]
    patterns = [b["PathPattern"] for b in config["CacheBehaviors"]["Items"]]
    assert patterns == ["media/*", "thumbs/*", "renditions/*"]
    # What `chalice deploy` must know is in the stage's config, and the policies name it.
    stage = json.loads((project / ".chalice" / "config.json").read_text())["stages"]["prod"]
    variables = stage["environment_variables"]
    assert variables["MEDIA_PUBLIC_BASE_URL"] == f"https://{distribution['DomainName']}"
    assert variables["MEDIA_DISTRIBUTION_ID"] == distribution["Id"]
    assert variables["MEDIA_INVALIDATION_QUEUE_URL"].endswith("/media-api-prod-invalidations")
    invalidator = (project / "deploy" / "iam" / "prod-invalidate.json").read_text()
    assert f":distribution/{distribution['Id']}" in invalidator
    assert cloudfront_policies.calls.count("CreateResponseHeadersPolicy") == 1
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_tables_bootstrap_creates_match_the_ones_pynamodb_creates(
    aws_in_process: None, project: Path, cloudfront_policies: ResponseHeadersPolicies
) -> None:
    from chalicelib import models

    run("bootstrap", "--stage", "dev", "--project-dir", str(project))
    os.environ["MEDIA_TABLE_PREFIX"] = "media-pynamodb"
    caches.reset()
    models.create_tables()
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")

    def shape(name: str) -> dict[str, Any]:
        table = dynamodb.describe_table(TableName=name)["Table"]
        return {
            "keys": table["KeySchema"],
            "attributes": sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"]),
            "indexes": sorted(
                (i["IndexName"], sorted(map(str, i["KeySchema"])), i["Projection"]["ProjectionType"])
                for i in table.get("GlobalSecondaryIndexes", [])
            ),
            "ttl": dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"].get("AttributeName"),
        }

    for suffix in ("accounts", "api-keys", "media", "uploads"):
        assert shape(f"media-dev-{suffix}") == shape(f"media-pynamodb-{suffix}"), suffix


def test_bootstrapped_stage_serves_the_api_with_its_secret_from_ssm(
    aws_in_process: None, project: Path, cloudfront_policies: ResponseHeadersPolicies
) -> None:
    run("bootstrap", "--stage", "dev", "--project-dir", str(project))
    key = run("--stage", "dev", "accounts", "create", "--name", "Acme")["api_key"]
    from app import app

    # The dev stage's own environment (.chalice/config.json), as on Lambda.
    with Client(app, stage_name="dev", project_dir=str(ROOT)) as client:
        for color in ("red", "blue"):
            body, content_type = multipart(f"{color}.png", png_bytes(color=color))
            headers = {"X-Api-Key": key, "Content-Type": content_type}
            response = client.http.post("/api/v1/media", headers=headers, body=body)
            assert response.status_code == 201, response.body
        first = client.http.get("/api/v1/media?cursor=&per_page=1", headers={"X-Api-Key": key})
        assert first.status_code == 200, first.body
        cursor = first.json_body["meta"]["next_cursor"]
        second = client.http.get(f"/api/v1/media?cursor={cursor}&per_page=1", headers={"X-Api-Key": key})
        assert second.status_code == 200 and second.json_body["data"][0]["name"] == "red.png"


def _deployed_functions(region: str = "us-east-1") -> None:
    """What `chalice deploy` leaves behind that post-deploy needs: the functions the bucket invokes, the API."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = boto3.client("iam", region_name=region).create_role(
        RoleName="media-api-dev-ingest", AssumeRolePolicyDocument=json.dumps(trust)
    )
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def handle(event, context):\n    return {}\n")
    for function in ("ingest", "derivatives", "invalidate"):
        boto3.client("lambda", region_name=region).create_function(
            FunctionName=f"media-api-dev-{function}",
            Runtime="python3.11",
            Role=role["Role"]["Arn"],
            Handler="app.handle",
            Code={"ZipFile": code.getvalue()},
        )
    apigateway = boto3.client("apigateway", region_name=region)
    api = apigateway.create_rest_api(name="media-api")
    root = apigateway.get_resources(restApiId=api["id"])["items"][0]["id"]
    apigateway.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigateway.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="MOCK")
    apigateway.create_deployment(restApiId=api["id"], stageName="dev")


def test_post_deploy_maps_gateway_responses_and_wires_bucket_events(
    aws_in_process: None, monkeypatch: pytest.MonkeyPatch, recorder: Any
) -> None:
    from chalicelib.config import get_settings
    from ops import bootstrap, edge_setup, targets

    targets.use_stage("dev")
    bootstrap.ensure_bucket(get_settings(), cdn=True)  # all post-deploy needs of bootstrap
    bootstrap.ensure_failure_queue("dev", "us-east-1")
    edge_setup.ensure_invalidation_queues("dev", "us-east-1")
    monkeypatch.setenv("MEDIA_DISTRIBUTION_ID", "E2EXAMPLE0DIST")  # what bootstrap writes into the config
    _deployed_functions()
    with recorder() as calls:
        first = outcomes(run("post-deploy", "--stage", "dev"))
    assert first["function media-api-dev-ingest permission"] == "created"
    assert first["function media-api-dev-derivatives permission"] == "created"
    assert first["web ACL media-api-dev-api"] == "created"
    assert first["event source media-api-dev-invalidations"] == "created"
    assert first["function media-api-dev-derivatives storage"] == "updated"
    assert first["bucket media-api-dev-media events"] == "updated"
    second = outcomes(run("post-deploy", "--stage", "dev"))
    assert second["function media-api-dev-ingest permission"] == "unchanged"
    assert second["function media-api-dev-derivatives permission"] == "unchanged"
    for resource in ("web ACL media-api-dev-api", "event source media-api-dev-invalidations"):
        assert second[resource] == "unchanged", resource
    # moto 5.2 keeps no EphemeralStorage from UpdateFunctionConfiguration: check what was sent.
    (sized,) = [p for _, op, p in calls if op == "UpdateFunctionConfiguration"]
    assert sized == {"FunctionName": "media-api-dev-derivatives", "EphemeralStorage": {"Size": 2048}}
    assert second["function media-api-dev-ingest on failure"] == "updated"
    lambdas = boto3.client("lambda", region_name="us-east-1")
    for function in ("ingest", "derivatives"):
        config = lambdas.get_function_event_invoke_config(FunctionName=f"media-api-dev-{function}")
        assert config["MaximumRetryAttempts"] == 2
        assert config["DestinationConfig"]["OnFailure"]["Destination"].endswith(":media-api-dev-event-failures")
    alarms = boto3.client("cloudwatch", region_name="us-east-1").describe_alarms()["MetricAlarms"]
    assert {a["AlarmName"] for a in alarms} >= {
        "media-api-dev-Api5xxRate",
        "media-api-dev-EventFailures",
        "media-api-dev-RejectionSpike",
        "media-api-dev-IngestErrors",
        "media-api-dev-DerivativesThrottles",
        "media-api-dev-InvalidationDeadLetters",
        "media-api-dev-Cdn5xxRate",
    }
    assert all(not a["AlarmActions"] for a in alarms)  # dev names no topic
    assert second["bucket media-api-dev-media events"] == "unchanged"

    apigateway = boto3.client("apigateway", region_name="us-east-1")
    api_id = apigateway.get_rest_apis()["items"][0]["id"]
    missing = apigateway.get_gateway_response(restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN")
    assert missing["statusCode"] == "404"
    assert json.loads(missing["responseTemplates"]["application/json"])["code"] == "not_found"
    throttled = apigateway.get_gateway_response(restApiId=api_id, responseType="THROTTLED")
    assert throttled["statusCode"] == "429" and throttled["responseParameters"]["gatewayresponse.header.Retry-After"]
    settings = apigateway.get_stage(restApiId=api_id, stageName="dev")["methodSettings"]["*/*"]
    assert (settings["throttlingRateLimit"], settings["throttlingBurstLimit"]) == (20.0, 40)

    events = boto3.client("s3", region_name="us-east-1").get_bucket_notification_configuration(
        Bucket="media-api-dev-media"
    )["LambdaFunctionConfigurations"]
    routes = {
        (e["LambdaFunctionArn"].rsplit(":", 1)[1], e["Filter"]["Key"]["FilterRules"][0]["Value"]): e["Events"]
        for e in events
    }
    assert routes == {
        ("media-api-dev-ingest", "uploads/"): [
            "s3:ObjectCreated:Put",
            "s3:ObjectCreated:Post",
            "s3:ObjectCreated:CompleteMultipartUpload",
        ],
        ("media-api-dev-derivatives", "media/"): ["s3:ObjectCreated:Put", "s3:ObjectCreated:Copy"],
    }
    wafv2 = boto3.client("wafv2", region_name="us-east-1")
    stage_arn = f"arn:aws:apigateway:us-east-1::/restapis/{api_id}/stages/dev"
    acl = wafv2.get_web_acl_for_resource(ResourceArn=stage_arn)["WebACL"]
    assert [rule["Name"] for rule in acl["Rules"]] == [
        "per-key",
        "per-bearer-key",
        "anonymous-per-ip",
        "per-ip-ceiling",
    ]
    (mapping,) = lambdas.list_event_source_mappings(FunctionName="media-api-dev-invalidate")["EventSourceMappings"]
    assert (mapping["BatchSize"], mapping["MaximumBatchingWindowInSeconds"]) == (1000, 60)

    policy = json.loads(
        boto3.client("lambda", region_name="us-east-1").get_policy(FunctionName="media-api-dev-ingest")["Policy"]
    )
    assert policy["Statement"][0]["Principal"] == {"Service": "s3.amazonaws.com"}


def test_bootstrap_needs_a_stage() -> None:
    result = CliRunner().invoke(cli, ["bootstrap"])
    assert result.exit_code == 2 and "--stage" in result.output
    result = CliRunner().invoke(cli, ["bootstrap", "--stage", "staging"])
    assert result.exit_code == 2 and "Unknown stage 'staging'" in result.output


def test_cdn_alarm_of_a_stack_outside_us_east_1_goes_to_us_east_1(aws_in_process: None) -> None:
    report = run("post-deploy", "--stage", "prod", "--cdn-alarm-only", "E2EXAMPLE0DIST")
    assert [step["resource"] for step in report["steps"]] == ["1 CDN alarms"]
    (alarm,) = boto3.client("cloudwatch", region_name="us-east-1").describe_alarms()["MetricAlarms"]
    assert (alarm["AlarmName"], alarm["Namespace"], alarm["MetricName"]) == (
        "media-api-prod-Cdn5xxRate",
        "AWS/CloudFront",
        "5xxErrorRate",
    )
    assert {"Name": "DistributionId", "Value": "E2EXAMPLE0DIST"} in alarm["Dimensions"]
