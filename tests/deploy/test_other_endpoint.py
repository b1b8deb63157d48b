"""Storage on another S3-compatible endpoint (Wasabi, DigitalOcean Spaces): a second
moto server plays the provider while the tables stay on (in-process) AWS. The
presigned upload goes to that endpoint, `complete` ingests it (no bucket events
there), and the file's url is the configured public base."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from chalice.test import Client

from chalicelib import caches
from ops.moto_server import EmbeddedMotoServer
from tests.helpers.media import png_bytes
from tests.helpers.tenants import make_tenant

PUBLIC_BASE = "https://media.provider.example"


@pytest.fixture
def provider(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The provider's endpoint, configured as docs/deploy.md tells an operator to."""
    from chalicelib.storage.configuration import configure_bucket

    server = EmbeddedMotoServer()
    # moto's state is per process: no reset, or the tables of the `aws` fixture would go.
    server.start(reset=False)
    try:
        monkeypatch.setenv("MEDIA_S3_ENDPOINT_URL", server.url)
        monkeypatch.setenv("MEDIA_S3_ADDRESSING_STYLE", "path")  # an IP address has no virtual hosts
        monkeypatch.setenv("MEDIA_BUCKET", "media-provider")
        monkeypatch.setenv("MEDIA_PUBLIC_BASE_URL", PUBLIC_BASE)
        monkeypatch.setenv("MEDIA_BUCKET_EVENTS", "false")
        caches.reset()
        configure_bucket()
        yield server.url
    finally:
        server.stop()
        caches.reset()


@pytest.mark.parametrize("method", ["post", "put"])
def test_presigned_upload_and_complete_on_another_endpoint(
    provider: str, method: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from app import app

    monkeypatch.setenv("MEDIA_PRESIGN_METHOD", method)  # Wasabi: post; Spaces: put
    caches.reset()
    tenant = make_tenant("Acme")
    data = png_bytes(64, 48)
    with Client(app, stage_name="test", project_dir=str(tmp_path)) as client:
        started = client.http.post(
            "/api/v1/media/uploads",
            headers={**tenant.headers, "Content-Type": "application/json"},
            body=f'{{"filename": "hero.png", "file_size": {len(data)}}}',
        )
        assert started.status_code == 201, started.body
        upload = started.json_body["upload"]
        assert upload["method"] == method.upper()
        assert upload["url"].startswith(f"{provider}/media-provider")
        if method == "post":
            sent = requests.post(upload["url"], data=upload["fields"], files={"file": ("hero.png", data)}, timeout=30)
        else:
            sent = requests.put(upload["url"], data=data, headers=upload["headers"], timeout=30)
        assert sent.status_code in (200, 204), sent.text

        upload_id = started.json_body["id"]
        done = client.http.post(f"/api/v1/media/uploads/{upload_id}/complete", headers=tenant.headers)
        assert done.status_code == 201, done.body
        media = done.json_body
        assert media["url"].startswith(f"{PUBLIC_BASE}/media/{tenant.account_id}/images/")
        assert media["metadata"] == {"width": 64, "height": 48}
    from chalicelib import storage

    key = media["url"][len(PUBLIC_BASE) + 1 :]
    assert storage.client().meta.endpoint_url == provider  # read back from the provider itself
    assert storage.store().read_range(key, 0, len(data)) == data
