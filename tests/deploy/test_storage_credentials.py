"""Storage on another provider signs with that provider's keys, not the function's role."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from chalice.test import Client

from chalicelib import caches
from ops import iam
from tests.helpers.http import upload
from tests.helpers.tenants import Tenant

PARAMETER = "/media-api/test/storage-keys"


@pytest.fixture
def provider_keys(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from chalicelib import parameters

    monkeypatch.setenv("MEDIA_S3_CREDENTIALS_PARAMETER", PARAMETER)
    monkeypatch.setenv("MEDIA_S3_REGION", "eu-central-1")
    caches.reset()
    yield
    parameters.reset()


def signing_keys() -> tuple[str, str, str]:
    from chalicelib import storage

    s3 = storage.client()
    credentials = s3._request_signer._credentials
    return credentials.access_key, credentials.secret_key, s3.meta.region_name


def test_keys_come_from_the_parameter_and_the_storage_region_is_its_own(
    provider_keys: None, client: Client, tenant: Tenant
) -> None:
    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name=PARAMETER, Value="WASABIKEY123:wasabi/secret+value", Type="SecureString"
    )
    assert signing_keys() == ("WASABIKEY123", "wasabi/secret+value", "eu-central-1")
    # The API still works end to end with them (moto accepts any keys).
    assert upload(client, tenant, "a.png").status_code == 201


def test_keys_from_the_environment_win_and_must_come_in_pairs(
    provider_keys: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.config import get_settings
    from chalicelib.errors import ConfigurationError

    monkeypatch.setenv("MEDIA_S3_ACCESS_KEY_ID", "LOCALKEY")
    monkeypatch.setenv("MEDIA_S3_SECRET_ACCESS_KEY", "local-secret")
    caches.reset()
    assert signing_keys()[:2] == ("LOCALKEY", "local-secret")
    monkeypatch.delenv("MEDIA_S3_SECRET_ACCESS_KEY")
    caches.reset()
    with pytest.raises(ConfigurationError):
        get_settings()


def test_a_malformed_parameter_is_a_configuration_error(provider_keys: None) -> None:
    from chalicelib.errors import ConfigurationError

    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name=PARAMETER, Value="no-separator", Type="SecureString"
    )
    with pytest.raises(ConfigurationError):
        signing_keys()


def test_every_function_may_read_the_storage_keys_and_nothing_more() -> None:
    env = {
        "MEDIA_TABLE_PREFIX": "media-dev",
        "MEDIA_BUCKET": "acme-media",
        "MEDIA_CURSOR_SECRET_PARAMETER": "/media-api/dev/cursor-secret",
        "MEDIA_S3_CREDENTIALS_PARAMETER": PARAMETER,
    }
    for function in iam.FUNCTIONS:
        statements = iam.static_policy("dev", function, env)["Statement"]
        keys = [s for s in statements if s["Resource"] == f"arn:aws:ssm:*:*:parameter{PARAMETER}"]
        assert [s["Action"] for s in keys] == [["ssm:GetParameter"]], function
    without = {k: v for k, v in env.items() if k != "MEDIA_S3_CREDENTIALS_PARAMETER"}
    for function in iam.FUNCTIONS:
        resources = [s["Resource"] for s in iam.static_policy("dev", function, without)["Statement"]]
        assert f"arn:aws:ssm:*:*:parameter{PARAMETER}" not in resources
