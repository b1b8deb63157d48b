"""Retries against a real local stack: a fault on the network, then exactly one file.

Every fault is injected in the client's own transport (tests/client/faults.py):
the API and the storage are the real ones, in their own process.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import httpx
import pytest

from media_client import APIConnectionError, Client, NotFound, RetryPolicy, ServiceUnavailable, TooManyRequests
from tests.client.conftest import DEPLOYED_DIRECT_MAX, MIB, Stack, Tenant, mp4_file, png_file
from tests.client.network_faults import FaultyNetwork
from tests.helpers.servers import closed_port_url

UNAVAILABLE = {
    "message": "A backing service is temporarily unavailable. Retry the request.",
    "code": "service_unavailable",
}
GATEWAY = {"message": "The service could not answer. Retry the request.", "code": "server_error"}


def one_key(network: FaultyNetwork, method: str, path: str) -> str:
    """Every attempt of the request carried the same Idempotency-Key; returns it."""
    keys = {seen.idempotency_key for seen in network.requests(method, path)}
    assert len(keys) == 1 and None not in keys, keys
    return str(keys.pop())


@pytest.mark.parametrize("lost", ["dropped", "timed out"])
def test_direct_upload_whose_answer_was_lost_is_retried_into_one_file(
    stack: Stack, tenant: Tenant, tmp_path: Path, lost: str
) -> None:
    network = FaultyNetwork()
    if lost == "dropped":
        network.drop_after_answer("POST", "/api/v1/media")
    else:
        network.time_out_after_answer("POST", "/api/v1/media")
    with stack.client(tenant, transport=network) as client:
        media = client.upload(png_file(tmp_path / "logo.png"))
    attempts = network.requests("POST", "/api/v1/media")
    assert [a.status for a in attempts] == [f"{lost} 201", 201]
    assert attempts[1].replayed  # the API answered the retry with the first upload's answer
    one_key(network, "POST", "/api/v1/media")
    assert [f["id"] for f in stack.files(tenant)] == [media.id]


def test_direct_upload_after_a_503_waits_for_retry_after_and_makes_one_file(
    stack: Stack, tenant: Tenant, tmp_path: Path
) -> None:
    network = FaultyNetwork()
    network.answer_instead("POST", "/api/v1/media", 503, UNAVAILABLE, **{"Retry-After": "1"})
    with stack.client(tenant, transport=network) as client:
        client.account()
        started = time.monotonic()
        media = client.upload(png_file(tmp_path / "logo.png"))
        waited = time.monotonic() - started
    assert [a.status for a in network.requests("POST", "/api/v1/media")] == [503, 201]
    assert waited >= 1.0, "Retry-After: 1 was not honoured"
    assert [f["id"] for f in stack.files(tenant)] == [media.id]


def test_a_gateway_error_after_the_api_acted_is_replayed_not_repeated(
    stack: Stack, tenant: Tenant, tmp_path: Path
) -> None:
    network = FaultyNetwork()
    network.answer_after("POST", "/api/v1/media", 502, GATEWAY)
    with stack.client(tenant, transport=network) as client:
        media = client.upload(png_file(tmp_path / "logo.png"))
    attempts = network.requests("POST", "/api/v1/media")
    assert [a.status for a in attempts] == ["replaced 201", 201] and attempts[1].replayed
    assert [f["id"] for f in stack.files(tenant)] == [media.id]


@pytest.mark.parametrize(
    ("fault", "where"),
    [
        ("drop_after_answer", "/api/v1/media/uploads"),
        ("answer_instead_503", "/api/v1/media/uploads"),
        ("drop_after_answer", "/complete"),
        ("answer_after_502", "/complete"),
        ("in_progress", "/complete"),
    ],
)
def test_every_post_of_a_session_survives_a_fault_with_one_file(
    stack: Stack, tenant: Tenant, tmp_path: Path, fault: str, where: str
) -> None:
    video = mp4_file(tmp_path / "clip.mp4", DEPLOYED_DIRECT_MAX + MIB)
    network = FaultyNetwork()
    if fault == "drop_after_answer":
        network.drop_after_answer("POST", where)
    elif fault == "answer_instead_503":
        network.answer_instead("POST", where, 503, UNAVAILABLE, **{"Retry-After": "0"})
    elif fault == "answer_after_502":
        network.answer_after("POST", where, 502, GATEWAY)
    else:
        busy = {
            "message": "A request with this Idempotency-Key is still being processed.",
            "code": "idempotency_in_progress",
        }
        network.answer_instead("POST", where, 409, busy, **{"Retry-After": "0"})
    with stack.client(tenant, transport=network) as client:
        media = client.upload(video)
    attempts = network.requests("POST", where)
    assert len(attempts) == 2, [a.status for a in attempts]
    one_key(network, "POST", where)
    assert len(network.requests("POST", "/api/v1/media/uploads")) == (2 if where.endswith("uploads") else 1)
    assert [f["id"] for f in stack.files(tenant)] == [media.id]
    assert media.file_size == DEPLOYED_DIRECT_MAX + MIB


def test_bytes_cut_off_on_the_way_to_storage_are_sent_again_with_progress_that_never_goes_back(
    stack: Stack, tenant: Tenant, tmp_path: Path
) -> None:
    video = mp4_file(tmp_path / "clip.mp4", 12 * MIB)
    network = FaultyNetwork()
    storage = httpx.URL(stack.moto_url).port
    network.cut_upload_to(stack.moto_url, after_bytes=5 * MIB)
    calls: list[tuple[int, int]] = []
    with stack.client(tenant, transport=network) as client:
        media = client.upload(video, progress=lambda sent, total: calls.append((sent, total)))
    to_storage = [s for s in network.requests("POST") if httpx.URL(s.url).port == storage]
    assert [s.status for s in to_storage] == ["cut", 204]
    sent = [s for s, _ in calls]
    assert sent == sorted(set(sent)) and sent[0] == 0 and sent[-1] == 12 * MIB
    assert 4 * MIB <= max(s for s in sent if s <= 5 * MIB) <= 5 * MIB  # the cut attempt got this far
    assert [f["id"] for f in stack.files(tenant)] == [media.id]
    served = httpx.get(media.url).content
    assert hashlib.sha256(served).digest() == hashlib.sha256(video.read_bytes()).digest()


def test_storage_asking_for_a_retry_is_retried(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    """S3 answers 400 RequestTimeout when a body stalls, and 503 SlowDown when busy: both mean "send it again"."""
    video = mp4_file(tmp_path / "clip.mp4", DEPLOYED_DIRECT_MAX + MIB)
    storage_port = httpx.URL(stack.moto_url).port
    refusals = [
        (400, b"<Error><Code>RequestTimeout</Code><Message>Your socket connection timed out.</Message></Error>"),
        (503, b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"),
    ]
    real = httpx.HTTPTransport()
    answered: list[int] = []

    def storage_first_refuses(request: httpx.Request) -> httpx.Response:
        if request.url.port == storage_port and refusals:
            status, body = refusals.pop(0)
            request.read()  # the body is read, then refused
            answered.append(status)
            return httpx.Response(status, content=body, headers={"Content-Type": "application/xml"})
        response = real.handle_request(request)
        if request.url.port == storage_port:
            answered.append(response.status_code)
        return response

    with stack.client(tenant, transport=httpx.MockTransport(storage_first_refuses)) as client:
        media = client.upload(video)
    assert answered == [400, 503, 204]
    assert [f["id"] for f in stack.files(tenant)] == [media.id]


def test_throttling_is_retried_after_retry_after(stack: Stack, tenant: Tenant) -> None:
    network = FaultyNetwork()
    throttled = {"message": "Too many requests. Slow down and retry after a second.", "code": "too_many_requests"}
    network.answer_instead("GET", "/api/v1/account", 429, throttled, **{"Retry-After": "1"})
    with stack.client(tenant, transport=network) as client:
        started = time.monotonic()
        account = client.account()
    assert time.monotonic() - started >= 1.0
    assert account.usage.files == 0
    assert [a.status for a in network.requests("GET", "/account")] == [429, 200]


def test_retries_give_up_with_the_last_error(stack: Stack, tenant: Tenant) -> None:
    network = FaultyNetwork()
    for _ in range(4):
        network.answer_instead("GET", "/api/v1/account", 503, UNAVAILABLE, **{"Retry-After": "0"})
    with stack.client(tenant, transport=network) as client, pytest.raises(ServiceUnavailable) as caught:
        client.account()
    assert caught.value.status == 503 and len(network.requests("GET", "/account")) == 4  # 1 + 3 retries
    throttle = {"message": "Request quota exceeded. Retry later.", "code": "too_many_requests"}
    network.answer_instead("GET", "/api/v1/account", 429, throttle, **{"Retry-After": "3600"})
    with stack.client(tenant, transport=network) as client, pytest.raises(TooManyRequests):
        client.account()  # an hour is past what the client waits for: no retry
    assert len(network.requests("GET", "/account")) == 5


def test_other_client_errors_are_never_retried(stack: Stack, tenant: Tenant) -> None:
    network = FaultyNetwork()
    with stack.client(tenant, transport=network) as client, pytest.raises(NotFound):
        client.get(999_999)
    assert len(network.requests("GET")) == 1


def test_a_refused_connection_is_retried_then_reported(stack: Stack, tenant: Tenant) -> None:
    network = FaultyNetwork()
    network.refuse_connection("GET", "/api/v1/account")
    with stack.client(tenant, transport=network) as client:
        assert client.account().name == "Tenant"
    assert [a.status for a in network.requests("GET")] == ["refused", 200]

    url = closed_port_url()
    with pytest.raises(APIConnectionError) as caught:
        Client(api_key=tenant.api_key, base_url=url, retry=RetryPolicy(max_retries=2, backoff_base=0.01)).account()
    assert caught.value.status is None and caught.value.code == "connection_failed"
    assert url in caught.value.message and "3 attempt(s)" in caught.value.message


def test_a_delete_whose_answer_was_lost_is_done_not_an_error(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    network = FaultyNetwork()
    with stack.client(tenant, transport=network) as client:
        media = client.upload(png_file(tmp_path / "gone.png"))
        network.drop_after_answer("DELETE", f"/media/{media.id}")
        client.delete(media.id)
        assert [a.status for a in network.requests("DELETE")] == ["dropped 204", 404]
        assert stack.files(tenant) == []
        with pytest.raises(NotFound):
            client.delete(media.id)  # no earlier attempt: a missing file is an error


def test_backoff_is_full_jitter_below_a_doubling_cap() -> None:
    import random

    policy = RetryPolicy(max_retries=10, backoff_base=0.5, backoff_max=8.0, rng=random.Random(7))
    for attempt, cap in enumerate([0.5, 1, 2, 4, 8, 8, 8]):
        waits = [policy.backoff(attempt) for _ in range(300)]
        assert all(0 <= w <= cap for w in waits)
        assert max(waits) > cap * 0.9 and min(waits) < cap * 0.1  # spread over the whole range
    assert policy.wait(10, None) is None  # out of retries


def test_retry_after_takes_seconds_or_an_http_date() -> None:
    from datetime import UTC, datetime

    from media_client._retry import parse_retry_after

    now = datetime(2026, 3, 8, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3", now) == 3.0
    assert parse_retry_after("Sun, 08 Mar 2026 10:00:05 GMT", now) == 5.0
    assert parse_retry_after("Sun, 08 Mar 2026 09:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None and parse_retry_after(None) is None
