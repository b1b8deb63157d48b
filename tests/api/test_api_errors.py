"""The contract's errors (docs/architecture.md, "Errors"): every error is our JSON body; wrong method 405,
unknown route 404,
malformed JSON 400, wrong Content-Type 415, validation 422 with Laravel-style field errors.

Every ``test_api_*`` module sends its requests through tests.helpers.http, so the body
rules of the contract are checked on every response of every test.
"""

from __future__ import annotations

from chalice.test import Client

from tests.helpers.http import API, call, uploaded
from tests.helpers.stores import stored_objects
from tests.helpers.tenants import Tenant

WRONG_METHODS = [
    ("PUT", f"{API}/media", {"GET", "POST"}),
    ("PATCH", f"{API}/media", {"GET", "POST"}),
    ("DELETE", f"{API}/media", {"GET", "POST"}),
    ("POST", f"{API}/media/1", {"GET", "PUT", "DELETE"}),
    ("PATCH", f"{API}/media/1", {"GET", "PUT", "DELETE"}),
]


def test_wrong_method_on_a_known_path_is_405_with_allow_header(client: Client, tenant: Tenant) -> None:
    problems = []
    for method, path, allowed in WRONG_METHODS:
        reply = call(client, method, path, tenant, headers={"Content-Type": "application/json"}, body="{}")
        allow = reply.header("Allow")
        got = (reply.status, reply.body.get("code"), {m.strip() for m in (allow or "").split(",") if m.strip()})
        if got != (405, "method_not_allowed", allowed):
            problems.append(f"{method} {path}: {got}")
    assert not problems, problems


def test_a_keyless_post_with_an_idempotency_key_to_a_public_path_is_a_plain_405(client: Client) -> None:
    """Authentication is decided before the idempotency step: a request that names no account
    never reaches the idempotency records (it was a 500 from a missing account id)."""
    paths = {"/": "GET, HEAD", "/docs": "GET, HEAD", "/static/v/app.js": "GET, HEAD", f"{API}/openapi.json": "GET"}
    for path, allowed in paths.items():
        reply = call(
            client, "POST", path, headers={"Idempotency-Key": "k-1", "Content-Type": "application/json"}, body="{}"
        )
        assert (reply.status, reply.body["code"], reply.header("Allow")) == (405, "method_not_allowed", allowed), path


def test_malformed_json_is_400(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant)
    for raw in ('{"name": "x"', "not json", "", b"\xff\xfe{}"):
        reply = call(
            client,
            "PUT",
            f"{API}/media/{media['id']}",
            tenant,
            headers={"Content-Type": "application/json"},
            body=raw,
        )
        assert reply.status == 400, (raw, reply.body)
    assert call(client, "GET", f"{API}/media/{media['id']}", tenant).body == media


def test_rename_with_a_non_json_content_type_is_415(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/xml"):
        reply = call(
            client,
            "PUT",
            f"{API}/media/{media['id']}",
            tenant,
            headers={"Content-Type": content_type},
            body='{"name": "New"}',
        )
        assert reply.status == 415, (content_type, reply.body)
        assert reply.body["code"] == "unsupported_media_type"
    assert call(client, "GET", f"{API}/media/{media['id']}", tenant).body == media


def test_upload_with_a_json_content_type_is_415(client: Client, tenant: Tenant) -> None:
    reply = call(
        client,
        "POST",
        f"{API}/media",
        tenant,
        headers={"Content-Type": "application/json"},
        body='{"file": "x.png"}',
    )
    assert reply.status == 415
    assert stored_objects(tenant.account_id) == {}


def test_unparseable_multipart_body_is_400(client: Client, tenant: Tenant) -> None:
    cases = [
        ("multipart/form-data", b"--x\r\n"),  # no boundary parameter
        ("multipart/form-data; boundary=xyz", b"garbage without any boundary"),
    ]
    for content_type, raw in cases:
        reply = call(client, "POST", f"{API}/media", tenant, headers={"Content-Type": content_type}, body=raw)
        assert reply.status == 400, (content_type, reply.body)
    assert stored_objects(tenant.account_id) == {}


def test_validation_errors_are_422_with_laravel_field_errors(client: Client, tenant: Tenant) -> None:
    reply = call(client, "GET", f"{API}/media?type=audio&per_page=0", tenant)
    assert reply.status == 422
    assert set(reply.body) == {"message", "code", "errors"}
    assert set(reply.body["errors"]) == {"type", "per_page"}
