"""DELETE removes the object, then the record: a failure half-way converges on retry."""

from __future__ import annotations

from chalice.test import Client

from chalicelib import records
from tests.helpers.aws_faults import failing, s3_client, transaction_client
from tests.helpers.http import upload
from tests.helpers.stores import object_exists, stored_account, stored_media
from tests.helpers.tenants import Tenant


def _stored(client: Client, tenant: Tenant) -> tuple[int, str]:
    created = upload(client, tenant, "kept.png")
    assert created.status_code == 201
    media_id = created.json_body["id"]
    key = stored_media(tenant.account_id, media_id).storage_key
    return media_id, key


def test_storage_failure_leaves_record_and_object_and_retry_deletes_both(client: Client, tenant: Tenant) -> None:
    media_id, key = _stored(client, tenant)
    with failing(s3_client(), "DeleteObject", times=1) as fault:
        response = client.http.delete(f"/api/v1/media/{media_id}", headers=tenant.headers)
    assert fault.failed == 1
    assert response.status_code == 503
    assert response.json_body["code"] == "service_unavailable"
    assert records.store().get_media(tenant.account_id, media_id) is not None
    assert object_exists(key)

    retry = client.http.delete(f"/api/v1/media/{media_id}", headers=tenant.headers)
    assert retry.status_code == 204
    assert records.store().get_media(tenant.account_id, media_id) is None
    assert not object_exists(key)
    assert stored_account(tenant.account_id).media_count == 0


def test_record_failure_after_object_delete_converges_on_retry(client: Client, tenant: Tenant) -> None:
    media_id, key = _stored(client, tenant)
    with failing(transaction_client(), "TransactWriteItems", times=1) as fault:
        response = client.http.delete(f"/api/v1/media/{media_id}", headers=tenant.headers)
    assert fault.failed == 1
    assert response.status_code == 503
    # Half-way: the bytes are gone, the record (and its plan slot) are not.
    assert not object_exists(key)
    assert records.store().get_media(tenant.account_id, media_id) is not None
    assert stored_account(tenant.account_id).media_count == 1

    retry = client.http.delete(f"/api/v1/media/{media_id}", headers=tenant.headers)
    assert retry.status_code == 204
    assert records.store().get_media(tenant.account_id, media_id) is None
    account = stored_account(tenant.account_id)
    assert (account.media_count, account.image_count, account.bytes_used) == (0, 0, 0)
    assert client.http.delete(f"/api/v1/media/{media_id}", headers=tenant.headers).status_code == 404


def test_repeated_storage_failures_never_lose_the_record(client: Client, tenant: Tenant) -> None:
    media_id, key = _stored(client, tenant)
    with failing(s3_client(), "DeleteObject", times=3):
        for _ in range(3):
            assert client.http.delete(f"/api/v1/media/{media_id}", headers=tenant.headers).status_code == 503
    assert object_exists(key)
    assert client.http.get(f"/api/v1/media/{media_id}", headers=tenant.headers).status_code == 200
    assert client.http.delete(f"/api/v1/media/{media_id}", headers=tenant.headers).status_code == 204
    assert not object_exists(key)
