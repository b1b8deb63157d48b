"""Upload sessions: presigned forms, complete, S3-event ingest, expiry, rejection."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from chalice.test import Client

from chalicelib import caches
from chalicelib.domain.clock import TIMESTAMP_FORMAT
from chalicelib.models import UploadItem as UploadSession
from tests.helpers.aws import TEST_ENV
from tests.helpers.events import s3_event
from tests.helpers.http import call
from tests.helpers.media import fixture_bytes, png_bytes
from tests.helpers.stores import (
    key_of,
    keys_under,
    object_bytes,
    object_exists,
    put_object,
    s3,
    stored_account,
    stored_session,
)
from tests.helpers.tenants import Tenant, make_tenant
from tests.helpers.uploads import complete, send, start, started

BUCKET = TEST_ENV["MEDIA_BUCKET"]


def test_start_returns_a_pending_session_with_a_presigned_post(client: Client, tenant: Tenant) -> None:
    body = started(client, tenant, filename="Hero Shot.PNG", file_size=2048, name="Hero")
    assert body["status"] == "pending"
    assert body["max_size"] == 2048  # the form takes no more than was declared
    assert len(body["id"]) == 32
    form = body["upload"]
    assert form["method"] == "POST"
    # A private staging key: never the public one the file will have (docs/architecture.md, "Uploads").
    assert form["fields"]["key"] == f"uploads/{tenant.account_id}/{body['id']}"
    expires = datetime.strptime(body["expires_at"], TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    assert timedelta(0) < expires - datetime.now(UTC) <= timedelta(minutes=15)


@pytest.mark.moto
def test_post_policy_pins_key_size_range_type_and_short_expiry(client: Client, tenant: Tenant) -> None:
    body = started(client, tenant, filename="clip.mp4", file_size=10_000_000)
    fields = body["upload"]["fields"]
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert {"key": fields["key"]} in conditions
    assert {"bucket": BUCKET} in conditions
    assert {"Content-Type": "video/mp4"} in conditions
    assert ["content-length-range", 1, 10_000_000] in conditions  # bounded by the declared size
    assert not any("tagging" in c for c in conditions if isinstance(c, dict))
    assert not any(isinstance(c, list) and c[0] == "starts-with" for c in conditions)
    expiration = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert expiration - datetime.now(UTC) <= timedelta(minutes=15)


@pytest.mark.moto
def test_put_presigning_signs_type_and_length(client: Client, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIA_PRESIGN_METHOD", "put")
    monkeypatch.setenv("MEDIA_UPLOAD_EXPIRES_SECONDS", "300")
    caches.reset()
    body = started(client, tenant, filename="clip.webm", file_size=12345)
    form = body["upload"]
    assert form["method"] == "PUT"
    assert form["headers"]["Content-Type"] == "video/webm"
    assert form["headers"]["Content-Length"] == "12345"
    query = parse_qs(urlparse(form["url"]).query)
    signed = query["X-Amz-SignedHeaders"][0].split(";")
    assert {"content-type", "content-length", "host"} <= set(signed)
    assert query["X-Amz-Expires"] == ["300"]
    assert urlparse(form["url"]).path.endswith(f"/uploads/{tenant.account_id}/{body['id']}")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"filename": "notes.txt"}, "filename"),
        ({"filename": None}, "filename"),
        ({"file_size": 0}, "file_size"),
        ({"file_size": 52_428_801}, "file_size"),
        ({"file_size": "12"}, "file_size"),
        ({"content_type": "text/html"}, "content_type"),
        ({"content_type": "video/mp4"}, "content_type"),
        ({"name": "bad\x00name"}, "name"),
    ],
)
def test_start_rejects_bad_declarations_with_field_errors(
    client: Client, tenant: Tenant, body: dict[str, Any], field: str
) -> None:
    response = start(client, tenant, **body)
    assert response.status == 422
    assert response.body["code"] == "validation_failed"
    assert field in response.body["errors"]


def test_start_with_malformed_json_is_400(client: Client, tenant: Tenant) -> None:
    response = client.http.post(
        "/api/v1/media/uploads", headers={**tenant.headers, "Content-Type": "application/json"}, body="{"
    )
    assert response.status_code == 400


def test_start_at_the_plan_limit_is_403_before_any_upload(client: Client, aws: None) -> None:
    tenant = make_tenant("Small", media_limit=0)
    response = start(client, tenant)
    assert response.status == 403
    assert response.body == {
        "message": response.body["message"],
        "code": "media_limit_reached",
        "limit": 0,
        "used": 0,
    }


def test_complete_records_the_file_201_then_200_with_the_same_file(client: Client, tenant: Tenant) -> None:
    body = started(client, tenant, filename="hero.png", name="Hero")
    key = send(body, png_bytes(64, 48))
    first = complete(client, tenant, body["id"])
    assert first.status == 201
    media = first.body
    assert (media["name"], media["original_name"], media["mime_type"]) == ("Hero", "hero.png", "image/png")
    assert media["metadata"] == {"width": 64, "height": 48}
    assert media["url"].startswith(f"https://cdn.example.test/media/{tenant.account_id}/images/")
    assert media["url"].endswith(".png")
    assert not object_exists(key)  # promoted, then removed from the staging area
    assert object_bytes(key_of(media)) == png_bytes(64, 48)
    again = complete(client, tenant, body["id"])
    assert again.status == 200
    assert again.body == media
    shown = client.http.get(f"/api/v1/media/uploads/{body['id']}", headers=tenant.headers).json_body
    assert shown["status"] == "completed"
    assert shown["media"] == media
    assert stored_account(tenant.account_id).media_count == 1


def test_complete_before_the_bytes_arrive_is_409(client: Client, tenant: Tenant) -> None:
    body = started(client, tenant)
    response = complete(client, tenant, body["id"])
    assert response.status == 409
    assert response.body["code"] == "upload_not_received"
    assert (
        client.http.get(f"/api/v1/media/uploads/{body['id']}", headers=tenant.headers).json_body["status"] == "pending"
    )


def test_s3_event_records_the_file_without_complete(client: Client, tenant: Tenant) -> None:
    body = started(client, tenant, filename="clip.mp4", file_size=len(fixture_bytes("sample.mp4")))
    key = send(body, fixture_bytes("sample.mp4"))
    result = client.lambda_.invoke("ingest", s3_event(key))
    assert result.payload == {"results": ["recorded"]}
    listed = client.http.get("/api/v1/media", headers=tenant.headers).json_body["data"]
    assert [m["file_type"] for m in listed] == ["video"]
    assert listed[0]["metadata"]["width"] > 0 and listed[0]["metadata"]["duration"] > 0
    # complete afterwards finds it done: first acknowledgement still 201, same file.
    done = complete(client, tenant, body["id"])
    assert done.status == 201
    assert done.body == listed[0]


def test_event_keys_are_url_decoded(client: Client, tenant: Tenant) -> None:
    body = started(client, tenant, filename="a b+c.png")
    key = send(body, png_bytes())
    event = s3_event(key)
    assert client.lambda_.invoke("ingest", event).payload == {"results": ["recorded"]}


def test_duplicate_events_record_once(client: Client, tenant: Tenant) -> None:
    body = started(client, tenant)
    key = send(body, png_bytes())
    outcomes = [client.lambda_.invoke("ingest", s3_event(key)).payload["results"][0] for _ in range(3)]
    assert outcomes == ["recorded", "existing", "existing"]
    account = stored_account(tenant.account_id)
    assert (account.media_count, account.image_count) == (1, 1)


@pytest.mark.parametrize(
    "key",
    [
        "uploads/unknown/0123456789abcdef0123456789abcdef",
        "media/unknown/images/1700000000_0123456789abcdef0123456789abcdef.png",
        "elsewhere/file.png",
        "uploads/acc/../../etc/passwd",
    ],
)
def test_events_for_unknown_keys_are_ignored_and_change_nothing(client: Client, tenant: Tenant, key: str) -> None:
    put_object(key, png_bytes())
    assert client.lambda_.invoke("ingest", s3_event(key)).payload == {"results": ["ignored"]}
    assert stored_account(tenant.account_id).media_count == 0


@pytest.mark.moto
def test_event_for_a_key_under_another_account_is_ignored(client: Client, tenant: Tenant, other_tenant: Tenant) -> None:
    body = started(client, tenant)
    key = send(body, png_bytes())
    forged = key.replace(f"uploads/{tenant.account_id}/", f"uploads/{other_tenant.account_id}/")
    s3().copy_object(Bucket=BUCKET, Key=forged, CopySource={"Bucket": BUCKET, "Key": key})
    assert client.lambda_.invoke("ingest", s3_event(forged)).payload == {"results": ["ignored"]}
    assert stored_account(other_tenant.account_id).media_count == 0


def test_event_for_another_bucket_is_ignored(client: Client, tenant: Tenant) -> None:
    body = started(client, tenant)
    key = send(body, png_bytes())
    assert client.lambda_.invoke("ingest", s3_event(key, bucket="someone-else")).payload == {"results": ["ignored"]}


def test_bad_content_is_rejected_deleted_and_reported(client: Client, tenant: Tenant) -> None:
    body = started(client, tenant, filename="photo.jpg")
    key = send(body, b"<html><script>alert(1)</script></html>")
    response = complete(client, tenant, body["id"])
    assert response.status == 422
    assert "file" in response.body["errors"]
    assert not object_exists(key)
    shown = client.http.get(f"/api/v1/media/uploads/{body['id']}", headers=tenant.headers).json_body
    assert shown["status"] == "rejected"
    assert shown["error"]["code"] == "unsupported_content"
    assert complete(client, tenant, body["id"]).status == 422
    assert stored_account(tenant.account_id).media_count == 0


def test_plan_filled_meanwhile_rejects_at_ingest_with_403(client: Client, aws: None) -> None:
    tenant = make_tenant("Tight", media_limit=1)
    first, second = started(client, tenant), started(client, tenant)
    send(first, png_bytes())
    second_key = send(second, png_bytes())
    assert complete(client, tenant, first["id"]).status == 201
    response = complete(client, tenant, second["id"])
    assert response.status == 403
    assert (response.body["limit"], response.body["used"]) == (1, 1)
    assert not object_exists(second_key)


def _expire(upload_id: str) -> None:
    past = (datetime.now(UTC) - timedelta(hours=1)).strftime(TIMESTAMP_FORMAT)
    UploadSession(upload_id).update(actions=[UploadSession.expires_at.set(past)])


@pytest.mark.moto
def test_expired_session_cannot_complete(client: Client, tenant: Tenant) -> None:
    body = started(client, tenant)
    _expire(body["id"])
    response = complete(client, tenant, body["id"])
    assert response.status == 410
    assert response.body["code"] == "upload_expired"
    assert (
        client.http.get(f"/api/v1/media/uploads/{body['id']}", headers=tenant.headers).json_body["status"] == "rejected"
    )


@pytest.mark.moto
def test_bytes_arriving_after_expiry_are_rejected_and_deleted(client: Client, tenant: Tenant) -> None:
    body = started(client, tenant)
    _expire(body["id"])
    key = send(body, png_bytes())
    response = complete(client, tenant, body["id"])
    assert response.status == 410
    assert not object_exists(key)


def test_sessions_are_private_to_their_account(client: Client, tenant: Tenant, other_tenant: Tenant) -> None:
    body = started(client, tenant)
    send(body, png_bytes())
    for reply in (
        call(client, "GET", f"/api/v1/media/uploads/{body['id']}", other_tenant),
        complete(client, other_tenant, body["id"]),
    ):
        assert reply.status == 404
        assert reply.body["code"] == "not_found"
    assert stored_session(body["id"]).status == "pending"


def test_unknown_or_malformed_session_id_is_404(client: Client, tenant: Tenant) -> None:
    for upload_id in ("0" * 32, "nope", "A" * 32):
        assert client.http.get(f"/api/v1/media/uploads/{upload_id}", headers=tenant.headers).status_code == 404


# -- bytes that change while ingest checks them (docs/architecture.md, "Uploads") ----------------------------


Hook = Callable[..., None]


def _on(operation: str, action: Callable[[dict[str, Any]], None]) -> Hook:
    """Run ``action(params)`` before each ``operation`` the service's S3 client makes."""
    from chalicelib import storage

    def hook(params: dict[str, Any], **_: Any) -> None:
        action(params)

    storage.client().meta.events.register(f"before-parameter-build.s3.{operation}", hook)
    return hook


