"""Request lines (chalicelib/telemetry.py) say who asked: the key's 16-character display
prefix (what `keys list` shows; nothing of a value that is not a key) and the caller's IP
as API Gateway saw it (``requestContext.identity.sourceIp``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from tests.helpers.http import API, call
from tests.helpers.tenants import Tenant


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {"MEDIA_LOG_FORMAT": "json"}  # as deployed


def request_lines(out: str) -> list[dict[str, Any]]:
    parsed = [json.loads(line) for line in out.splitlines() if line.strip()]
    return [line for line in parsed if line["event"] == "request"]


def test_each_request_line_names_the_key_by_its_prefix_and_the_caller_by_ip(
    client: Client, tenant: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    unknown = "sk_test_" + "Z" * 43
    capsys.readouterr()
    call(client, "GET", f"{API}/media", tenant)
    call(client, "GET", f"{API}/account", headers={"X-Api-Key": unknown})
    call(client, "GET", f"{API}/media", headers={"X-Api-Key": "password123-not-a-key"})
    call(client, "GET", f"{API}/media")
    call(client, "GET", f"{API}/openapi.json")
    out = capsys.readouterr().out
    found = [(line.get("key_prefix"), line.get("source_ip"), line["status"]) for line in request_lines(out)]
    assert found == [
        (tenant.api_key[:16], "127.0.0.1", 200),  # chalice's test client is "127.0.0.1"
        ("sk_test_ZZZZZZZZ", "127.0.0.1", 401),  # a well-formed key nobody issued: its prefix
        (None, "127.0.0.1", 401),  # not a key: nothing of it is repeated
        (None, "127.0.0.1", 401),
        (None, "127.0.0.1", 200),
    ]
    assert "password123" not in out and tenant.api_key[16:] not in out


def proxy_event(path: str, api_key: str, source_ip: str) -> dict[str, Any]:
    """A REST API proxy event as API Gateway hands it to the Lambda function."""
    return {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": {"X-Api-Key": api_key, "Host": "abc123.execute-api.us-east-1.amazonaws.com"},
        "multiValueHeaders": {"X-Api-Key": [api_key]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": "GET",
            "path": f"/api{path}",
            "stage": "api",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": source_ip, "userAgent": "agent/1.0"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def test_on_api_gateway_the_line_carries_the_callers_source_ip(
    aws: None, tenant: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalice.local import LambdaContext

    from app import app

    capsys.readouterr()
    answer = app(proxy_event(f"{API}/account", tenant.api_key, "203.0.113.7"), LambdaContext("api_handler", 512))
    assert answer["statusCode"] == 200, answer
    (line,) = request_lines(capsys.readouterr().out)
    assert (line["key_prefix"], line["source_ip"], line["account_id"]) == (
        tenant.api_key[:16],
        "203.0.113.7",
        tenant.account_id,
    )
