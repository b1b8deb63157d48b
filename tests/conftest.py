"""Shared fixtures: moto-backed AWS, the Chalice test client, accounts and uploads."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from chalice.test import Client
from moto import mock_aws
from urllib3 import encode_multipart_formdata

from chalicelib import state

FIXTURES = Path(__file__).parent / "fixtures"
#: The fields of the MediaFile object, DESIGN §3.1 (exactly these), with the additive
#: thumbnail_url of §3.10.
MEDIA_FIELDS = frozenset(
    {
        "id",
        "name",
        "original_name",
        "url",
        "file_type",
        "mime_type",
        "extension",
        "file_size",
        "formatted_size",
        "metadata",
        "uploaded_by",
        "is_active",
        "created_at",
        "updated_at",
        "thumbnail_url",
    }
)
TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "MEDIA_REGION": "us-east-1",
    "MEDIA_BUCKET": "media-test",
    "MEDIA_TABLE_PREFIX": "media-test",
    "MEDIA_CURSOR_SECRET": "test-cursor-secret-0123456789",
    "MEDIA_PUBLIC_BASE_URL": "https://cdn.example.test",
    "MEDIA_KEY_CACHE_SECONDS": "0",
    # The service's event lines (chalicelib.telemetry) are tested where they are the subject.
    "MEDIA_LOG_FORMAT": "none",
}


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


@dataclass
class Tenant:
    account_id: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Api-Key": self.api_key}


def make_tenant(name: str = "Acme", media_limit: int | None = None) -> Tenant:
    from chalicelib import accounts

    account, issued = accounts.create_account(name, media_limit)
    return Tenant(account.account_id, issued.api_key)


@pytest.fixture
def tenant(aws: None) -> Tenant:
    return make_tenant("Acme")


@pytest.fixture
def other_tenant(aws: None) -> Tenant:
    return make_tenant("Globex")


def png_bytes(width: int = 32, height: int = 24, color: str = "red") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def multipart(filename: str | None, data: bytes, name: str | None = None) -> tuple[bytes, str]:
    fields: list[Any] = []
    if filename is not None:
        fields.append(("file", (filename, data, "application/octet-stream")))
    if name is not None:
        fields.append(("name", name))
    body, content_type = encode_multipart_formdata(fields)
    return body, content_type


def upload(
    client: Client, tenant: Tenant, filename: str = "photo.png", data: bytes | None = None, name: str | None = None
) -> Any:
    body, content_type = multipart(filename, png_bytes() if data is None else data, name)
    return client.http.post("/api/v1/media", headers={**tenant.headers, "Content-Type": content_type}, body=body)


@contextmanager
def moto_server_env() -> Iterator[dict[str, str]]:
    """An embedded moto server (thread-safe, DynamoDB atomic as on AWS) with the
    bucket and tables, this process pointed at it; yields the environment."""
    from ops.local_stack import apply_environment
    from ops.moto_server import EmbeddedMotoServer

    saved = dict(os.environ)
    moto = EmbeddedMotoServer(port=0)
    url = moto.start()
    env = {
        **TEST_ENV,
        "MEDIA_S3_ENDPOINT_URL": url,
        "MEDIA_DYNAMODB_ENDPOINT_URL": url,
        "MEDIA_S3_ADDRESSING_STYLE": "path",
    }
    try:
        apply_environment(env)
        from chalicelib import models, storage

        storage.configure_bucket()
        models.create_tables()
        yield env
    finally:
        moto.stop()
        os.environ.clear()
        os.environ.update(saved)
        state.reset()


@contextmanager
def api_over_http() -> Iterator[str]:
    """The app on chalice's threaded local server (as `make run` serves it); yields its base URL."""
    from app import app
    from ops.dev_server import create_api_server

    server = create_api_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server.server_close()
        thread.join(timeout=10)
