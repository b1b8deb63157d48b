"""Faults of the backing services, injected through botocore event hooks (never by
patching our code): the API answers a retryable 503, nothing is left half-written,
and retries or the reconciler always converge (checked by ``assert_consistent``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

from chalicelib import records
from chalicelib.errors import ServiceUnavailable
from chalicelib.reconcile import reconcile
from tests.helpers.aws import TEST_ENV
from tests.helpers.aws_faults import THROTTLES, cancelled, dynamodb_failing, failing, s3_client, stale_reads
from tests.helpers.consistency import assert_consistent
from tests.helpers.events import deliver
from tests.helpers.http import upload
from tests.helpers.media import png_bytes
from tests.helpers.stores import stored_account, stored_session
from tests.helpers.tenants import Tenant
from tests.helpers.uploads import presigned

API = "/api/v1/media"
JSON = {"Content-Type": "application/json"}


def object_exists(key: str) -> bool:
    from chalicelib import storage

    return storage.store().head_object(key) is not None


def assert_retryable(response: Any) -> None:
    """503 with our JSON error body and a Retry-After: never a 500, never a stack trace."""
    assert response.status_code == 503, response.body
    assert response.json_body["code"] == "service_unavailable"
    assert response.json_body["message"]
    assert response.headers.get("Retry-After") == "1"


def fingerprint(tenant: Tenant) -> tuple[Any, ...]:
    """What a client could observe of one account: objects, records (with names), counters."""
    from chalicelib import storage

    objects = sorted(key for key, _ in storage.store().list_objects(f"media/{tenant.account_id}/"))
    media = sorted(
        (int(m.media_id), m.name, m.updated_at)
        for m in records.store().query_media(tenant.account_id, records.MediaQuery())
    )
    account = stored_account(tenant.account_id)
    assert account is not None
    return objects, media, (account.media_count, account.image_count, account.bytes_used)


def stored(client: Client, tenant: Tenant, filename: str = "kept.png") -> int:
    created = upload(client, tenant, filename)
    assert created.status_code == 201, created.json_body
    return int(created.json_body["id"])


# -- storage: DeleteObject fails k times ------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3])
def test_delete_whose_storage_delete_fails_k_times_answers_503_then_converges(
    client: Client, tenant: Tenant, k: int
) -> None:
    media_id = stored(client, tenant)
    before = fingerprint(tenant)
    with failing(s3_client(), "DeleteObject", times=k) as fault:
        for _ in range(k):
            assert_retryable(client.http.delete(f"{API}/{media_id}", headers=tenant.headers))
            assert fingerprint(tenant) == before  # the object goes first: nothing changed yet
    assert fault.failed == k
    assert client.http.delete(f"{API}/{media_id}", headers=tenant.headers).status_code == 204
    assert assert_consistent([tenant.account_id]).objects == {}


@pytest.mark.parametrize("k", [1, 2, 3])
def test_rejected_object_whose_delete_fails_k_times_is_deleted_by_the_event_retry(
    client: Client, tenant: Tenant, k: int
) -> None:
    upload_id, key = presigned(tenant.account_id, b"<html>not an image</html>", "fake.png")
    with failing(s3_client(), "DeleteObject", times=k) as fault:
        for _ in range(k):
            with pytest.raises(ServiceUnavailable):  # the platform retries the event
                deliver(key)
            # Already closed with its reason, so the client learns why; the bytes wait for the retry.
            assert (stored_session(upload_id).reason, object_exists(key)) == ("unsupported_content", True)
    assert fault.failed == k
    assert deliver(key) == "rejected"
    assert_consistent([tenant.account_id])


def test_invalid_object_whose_rejection_write_fails_is_rejected_with_its_reason_on_retry(
    client: Client, tenant: Tenant
) -> None:
    upload_id, key = presigned(tenant.account_id, b"<?php system($_GET['c']); ?>", "shell.jpg")
    with dynamodb_failing("UpdateItem", 1, table="uploads"), pytest.raises(ServiceUnavailable):
        deliver(key)
    assert deliver(key) == "rejected"
    session = stored_session(upload_id)
    assert (session.status, session.reason) == ("rejected", "unsupported_content")
    assert_consistent([tenant.account_id])


def test_rejected_object_whose_delete_keeps_failing_is_removed_by_the_reconciler(
    client: Client, tenant: Tenant
) -> None:
    upload_id, key = presigned(tenant.account_id, b"\x00" * 64, "zeros.gif")
    with failing(s3_client(), "DeleteObject", times=3):
        for _ in range(3):
            with pytest.raises(ServiceUnavailable):
                deliver(key)
    report = reconcile(min_age=timedelta(0))
    assert report.removed_objects == [key] and report.errors == []
    assert stored_session(upload_id).reason == "unsupported_content"
    assert_consistent([tenant.account_id])


# -- DynamoDB throttling on reads and writes ------------------------------------------


@dataclass(frozen=True)
class Route:
    """A request, what it needs beforehand, and its status once the fault is gone."""

    prepare: Callable[[Client, Tenant], str]
    call: Callable[[Client, Tenant, str], Any]
    ok: int


def _kept(client: Client, tenant: Tenant) -> str:
    return str(stored(client, tenant))


def _sent(client: Client, tenant: Tenant) -> str:
    return presigned(tenant.account_id, png_bytes(20, 10))[0]


ROUTES = {
    "list": Route(_kept, lambda c, t, _: c.http.get(API, headers=t.headers), 200),
    "search": Route(_kept, lambda c, t, _: c.http.get(f"{API}?search=KEPT&per_page=1", headers=t.headers), 200),
    "get": Route(_kept, lambda c, t, i: c.http.get(f"{API}/{i}", headers=t.headers), 200),
    "rename": Route(
        _kept,
        lambda c, t, i: c.http.put(f"{API}/{i}", headers={**t.headers, **JSON}, body=json.dumps({"name": "New"})),
        200,
    ),
    "upload": Route(_kept, lambda c, t, _: upload(c, t, "new.png"), 201),
    "delete": Route(_kept, lambda c, t, i: c.http.delete(f"{API}/{i}", headers=t.headers), 204),
    "start": Route(
        _kept,
        lambda c, t, _: c.http.post(
            f"{API}/uploads", headers={**t.headers, **JSON}, body=json.dumps({"filename": "s.png", "file_size": 99})
        ),
        201,
    ),
    "complete": Route(_sent, lambda c, t, u: c.http.post(f"{API}/uploads/{u}/complete", headers=t.headers), 201),
}
# (route, DynamoDB operation, table): every read and write each route makes.
THROTTLED_CALLS = [
    ("list", "GetItem", "api-keys"),
    ("list", "GetItem", "accounts"),
    ("list", "Query", "media"),
    ("search", "Query", "media"),
    ("search", "BatchGetItem", "media"),
    ("get", "GetItem", "media"),
    ("rename", "UpdateItem", "media"),
    ("upload", "GetItem", "accounts"),
    ("upload", "PutItem", "uploads"),
    ("upload", "UpdateItem", "accounts"),
    ("upload", "TransactWriteItems", None),
    ("delete", "GetItem", "media"),
    ("delete", "TransactWriteItems", None),
    ("start", "PutItem", "uploads"),
    ("complete", "GetItem", "uploads"),
    ("complete", "UpdateItem", "accounts"),
    ("complete", "TransactWriteItems", None),
]


@pytest.mark.parametrize("code", THROTTLES)
@pytest.mark.parametrize(("route", "operation", "table"), THROTTLED_CALLS)
def test_throttled_database_call_answers_503_with_nothing_half_written(
    client: Client, tenant: Tenant, route: str, operation: str, table: str | None, code: str
) -> None:
    spec = ROUTES[route]
    target = spec.prepare(client, tenant)
    before = fingerprint(tenant)
    with dynamodb_failing(operation, 1, code, table=table) as fault:
        response = spec.call(client, tenant, target)
    assert fault.failed == 1, f"{route} made no {operation} call on {table}"
    assert_retryable(response)
    if route == "delete" and operation == "TransactWriteItems":
        # Delete removes the object first (docs/architecture.md, "Get, rename, delete"): the record stays, so
        # the retry below finishes it.
        assert fingerprint(tenant)[1:] == before[1:]
    else:
        assert fingerprint(tenant) == before
        assert_consistent([tenant.account_id], allow_pending=route == "complete")
    assert spec.call(client, tenant, target).status_code == spec.ok
    assert_consistent([tenant.account_id])


@pytest.mark.parametrize("code", THROTTLES)
def test_throttled_event_ingest_is_retried_by_the_platform_and_records_once(
    client: Client, tenant: Tenant, code: str
) -> None:
    upload_id, key = presigned(tenant.account_id, png_bytes(30, 20))
    for operation, table in [("GetItem", "uploads"), ("UpdateItem", "accounts"), ("TransactWriteItems", None)]:
        with dynamodb_failing(operation, 1, code, table=table), pytest.raises(ServiceUnavailable):
            deliver(key)
        assert_consistent([tenant.account_id], allow_pending=True)
    assert deliver(key) == "recorded"
    assert deliver(key) == "existing"
    assert stored_session(upload_id).status == "completed"
    assert assert_consistent([tenant.account_id]).records == 1


# -- cancelled transactions ---------------------------------------------------------------

CONFLICT = "TransactionConflict"
FAILED = "ConditionalCheckFailed"


def test_upload_whose_transaction_conflicts_once_is_retried_and_recorded(client: Client, tenant: Tenant) -> None:
    with cancelled(["None", "None", CONFLICT]) as fault:
        assert upload(client, tenant).status_code == 201
    assert fault.failed == 1
    assert assert_consistent([tenant.account_id]).records == 1


@pytest.mark.parametrize(
    "reasons",
    [
        ["None", "None", CONFLICT],  # conflicts on every attempt
        [FAILED, "None", "None"],  # the new record's id is taken: should never happen
        ["None", "None", FAILED],  # the session closed, yet a re-read finds it pending
    ],
)
def test_upload_whose_transaction_is_cancelled_unexpectedly_answers_503_and_keeps_nothing(
    client: Client, tenant: Tenant, reasons: list[str]
) -> None:
    before = fingerprint(tenant)
    with cancelled(reasons, times=4):
        response = upload(client, tenant)
    assert_retryable(response)
    assert fingerprint(tenant) == before
    assert_consistent([tenant.account_id])
    assert upload(client, tenant).status_code == 201
    assert assert_consistent([tenant.account_id]).records == 1


@pytest.mark.parametrize(
    ("reasons", "times"),
    [
        (["None", CONFLICT], 1),  # retried inside: 204 at once
        (["None", CONFLICT], 4),  # conflicts on every attempt
        (["None", FAILED], 1),  # the counter update has no condition: should never happen
    ],
)
def test_delete_whose_transaction_is_cancelled_converges_on_retry(
    client: Client, tenant: Tenant, reasons: list[str], times: int
) -> None:
    media_id = stored(client, tenant)
    with cancelled(reasons, times=times):
        first = client.http.delete(f"{API}/{media_id}", headers=tenant.headers)
    if first.status_code != 204:
        assert_retryable(first)
        assert client.http.get(f"{API}/{media_id}", headers=tenant.headers).status_code == 200
        assert client.http.delete(f"{API}/{media_id}", headers=tenant.headers).status_code == 204
    assert client.http.delete(f"{API}/{media_id}", headers=tenant.headers).status_code == 404
    assert assert_consistent([tenant.account_id]).records == 0


@pytest.mark.parametrize("reasons", [["None", "None", CONFLICT], [FAILED, "None", "None"], ["None", "None", FAILED]])
def test_event_whose_transaction_is_cancelled_is_not_lost(client: Client, tenant: Tenant, reasons: list[str]) -> None:
    upload_id, key = presigned(tenant.account_id, png_bytes(12, 34))
    with cancelled(reasons, times=4), pytest.raises(ServiceUnavailable):
        deliver(key)
    assert stored_session(upload_id).status == "pending"
    assert_consistent([tenant.account_id], allow_pending=True)
    assert deliver(key) == "recorded"
    assert assert_consistent([tenant.account_id]).records == 1


# -- eventual consistency: HEAD 404 right after the event ------------------------------------


def test_event_whose_object_is_not_visible_yet_is_not_rejected_and_a_retry_records_it(
    client: Client, tenant: Tenant
) -> None:
    upload_id, key = presigned(tenant.account_id, png_bytes())
    with failing(s3_client(), "HeadObject", times=1, code="404") as fault:
        outcome = deliver(key)
    assert fault.failed == 1
    assert outcome != "rejected"
    assert stored_session(upload_id).status == "pending"
    assert_consistent([tenant.account_id], allow_pending=True)  # the object is still there
    assert deliver(key) == "recorded"
    assert_consistent([tenant.account_id])


def test_event_whose_object_is_not_visible_yet_is_ingested_by_the_reconciler(client: Client, tenant: Tenant) -> None:
    upload_id, key = presigned(tenant.account_id, png_bytes())
    with failing(s3_client(), "HeadObject", times=1, code="404"):
        deliver(key)
    report = reconcile(min_age=timedelta(0))
    assert report.ingested == [key]
    assert stored_session(upload_id).status == "completed"
    assert assert_consistent([tenant.account_id]).records == 1


def test_complete_before_the_object_is_visible_answers_409_then_records_it(client: Client, tenant: Tenant) -> None:
    upload_id, _ = presigned(tenant.account_id, png_bytes())
    with failing(s3_client(), "HeadObject", times=1, code="404"):
        early = client.http.post(f"{API}/uploads/{upload_id}/complete", headers=tenant.headers)
    assert early.status_code == 409 and early.json_body["code"] == "upload_not_received"
    assert client.http.post(f"{API}/uploads/{upload_id}/complete", headers=tenant.headers).status_code == 201
    assert assert_consistent([tenant.account_id]).records == 1


def test_complete_on_a_lagging_replica_returns_the_file_the_event_recorded(client: Client, tenant: Tenant) -> None:
    upload_id, key = presigned(tenant.account_id, png_bytes(16, 9))
    table = boto3.client("dynamodb", region_name="us-east-1")
    pending = table.get_item(TableName=f"{TEST_ENV['MEDIA_TABLE_PREFIX']}-uploads", Key={"upload_id": {"S": upload_id}})
    assert deliver(key) == "recorded"
    with stale_reads("uploads", {"upload_id": {"S": upload_id}}, pending["Item"]) as served:
        late = client.http.post(f"{API}/uploads/{upload_id}/complete", headers=tenant.headers)
        again = deliver(key)
    assert served, "no read was served stale"
    assert late.status_code == 201, late.json_body
    assert late.json_body["id"] == stored_session(upload_id).media_id
    assert again == "existing"
    assert assert_consistent([tenant.account_id]).records == 1