def _off(operation: str, hook: Hook) -> None:
    from chalicelib import storage

    storage.client().meta.events.unregister(f"before-parameter-build.s3.{operation}", hook)


@contextmanager
def _first(operation: str, action: Callable[[], None]) -> Iterator[None]:
    """Run ``action()`` once, just before the service's first ``operation`` in the block."""
    done: list[bool] = []

    def once(params: dict[str, Any]) -> None:
        if not done:
            done.append(True)
            action()

    hook = _on(operation, once)
    try:
        yield
    finally:
        _off(operation, hook)


@pytest.mark.moto
def test_every_read_and_the_promotion_are_conditional_on_the_checked_etag(client: Client, tenant: Tenant) -> None:
    body = started(client, tenant, filename="hero.png", file_size=len(png_bytes(30, 20)))
    key = send(body, png_bytes(30, 20))
    etag = s3().head_object(Bucket=BUCKET, Key=key)["ETag"]
    seen: list[tuple[str, str | None]] = []
    reads = _on("GetObject", lambda p: seen.append(("read", p.get("IfMatch"))))
    copies = _on("CopyObject", lambda p: seen.append(("copy", p.get("CopySourceIfMatch"))))
    try:
        assert complete(client, tenant, body["id"]).status == 201
    finally:
        _off("GetObject", reads)
        _off("CopyObject", copies)
    assert seen and seen[-1] == ("copy", etag)
    assert {condition for _, condition in seen} == {etag}


