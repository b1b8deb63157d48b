"""Authentication (docs/architecture.md, "API keys"): X-Api-Key on every request, keys stored only as SHA-256,
revocable; a key sees only its own account's files (a foreign file is a missing one)."""

from __future__ import annotations

import hashlib
import json

import pytest
from chalice.test import Client

from tests.helpers.http import API, Reply, call, put_json, uploaded
from tests.helpers.stores import aws_client, counters, key_of, stored_objects, table_name
from tests.helpers.tenants import Tenant

UNKNOWN_KEY = "sk_live_" + "A" * 43

ROUTES = [
    ("GET", f"{API}/media"),
    ("POST", f"{API}/media"),
    ("GET", f"{API}/media/1"),
    ("PUT", f"{API}/media/1"),
    ("DELETE", f"{API}/media/1"),
]


def assert_unauthenticated(reply: Reply, case: str = "") -> None:
    assert reply.status == 401, (case, reply.body)
    assert set(reply.body) == {"message", "code"}, case
    assert reply.body["code"] == "unauthenticated", case


def test_missing_key_is_401_on_every_route(client: Client) -> None:
    for method, path in ROUTES:
        reply = call(client, method, path, headers={"Content-Type": "application/json"}, body="{}")
        assert_unauthenticated(reply, f"{method} {path}")


BAD_KEYS = {
    "empty": "",
    "unknown": UNKNOWN_KEY,  # well formed, never issued
    "unknown-test": "sk_test_" + "b" * 43,
    "garbage": "hello",
    "short": "sk_live_short",
    "bearer": "Bearer " + UNKNOWN_KEY,
    "too-long": UNKNOWN_KEY + "x",
    "non-ascii": "sk_live_" + "A" * 42 + "\u00e9",
}


def test_unknown_or_malformed_key_is_401(client: Client, tenant: Tenant) -> None:
    for label, key in BAD_KEYS.items():
        assert_unauthenticated(call(client, "GET", f"{API}/media", headers={"X-Api-Key": key}), label)


def test_key_with_one_character_changed_is_401(client: Client, tenant: Tenant) -> None:
    last = tenant.api_key[-1]
    forged = tenant.api_key[:-1] + ("B" if last != "B" else "C")
    assert_unauthenticated(call(client, "GET", f"{API}/media", headers={"X-Api-Key": forged}))


def test_key_header_name_is_case_insensitive(client: Client, tenant: Tenant) -> None:
    for header in ("X-Api-Key", "x-api-key", "X-API-KEY", "x-Api-kEY"):
        reply = call(client, "GET", f"{API}/media", headers={header: tenant.api_key})
        assert reply.status == 200, (header, reply.body)


def test_revoked_key_is_401(client: Client, tenant: Tenant) -> None:
    from chalicelib import accounts, auth

    second = accounts.issue_key(tenant.account_id).api_key
    assert call(client, "GET", f"{API}/media", tenant).status == 200
    assert auth.revoke(tenant.api_key) == [tenant.api_key[:16]]
    assert_unauthenticated(call(client, "GET", f"{API}/media", tenant))
    assert_unauthenticated(call(client, "GET", f"{API}/media/1", tenant))
    # Revoking one key leaves the account's other keys working...
    assert call(client, "GET", f"{API}/media", headers={"X-Api-Key": second}).status == 200
    # ...until it is revoked too, here by its display prefix.
    assert auth.revoke(second[:16]) == [second[:16]]
    assert_unauthenticated(call(client, "GET", f"{API}/media", headers={"X-Api-Key": second}))


@pytest.mark.moto
def test_keys_are_stored_only_as_sha256(client: Client, tenant: Tenant, other_tenant: Tenant) -> None:
    items = aws_client("dynamodb").scan(TableName=table_name("ApiKeyItem"))["Items"]
    dump = json.dumps(items)
    hashes = {item["key_hash"]["S"] for item in items}
    for t in (tenant, other_tenant):
        assert t.api_key not in dump
        assert t.api_key[16:] not in dump  # not even the secret part after the display prefix
        assert hashlib.sha256(t.api_key.encode()).hexdigest() in hashes
    assert len(items) == 2


# -- tenant isolation -----------------------------------------------------------------


def test_foreign_file_is_404_not_403(client: Client, tenant: Tenant, other_tenant: Tenant) -> None:
    media = uploaded(client, tenant, "secret.png", name="Secret")
    foreign = call(client, "GET", f"{API}/media/{media['id']}", other_tenant)
    missing = call(client, "GET", f"{API}/media/999999", other_tenant)
    assert foreign.status == missing.status == 404
    assert foreign.body == missing.body


def test_foreign_file_cannot_be_renamed_or_deleted(client: Client, tenant: Tenant, other_tenant: Tenant) -> None:
    media = uploaded(client, tenant, "secret.png", name="Secret")
    before_objects = stored_objects(tenant.account_id)
    before_counters = counters(tenant.account_id)

    rename = put_json(client, other_tenant, media["id"], {"name": "Hijacked"})
    rename_missing = put_json(client, other_tenant, 999999, {"name": "Hijacked"})
    assert rename.status == rename_missing.status == 404
    assert rename.body == rename_missing.body

    delete = call(client, "DELETE", f"{API}/media/{media['id']}", other_tenant)
    delete_missing = call(client, "DELETE", f"{API}/media/999999", other_tenant)
    assert delete.status == delete_missing.status == 404
    assert delete.body == delete_missing.body

    assert call(client, "GET", f"{API}/media/{media['id']}", tenant).body == media
    assert stored_objects(tenant.account_id).keys() == before_objects.keys() == {key_of(media)}
    assert counters(tenant.account_id) == before_counters


def test_another_account_lists_nothing_of_the_first(client: Client, tenant: Tenant, other_tenant: Tenant) -> None:
    uploaded(client, tenant, "a.png")
    uploaded(client, tenant, "b.png")
    for query in ("", "?type=image", "?search=png", "?cursor="):
        reply = call(client, "GET", f"{API}/media{query}", other_tenant)
        assert reply.status == 200
        assert reply.body["data"] == []
        if "cursor" not in query:
            assert reply.body["meta"]["total"] == 0


def test_the_account_comes_from_the_key_only(client: Client, tenant: Tenant, other_tenant: Tenant) -> None:
    media = uploaded(client, tenant, "mine.png")
    # The other account's key, with a header and a query parameter naming the first account.
    spoof = {"X-Account-Id": tenant.account_id, "X-Api-Key": other_tenant.api_key}
    reply = call(client, "GET", f"{API}/media/{media['id']}?account_id={tenant.account_id}", headers=spoof)
    assert reply.status == 404
    listing = call(client, "GET", f"{API}/media?account_id={tenant.account_id}", headers=spoof)
    assert listing.body["data"] == []
