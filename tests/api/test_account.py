"""The account (docs/architecture.md, "The account"): GET /api/v1/account — what a client needs before it uploads, exact
after uploads, refusals and deletes."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

from chalicelib import caches
from chalicelib.domain.formats import formatted_size
from tests.helpers.http import API, call, upload_file, uploaded
from tests.helpers.media import fixture_bytes
from tests.helpers.tenants import Tenant, make_tenant

EXTENSIONS = {"image": ["jpg", "jpeg", "png", "gif"], "video": ["mp4", "avi", "mov", "wmv", "flv", "webm"]}


def account(client: Client, tenant: Tenant) -> dict[str, object]:
    reply = call(client, "GET", f"{API}/account", tenant)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def test_a_new_unlimited_account(client: Client, tenant: Tenant) -> None:
    assert account(client, tenant) == {
        "name": "Acme",
        "media_limit": None,
        "remaining": None,
        "usage": {"files": 0, "images": 0, "videos": 0, "bytes": 0, "formatted_bytes": "0 B"},
        "limits": {
            "max_file_size": 52_428_800,
            "direct_upload_max_bytes": 4_194_304,
            "upload_expires_seconds": 900,
            "extensions": EXTENSIONS,
        },
    }


def test_limits_follow_the_configuration(client: Client, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIA_MAX_FILE_SIZE", "10000000")
    monkeypatch.setenv("MEDIA_DIRECT_UPLOAD_MAX_BYTES", "1000000")
    monkeypatch.setenv("MEDIA_UPLOAD_EXPIRES_SECONDS", "300")
    caches.reset()
    limits = account(client, tenant)["limits"]
    assert limits == {
        "max_file_size": 10_000_000,
        "direct_upload_max_bytes": 1_000_000,
        "upload_expires_seconds": 300,
        "extensions": EXTENSIONS,
    }


def test_usage_is_exact_after_uploads_refusals_and_deletes(client: Client, aws: None) -> None:
    tenant = make_tenant("Limited", media_limit=3)
    photo = uploaded(client, tenant, "a.png")
    clip = uploaded(client, tenant, "clip.mp4", fixture_bytes("sample.mp4"))
    assert upload_file(client, tenant, "fake.png", b"<html>no</html>").status == 422  # refused: counts nothing
    body = account(client, tenant)
    size = photo["file_size"] + clip["file_size"]
    assert (body["media_limit"], body["remaining"]) == (3, 1)
    usage = {"files": 2, "images": 1, "videos": 1, "bytes": size, "formatted_bytes": formatted_size(size)}
    assert body["usage"] == usage
    uploaded(client, tenant, "b.png")
    assert account(client, tenant)["remaining"] == 0
    assert upload_file(client, tenant, "c.png").status == 403
    assert call(client, "DELETE", f"{API}/media/{photo['id']}", tenant).status == 204
    after = account(client, tenant)
    assert (after["remaining"], after["usage"]["files"], after["usage"]["images"]) == (1, 2, 1)  # type: ignore[index]


def test_remaining_is_never_negative_when_a_limit_is_lowered(client: Client, tenant: Tenant) -> None:
    from chalicelib import accounts

    for name in ("a.png", "b.png"):
        uploaded(client, tenant, name)
    accounts.set_limit(tenant.account_id, 1)
    body = account(client, tenant)
    assert (body["media_limit"], body["remaining"], body["usage"]["files"]) == (1, 0, 2)  # type: ignore[index]


def test_the_account_needs_a_key_and_shows_only_the_callers(
    client: Client, tenant: Tenant, other_tenant: Tenant
) -> None:
    reply = call(client, "GET", f"{API}/account")
    assert (reply.status, reply.body["code"]) == (401, "unauthenticated")
    uploaded(client, tenant, "a.png")
    assert account(client, other_tenant)["name"] == "Globex"
    assert account(client, other_tenant)["usage"]["files"] == 0  # type: ignore[index]
    assert json.dumps(account(client, other_tenant)).count("Acme") == 0