@pytest.mark.moto
def test_bytes_replaced_while_they_are_checked_are_checked_again_and_recorded_as_sent_last(
    client: Client, tenant: Tenant
) -> None:
    first, second = png_bytes(30, 20), png_bytes(90, 70, "blue")
    body = started(client, tenant, filename="hero.png", file_size=max(len(first), len(second)))
    key = send(body, first)

    def resend() -> None:  # the form, sent again while the first bytes are read
        s3().put_object(Bucket=BUCKET, Key=key, Body=second, ContentType="image/png")

    with _first("GetObject", resend):
        response = complete(client, tenant, body["id"])
    assert response.status == 201, response.body
    media = response.body
    assert (media["file_size"], media["metadata"]) == (len(second), {"width": 90, "height": 70})
    assert object_bytes(key_of(media)) == second


@pytest.mark.moto
def test_a_copy_that_ignored_its_condition_is_withdrawn_and_the_new_bytes_checked(
    client: Client, tenant: Tenant
) -> None:
    """moto ignores CopySourceIfMatch (docs/architecture.md, "Platform facts"): the copy's ETag tells, and unchecked
    bytes are never published."""
    page = b"<html><script>alert(1)</script></html>"
    body = started(client, tenant, filename="hero.png", file_size=1000)
    key = send(body, png_bytes(30, 20))

    def swap() -> None:
        s3().put_object(Bucket=BUCKET, Key=key, Body=page, ContentType="image/png")

    with _first("CopyObject", swap):
        response = complete(client, tenant, body["id"])
    assert response.status == 422, response.body
    assert response.body["errors"]["file"][0].startswith("The file's content is not an image or a video")
    assert keys_under("media/") == []
    assert not object_exists(key)
    assert stored_account(tenant.account_id).media_count == 0


