"""Idempotent retries (docs/architecture.md, "Idempotent retries"): Idempotency-Key on every POST, with
Stripe's semantics.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
import requests
from chalice.test import Client

from chalicelib import records
from tests.helpers.aws_faults import dynamodb_failing
from tests.helpers.http import API, Reply, call, post_form
from tests.helpers.media import fixture_bytes, png_bytes
from tests.helpers.servers import api_over_http, threaded_aws_env
from tests.helpers.stores import media_items
from tests.helpers.tenants import Tenant, make_tenant

JSON = {"Content-Type": "application/json"}


def upload(client: Client, tenant: Tenant, key: str | None, data: bytes | None = None, name: str = "Hero") -> Reply:
    headers = {"Idempotency-Key": key} if key is not None else {}
    fields: list[Any] = [("file", ("hero.png", png_bytes() if data is None else data, "image/png")), ("name", name)]
    return post_form(client, tenant, fields, headers)


def start(client: Client, tenant: Tenant, key: str, body: str) -> Reply:
    return call(client, "POST", f"{API}/media/uploads", tenant, headers={**JSON, "Idempotency-Key": key}, body=body)


def test_a_retried_upload_gets_the_first_answer_and_makes_one_file(client: Client, tenant: Tenant) -> None:
    first = upload(client, tenant, "retry-1")
    assert first.status == 201 and first.header("Idempotent-Replayed") is None
    again = upload(client, tenant, "retry-1")  # a new multipart boundary, the same file and name
    assert (again.status, again.body) == (201, first.body)
    assert again.header("Idempotent-Replayed") == "true"
    assert again.header("Location") == first.header("Location")
    assert len(media_items(tenant.account_id)) == 1


def test_the_same_key_with_another_request_is_422(client: Client, tenant: Tenant) -> None:
    assert upload(client, tenant, "k").status == 201
    for other in (upload(client, tenant, "k", png_bytes(9, 9)), upload(client, tenant, "k", name="Other")):
        assert (other.status, other.body["code"]) == (422, "idempotency_key_reused")
        assert list(other.body["errors"]) == ["Idempotency-Key"]
    reused = call(client, "POST", f"{API}/media/uploads", tenant, headers={**JSON, "Idempotency-Key": "k"}, body="{}")
    assert reused.body["code"] == "idempotency_key_reused"  # another route is another request
    assert len(media_items(tenant.account_id)) == 1


def test_json_bodies_are_the_same_request_whatever_their_key_order_and_spacing(client: Client, tenant: Tenant) -> None:
    first = start(client, tenant, "s", '{"filename": "a.png", "file_size": 100}')
    again = start(client, tenant, "s", '{ "file_size":100,"filename":"a.png" }')
    assert first.status == 201 and (again.status, again.body) == (201, first.body)
    assert again.header("Idempotent-Replayed") == "true"


def test_a_4xx_is_kept_and_replayed(client: Client, tenant: Tenant) -> None:
    first = start(client, tenant, "bad", '{"filename": "notes.txt", "file_size": 100}')
    assert first.status == 422 and first.body["code"] == "validation_failed"
    again = start(client, tenant, "bad", '{"filename": "notes.txt", "file_size": 100}')
    assert (again.status, again.body, again.header("Idempotent-Replayed")) == (422, first.body, "true")


@pytest.mark.moto
def test_a_5xx_is_not_kept_and_the_retry_runs_the_request_again(client: Client, tenant: Tenant) -> None:
    with dynamodb_failing("TransactWriteItems", 1, "ProvisionedThroughputExceededException") as fault:
        failed = upload(client, tenant, "flaky")
    assert fault.failed == 1 and failed.status == 503
    retried = upload(client, tenant, "flaky")
    assert retried.status == 201 and retried.header("Idempotent-Replayed") is None
    assert upload(client, tenant, "flaky").header("Idempotent-Replayed") == "true"
    assert len(media_items(tenant.account_id)) == 1


def test_a_retry_while_the_first_attempt_runs_is_409_with_retry_after(client: Client, tenant: Tenant) -> None:
    from chalicelib import idempotency

    body = '{"filename": "a.png", "file_size": 100}'
    print_ = idempotency.fingerprint("POST", "/api/v1/media/uploads", {}, "application/json", body.encode())
    assert (
        records.store().claim_key(tenant.account_id, "busy", print_, timedelta(seconds=60), timedelta(hours=24)) is None
    )
    reply = start(client, tenant, "busy", body)
    assert (reply.status, reply.body["code"], reply.header("Retry-After")) == (409, "idempotency_in_progress", "1")


def test_an_attempt_that_died_in_progress_gives_its_key_back_when_its_lock_runs_out(
    client: Client, tenant: Tenant
) -> None:
    from chalicelib import idempotency

    body = '{"filename": "a.png", "file_size": 100}'
    print_ = idempotency.fingerprint("POST", "/api/v1/media/uploads", {}, "application/json", body.encode())
    records.store().claim_key(tenant.account_id, "dead", print_, timedelta(seconds=-1), timedelta(hours=24))
    assert start(client, tenant, "dead", body).status == 201


@pytest.mark.moto
def test_a_key_is_kept_24_hours_then_free_again(client: Client, tenant: Tenant) -> None:
    from chalicelib.models import IdempotencyItem as IdempotencyRecord

    first = start(client, tenant, "day", '{"filename": "a.png", "file_size": 100}')
    record = IdempotencyRecord.get(tenant.account_id, "day")
    assert timedelta(hours=23, minutes=59) < record.expires_ttl - _created(record.created_at) <= timedelta(hours=24)
    record.update(actions=[IdempotencyRecord.expires_ttl.set(record.expires_ttl - timedelta(days=2))])
    again = start(client, tenant, "day", '{"filename": "a.png", "file_size": 100}')
    assert again.status == 201 and again.body["id"] != first.body["id"] and again.header("Idempotent-Replayed") is None


def _created(text: str) -> Any:
    from datetime import UTC, datetime

    from chalicelib.domain.clock import TIMESTAMP_FORMAT

    return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=UTC)


def test_keys_belong_to_their_account(client: Client, tenant: Tenant, other_tenant: Tenant) -> None:
    mine, theirs = upload(client, tenant, "shared"), upload(client, other_tenant, "shared")
    assert mine.status == theirs.status == 201 and theirs.header("Idempotent-Replayed") is None
    assert mine.body["id"] == theirs.body["id"] == 1 and mine.body["url"] != theirs.body["url"]


@pytest.mark.parametrize("key", ["", "k" * 256, "clé", "tab\there"])
def test_a_key_too_long_empty_or_not_printable_ascii_is_422(client: Client, tenant: Tenant, key: str) -> None:
    reply = upload(client, tenant, key)
    assert (reply.status, reply.body["code"]) == (422, "validation_failed")
    assert list(reply.body["errors"]) == ["Idempotency-Key"]
    assert media_items(tenant.account_id) == []


def test_complete_with_a_key_replays_its_first_answer(client: Client, tenant: Tenant) -> None:
    from tests.helpers.uploads import send, started

    body = started(client, tenant, filename="a.png", file_size=len(png_bytes()))
    send(body, png_bytes())
    path = f"{API}/media/uploads/{body['id']}/complete"
    first = call(client, "POST", path, tenant, headers={"Idempotency-Key": "c"})
    again = call(client, "POST", path, tenant, headers={"Idempotency-Key": "c"})
    assert (first.status, again.status, again.body) == (201, 201, first.body)  # not the plain repeat's 200


# -- over HTTP, concurrently -------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[str]:
    with threaded_aws_env(), api_over_http() as base:
        yield base


def test_ten_concurrent_posts_with_one_key_make_one_file_and_get_identical_bodies(server: str) -> None:
    tenant = make_tenant("Concurrent")
    video = fixture_bytes("sample.mp4")
    barrier = threading.Barrier(10)
    statuses: list[int] = []

    def post(_: int) -> tuple[int, str]:
        barrier.wait(timeout=30)
        while True:  # as a client does: 409 means "still running, retry after Retry-After"
            response = requests.post(
                f"{server}{API}/media",
                headers={**tenant.headers, "Idempotency-Key": "one-upload"},
                files={"file": ("clip.mp4", video, "video/mp4")},
                timeout=30,
            )
            statuses.append(response.status_code)
            if response.status_code != 409:
                return response.status_code, response.text
            time.sleep(float(response.headers["Retry-After"]) / 10)

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(post, range(10)))
    assert {status for status, _ in answers} == {201}
    assert len({body for _, body in answers}) == 1
    assert set(statuses) <= {201, 409}
    listed = requests.get(f"{server}{API}/media", headers=tenant.headers, timeout=30).json()
    assert [m["id"] for m in listed["data"]] == [json.loads(answers[0][1])["id"]]
