"""Fixtures: moto-backed AWS, the Chalice test client, accounts. Helpers live in tests/helpers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import botocore.loaders
import botocore.session
import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib import state
from tests.helpers.aws import TEST_ENV
from tests.helpers.tenants import Tenant, make_tenant

# moto resets boto3's default session on every mock_aws() start, so each test
# would parse the S3/DynamoDB/endpoint JSON again (~0.3 s a test).
# chalicelib.aws shares one loader for the sessions the service makes; this
# does the same for the sessions tests make themselves. Nothing else changes.
_LOADER = botocore.loaders.create_loader()


@pytest.fixture(autouse=True)
def shared_botocore_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    def register(session: botocore.session.Session) -> None:
        session._components.lazy_register_component("data_loader", lambda: _LOADER)

    monkeypatch.setattr(botocore.session.Session, "_register_data_loader", register)


@pytest.fixture(autouse=True)
def test_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in [n for n in os.environ if n.startswith("MEDIA_")]:
        monkeypatch.delenv(name)
    for name, value in TEST_ENV.items():
        monkeypatch.setenv(name, value)
    state.reset()
    yield
    state.reset()


@pytest.fixture
def aws(test_env: None) -> Iterator[None]:
    """moto in-process: the bucket and every table exist."""
    from chalicelib import models

    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=TEST_ENV["MEDIA_BUCKET"])
        models.create_tables()
        yield


@pytest.fixture
def client(aws: None, tmp_path: Path) -> Iterator[Client]:
    """The Chalice test client, without the deployed stages' environment.

    chalice.test.Client applies .chalice/config.json's stage variables to every
    request; an empty project dir keeps the test environment above in force.
    """
    from app import app

    with Client(app, stage_name="test", project_dir=str(tmp_path)) as test_client:
        yield test_client


@pytest.fixture
def tenant(aws: None) -> Tenant:
    return make_tenant("Acme")


@pytest.fixture
def other_tenant(aws: None) -> Tenant:
    return make_tenant("Globex")
