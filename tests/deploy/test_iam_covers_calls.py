"""The IAM policies allow every AWS call each function really makes.

Each function's work runs on moto while botocore records the calls; each call
is translated into the IAM actions and resources AWS checks for it, and the
function's generated policy (ops.iam) must allow all of them. A new call in
chalicelib without its permission fails here, not in production.
"""

from __future__ import annotations

import json
from datetime import timedelta
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import unquote

import boto3
import pytest
from chalice.test import Client

from chalicelib import caches
from ops import iam
from tests.helpers.aws import TEST_ENV
from tests.helpers.events import s3_event
from tests.helpers.http import upload
from tests.helpers.media import png_bytes
from tests.helpers.tenants import Tenant

PARAMETER = "/media-api/test/cursor-secret"
ENV = {**TEST_ENV, "MEDIA_CURSOR_SECRET_PARAMETER": PARAMETER}
ACCOUNT, REGION = "123456789012", "us-east-1"
Call = tuple[str, str, dict[str, Any]]


def _table(name: str, index: str | None = None) -> str:
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
    return f"{arn}/index/{index}" if index else arn


def required(service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """(action, resource) pairs AWS authorises for one call."""
    if service == "dynamodb":
        if operation == "TransactWriteItems":
            kinds = {
                "Put": "PutItem",
                "Update": "UpdateItem",
                "Delete": "DeleteItem",
                "ConditionCheck": "ConditionCheckItem",
            }
            return [
                (f"dynamodb:{kinds[k]}", _table(v["TableName"]))
                for item in params["TransactItems"]
                for k, v in item.items()
            ]
        if operation == "BatchGetItem":
            return [("dynamodb:BatchGetItem", _table(name)) for name in params["RequestItems"]]
        if operation in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan"):
            return [(f"dynamodb:{operation}", _table(params["TableName"], params.get("IndexName")))]
    if service == "s3":
        bucket = f"arn:aws:s3:::{params.get('Bucket')}"
        obj = f"{bucket}/{params.get('Key')}"
        if operation == "HeadObject":  # ListBucket: a missing object must answer 404, not 403
            return [("s3:GetObject", obj), ("s3:ListBucket", bucket)]
        if operation == "CopyObject":
            copied = params["CopySource"]  # botocore may have rendered it "bucket/key" already
            copied = copied if isinstance(copied, str) else f"{copied['Bucket']}/{copied['Key']}"
            source = f"arn:aws:s3:::{unquote(copied)}"
            tags = [("s3:GetObjectTagging", source), ("s3:PutObjectTagging", obj)]
            return [("s3:GetObject", source), ("s3:PutObject", obj)] + (
                tags if params.get("TaggingDirective", "COPY") == "COPY" else []
            )
        if operation == "PutObject":
            return [("s3:PutObject", obj)] + ([("s3:PutObjectTagging", obj)] if params.get("Tagging") else [])
        if operation in ("GetObject", "DeleteObject", "DeleteObjectTagging"):
            return [(f"s3:{operation}", obj)]
        if operation in ("ListObjectsV2", "HeadBucket"):
            return [("s3:ListBucket", bucket)]
    if service == "sqs" and operation == "SendMessage":
        return [("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:{params['QueueUrl'].rsplit('/', 1)[1]}")]
    if service == "cloudfront" and operation == "CreateInvalidation":
        return [
            ("cloudfront:CreateInvalidation", f"arn:aws:cloudfront::{ACCOUNT}:distribution/{params['DistributionId']}")
        ]
    if service == "ssm" and operation == "GetParameter":
        return [("ssm:GetParameter", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{params['Name']}")]
    raise AssertionError(f"no IAM mapping for {service}:{operation}: add it here and grant it in ops/iam.py")


def assert_allowed(function: str, calls: list[Call], env: dict[str, str] = ENV) -> None:
    statements = iam.static_policy("test", function, env)["Statement"]
    assert calls, "the scenario made no AWS call"
    for service, operation, params in calls:
        for action, resource in required(service, operation, params):
            assert any(
                action in s["Action"] and any(fnmatchcase(resource, p) for p in _list(s["Resource"]))
                for s in statements
            ), f"{function} may not {action} on {resource} ({service}:{operation})"


def _list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


@pytest.fixture
def stage(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDIA_CURSOR_SECRET")
    monkeypatch.setenv("MEDIA_CURSOR_SECRET_PARAMETER", PARAMETER)
    boto3.client("ssm", region_name=REGION).put_parameter(Name=PARAMETER, Value="p" * 40, Type="SecureString")
    caches.reset()
    from chalicelib import parameters

    parameters.reset()


def presigned(client: Client, tenant: Tenant, filename: str, data: bytes) -> dict[str, Any]:
    """Start a session and store the bytes as the client would (under the staging key, wrong Content-Type)."""
    body = json.dumps({"filename": filename, "file_size": len(data)})
    headers = {**tenant.headers, "Content-Type": "application/json"}
    started = client.http.post("/api/v1/media/uploads", headers=headers, body=body)
    assert started.status_code == 201, started.body
    key = started.json_body["upload"]["fields"]["key"]
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=TEST_ENV["MEDIA_BUCKET"], Key=key, Body=data, ContentType="application/octet-stream"
    )
    return {"id": started.json_body["id"], "key": key}


def test_api_function_policy_covers_its_calls(stage: None, client: Client, tenant: Tenant, recorder: Any) -> None:
    good = presigned(client, tenant, "hero.png", png_bytes())
    bad = presigned(client, tenant, "fake.png", b"<html>not an image</html>")
    with recorder() as calls:
        body = json.dumps({"filename": "later.png", "file_size": 100})
        headers = {**tenant.headers, "Content-Type": "application/json"}
        assert client.http.post("/api/v1/media/uploads", headers=headers, body=body).status_code == 201
        assert upload(client, tenant, "a.png").status_code == 201
        assert upload(client, tenant, "b.png").status_code == 201
        assert (
            client.http.post(f"/api/v1/media/uploads/{good['id']}/complete", headers=tenant.headers).status_code == 201
        )
        assert (
            client.http.post(f"/api/v1/media/uploads/{bad['id']}/complete", headers=tenant.headers).status_code == 422
        )
        assert client.http.get(f"/api/v1/media/uploads/{good['id']}", headers=tenant.headers).status_code == 200
        for query in ("", "?type=image&search=a", "?cursor=&per_page=1", "?page=2&per_page=1"):
            assert client.http.get(f"/api/v1/media{query}", headers=tenant.headers).status_code == 200
        put_headers = {**tenant.headers, "Content-Type": "application/json"}
        assert client.http.put("/api/v1/media/1", headers=put_headers, body='{"name": "x"}').status_code == 200
        assert client.http.delete("/api/v1/media/1", headers=tenant.headers).status_code == 204
    assert {op for _, op, _ in calls} >= {
        "CopyObject",
        "DeleteObject",
        "TransactWriteItems",
        "GetParameter",
    }
    assert_allowed("api_handler", calls)


def test_ingest_and_reconcile_policies_cover_their_calls(
    stage: None, client: Client, tenant: Tenant, recorder: Any
) -> None:
    from app import ingest_objects
    from chalicelib import reconcile

    good = presigned(client, tenant, "hero.png", png_bytes())
    bad = presigned(client, tenant, "fake.png", b"<html>not an image</html>")
    with recorder() as calls:
        for key in (good["key"], bad["key"], good["key"]):
            ingest_objects(s3_event(key), None)
    assert {op for _, op, _ in calls} >= {"CopyObject", "DeleteObject", "TransactWriteItems"}
    assert_allowed("ingest", calls)

    orphan = presigned(client, tenant, "orphan.png", png_bytes())
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=TEST_ENV["MEDIA_BUCKET"], Key="media/x/images/1_y.png", Body=b"?"
    )
    with recorder() as calls:
        report = reconcile.reconcile(min_age=timedelta(0))  # what the scheduled function runs
    assert report.ingested == [orphan["key"]] and report.removed_objects == ["media/x/images/1_y.png"]
    assert_allowed("reconcile", calls)
