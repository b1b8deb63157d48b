"""A deployed stage's cursor secret comes from an SSM SecureString, read once per process."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from chalice.test import Client

from chalicelib import caches
from tests.helpers.http import upload
from tests.helpers.tenants import Tenant

PARAMETER = "/media-api/test/cursor-secret"


@pytest.fixture
def from_ssm(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from chalicelib import parameters

    monkeypatch.delenv("MEDIA_CURSOR_SECRET")
    monkeypatch.setenv("MEDIA_CURSOR_SECRET_PARAMETER", PARAMETER)
    caches.reset()
    parameters.reset()
    yield
    parameters.reset()


def put_secret(value: str) -> None:
    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name=PARAMETER, Value=value, Type="SecureString", Overwrite=True
    )


def test_cursors_are_signed_with_the_parameter_read_once(from_ssm: None, client: Client, tenant: Tenant) -> None:
    put_secret("s" * 40)
    upload(client, tenant, "a.png")
    upload(client, tenant, "b.png")
    first = client.http.get("/api/v1/media?cursor=&per_page=1", headers=tenant.headers)
    assert first.status_code == 200, first.body
    cursor = first.json_body["meta"]["next_cursor"]
    # Kept for the life of the process: no SSM call per request.
    boto3.client("ssm", region_name="us-east-1").delete_parameter(Name=PARAMETER)
    second = client.http.get(f"/api/v1/media?cursor={cursor}&per_page=1", headers=tenant.headers)
    assert second.status_code == 200 and second.json_body["data"][0]["name"] == "a.png"


def test_missing_parameter_is_a_configuration_error(from_ssm: None, client: Client, tenant: Tenant) -> None:
    upload(client, tenant, "a.png")
    upload(client, tenant, "b.png")
    response = client.http.get("/api/v1/media?cursor=&per_page=1", headers=tenant.headers)
    assert response.status_code == 500
    assert response.json_body["code"] == "server_misconfigured"
    # Page mode signs nothing and never needs the secret.
    assert client.http.get("/api/v1/media", headers=tenant.headers).status_code == 200


def test_short_secret_is_refused(from_ssm: None, client: Client, tenant: Tenant) -> None:
    put_secret("too-short")
    upload(client, tenant, "a.png")
    upload(client, tenant, "b.png")
    response = client.http.get("/api/v1/media?cursor=&per_page=1", headers=tenant.headers)
    assert response.status_code == 500 and response.json_body["code"] == "server_misconfigured"


def test_the_variable_wins_over_the_parameter(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.config import get_settings

    monkeypatch.setenv("MEDIA_CURSOR_SECRET_PARAMETER", PARAMETER)  # never read: nothing stored there
    caches.reset()
    assert get_settings().cursor_secret == b"test-cursor-secret-0123456789"
