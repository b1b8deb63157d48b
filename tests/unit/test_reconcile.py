"""The reconciler converges storage and records after lost events and half-done work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from chalice.test import Client

from chalicelib.domain.clock import TIMESTAMP_FORMAT
from chalicelib.models import UploadItem as UploadSession
from chalicelib.reconcile import reconcile
from tests.helpers.aws import TEST_ENV
from tests.helpers.events import s3_event
from tests.helpers.http import upload
from tests.helpers.media import png_bytes
from tests.helpers.stores import object_exists, stored_account, stored_media, stored_session
from tests.helpers.tenants import Tenant
from tests.helpers.uploads import send, started

BUCKET = TEST_ENV["MEDIA_BUCKET"]
NOW = timedelta(0)


def test_object_whose_event_was_dropped_is_ingested(client: Client, tenant: Tenant) -> None:
    body = started(client, tenant, filename="late.png")
    key = send(body, png_bytes(40, 30))
    report = reconcile(min_age=NOW)
    assert report.ingested == [key]
    listed = client.http.get("/api/v1/media", headers=tenant.headers).json_body
    assert listed["meta"]["total"] == 1
    assert listed["data"][0]["metadata"] == {"width": 40, "height": 30}
    assert stored_session(body["id"]).status == "completed"
    # The promotion's own event makes the thumbnail; with none here, the next pass does.
    assert reconcile(min_age=NOW).thumbnails == [listed["data"][0]["url"].split("/", 3)[3]]
    assert reconcile(min_age=NOW).fixed == 0


@pytest.mark.moto
def test_objects_nobody_issued_are_removed(client: Client, tenant: Tenant) -> None:
    stray = f"media/{tenant.account_id}/images/1700000000_{'ab' * 16}.png"
    boto3.client("s3", region_name="us-east-1").put_object(Bucket=BUCKET, Key=stray, Body=png_bytes())
    report = reconcile(min_age=NOW)
    assert report.removed_objects == [stray]
    assert not object_exists(stray)
    assert stored_account(tenant.account_id).media_count == 0


@pytest.mark.moto
def test_record_whose_object_is_gone_is_removed_with_its_counters(client: Client, tenant: Tenant) -> None:
    media = upload(client, tenant, "gone.png").json_body
    key = stored_media(tenant.account_id, media["id"]).storage_key
    boto3.client("s3", region_name="us-east-1").delete_object(Bucket=BUCKET, Key=key)
    report = reconcile(min_age=NOW)
    assert report.removed_records == [f"{tenant.account_id}/{media['id']}"]
    account = stored_account(tenant.account_id)
    assert (account.media_count, account.image_count, account.bytes_used) == (0, 0, 0)
    assert client.http.get(f"/api/v1/media/{media['id']}", headers=tenant.headers).status_code == 404


@pytest.mark.moto
def test_expired_session_with_nothing_stored_is_closed(client: Client, tenant: Tenant) -> None:
    body = started(client, tenant)
    past = (datetime.now(UTC) - timedelta(hours=1)).strftime(TIMESTAMP_FORMAT)
    UploadSession(body["id"]).update(actions=[UploadSession.expires_at.set(past)])
    report = reconcile(min_age=NOW)
    assert report.expired_sessions == [body["id"]]
    shown = client.http.get(f"/api/v1/media/uploads/{body['id']}", headers=tenant.headers).json_body
    assert (shown["status"], shown["error"]["code"]) == ("rejected", "upload_expired")


def test_bad_object_found_by_the_reconciler_is_rejected_and_deleted(client: Client, tenant: Tenant) -> None:
    body = started(client, tenant, filename="fake.png")
    key = send(body, b"GIF89a not really an image")
    report = reconcile(min_age=NOW)
    assert report.rejected == [key]
    assert not object_exists(key)
    assert stored_session(body["id"]).status == "rejected"


@pytest.mark.moto
def test_recent_objects_and_records_are_left_to_their_own_event(client: Client, tenant: Tenant) -> None:
    body = started(client, tenant)
    key = send(body, png_bytes())
    stray = f"media/{tenant.account_id}/images/1700000000_{'cd' * 16}.png"
    boto3.client("s3", region_name="us-east-1").put_object(Bucket=BUCKET, Key=stray, Body=png_bytes())
    report = reconcile()  # default min_age: everything here is seconds old
    assert report.fixed == 0
    assert object_exists(key) and object_exists(stray)


def test_consistent_library_needs_no_fix(client: Client, tenant: Tenant) -> None:
    for name in ("a.png", "b.png"):
        media = upload(client, tenant, name).json_body
        key = stored_media(tenant.account_id, media["id"]).storage_key
        assert client.lambda_.invoke("derivatives", s3_event(key)).payload == {
            "results": ["thumbnail made, rendition not_needed"]
        }
    report = reconcile(min_age=NOW)
    assert (report.objects, report.records, report.fixed, report.errors) == (2, 2, 0, [])
    assert report.to_json()["fixed"] == 0


def test_images_whose_thumbnail_event_was_lost_get_one(client: Client, tenant: Tenant) -> None:
    media = upload(client, tenant, "lost.png", png_bytes(900, 600)).json_body
    assert media["thumbnail_url"] is None
    report = reconcile(min_age=NOW)
    assert len(report.thumbnails) == 1
    thumb = client.http.get(f"/api/v1/media/{media['id']}", headers=tenant.headers).json_body["thumbnail_url"]
    assert thumb == f"{TEST_ENV['MEDIA_PUBLIC_BASE_URL']}/thumbs/{tenant.account_id}/" + media["url"].rsplit("/", 1)[
        1
    ].replace(".png", ".webp")


@pytest.mark.moto
def test_thumbnails_nobody_names_are_removed(client: Client, tenant: Tenant) -> None:
    stray = f"thumbs/{tenant.account_id}/1700000000_{'ef' * 16}.webp"
    boto3.client("s3", region_name="us-east-1").put_object(Bucket=BUCKET, Key=stray, Body=b"RIFF")
    assert reconcile(min_age=NOW).removed_objects == [stray]
    assert not object_exists(stray)


def test_scheduled_handler_runs_the_reconciler(client: Client, tenant: Tenant) -> None:
    body = started(client, tenant)
    send(body, png_bytes())
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])
    result = client.lambda_.invoke("reconcile", event)
    # The scheduled run keeps the safety margin: a seconds-old object is left alone.
    assert result.payload["fixed"] == 0
    assert result.payload["objects"] == 1