@pytest.mark.moto
def test_content_refused_by_the_event_while_complete_reads_it_is_422_for_complete_too(
    client: Client, tenant: Tenant
) -> None:
    """The storage event and `complete` check the same bytes at once; the event refuses them
    first and removes the staged object while `complete` is reading it."""
    page = b"<html><script>alert(1)</script></html>" + bytes(2048)
    body = started(client, tenant, filename="fake.jpg", file_size=len(page))
    key = send(body, page)
    raced: list[str] = []

    def event_first() -> None:
        raced.append("event")
        raced.append(client.lambda_.invoke("ingest", s3_event(key)).payload["results"][0])

    with _first("GetObject", event_first):
        response = complete(client, tenant, body["id"])
    assert raced == ["event", "rejected"]
    assert response.status == 422, response.body
    assert response.body["code"] == "validation_failed"
    assert stored_session(body["id"]).status == "rejected"
    assert not object_exists(key)


def test_a_re_sent_form_after_completion_changes_nothing_and_leaves_nothing(client: Client, tenant: Tenant) -> None:
    body = started(client, tenant, filename="hero.png", file_size=5000)
    key = send(body, png_bytes(30, 20))
    media = complete(client, tenant, body["id"]).body
    send(body, b"<html>other bytes</html>")
    assert client.lambda_.invoke("ingest", s3_event(key)).payload == {"results": ["existing"]}
    assert not object_exists(key)  # the staged leftover is gone
    assert object_bytes(key_of(media)) == png_bytes(30, 20)
    assert client.http.get(f"/api/v1/media/{media['id']}", headers=tenant.headers).json_body == media
