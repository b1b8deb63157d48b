"""The contract (docs/architecture.md, "The MediaFile object", "Types and sizes", "Uploads"): direct multipart
upload (POST /api/v1/media) — the MediaFile
it answers with, what is stored, ids and counters, rejections that leave nothing behind,
the direct-upload size limit and the plan limit."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import caches
from tests.helpers.aws import TEST_ENV
from tests.helpers.http import API, MEDIA_FIELDS, Reply, call, post_form, upload_file, uploaded
from tests.helpers.media import VIDEOS, fixture_bytes, png_bytes
from tests.helpers.stores import counters, key_of, media_items, object_bytes, object_info, session_items, stored_objects
from tests.helpers.tenants import Tenant, make_tenant

PUBLIC_BASE = TEST_ENV["MEDIA_PUBLIC_BASE_URL"]
MEDIA_KEYS = MEDIA_FIELDS
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
ALLOWED = ["jpg", "jpeg", "png", "gif", "mp4", "avi", "mov", "wmv", "flv", "webm"]

# (fixture, file_type, mime_type, metadata) — values of the committed fixture bytes.
FIXTURES = [
    ("sample.jpg", "image", "image/jpeg", {"width": 64, "height": 48}),
    ("sample.png", "image", "image/png", {"width": 50, "height": 40}),
    ("sample.gif", "image", "image/gif", {"width": 32, "height": 20}),
    ("sample.mp4", "video", *VIDEOS["sample.mp4"]),
    ("sample.mov", "video", *VIDEOS["sample.mov"]),
    ("sample.webm", "video", *VIDEOS["sample.webm"]),
    ("sample.avi", "video", *VIDEOS["sample.avi"]),
    ("sample.wmv", "video", *VIDEOS["sample.wmv"]),
    ("sample.flv", "video", *VIDEOS["sample.flv"]),
]


def expected_size_text(size: int) -> str:
    """The contract's formatted_size, written out independently of chalicelib.domain.formats."""
    value, unit = float(size), "B"
    for next_unit in ("KB", "MB", "GB"):
        if value < 1024:
            break
        value, unit = value / 1024, next_unit
    return f"{value:.2f}".rstrip("0").rstrip(".") + f" {unit}"


def assert_media_file(media: dict[str, Any], tenant: Tenant) -> None:
    """Every key and type of the MediaFile object."""
    assert set(media) == MEDIA_KEYS
    assert type(media["id"]) is int and media["id"] >= 1
    for field in (
        "name",
        "original_name",
        "url",
        "file_type",
        "mime_type",
        "extension",
        "formatted_size",
        "uploaded_by",
        "created_at",
        "updated_at",
    ):
        assert isinstance(media[field], str), field
    assert type(media["file_size"]) is int and media["file_size"] > 0
    assert media["formatted_size"] == expected_size_text(media["file_size"])
    assert media["file_type"] in ("image", "video")
    assert media["extension"] == media["extension"].lower() and not media["extension"].startswith(".")
    assert media["uploaded_by"] in ("client", "admin")
    assert media["is_active"] is True
    assert media["metadata"] is None or isinstance(media["metadata"], dict)
    folder = "images" if media["file_type"] == "image" else "videos"
    key = key_of(media)
    assert media["url"] == f"{PUBLIC_BASE}/{key}"
    assert re.fullmatch(
        rf"media/{re.escape(tenant.account_id)}/{folder}/\d+_[A-Za-z0-9]+\.{re.escape(media['extension'])}", key
    ), key
    for stamp in ("created_at", "updated_at"):
        assert TIMESTAMP.match(media[stamp]), media[stamp]
        datetime.strptime(media[stamp], "%Y-%m-%dT%H:%M:%S.%fZ")


def assert_nothing_stored(tenant: Tenant) -> None:
    assert stored_objects(tenant.account_id) == {}
    assert media_items(tenant.account_id) == []
    assert session_items(tenant.account_id) == []
    assert counters(tenant.account_id) == {"media_count": 0, "image_count": 0, "video_count": 0, "bytes_used": 0}


def assert_rejected_file(reply: Reply, case: str = "") -> list[str]:
    assert reply.status == 422, (case, reply.body)
    assert "file" in reply.body["errors"], (case, reply.body)
    return reply.body["errors"]["file"]


# -- the MediaFile answered and what is stored ---------------------------------------------------


def test_upload_answers_201_with_the_media_file(client: Client, tenant: Tenant) -> None:
    for fixture, file_type, mime, metadata in FIXTURES:
        data = fixture_bytes(fixture)
        extension = fixture.rsplit(".", 1)[1]
        reply = upload_file(client, tenant, f"My Clip.{extension.upper()}", data)
        assert reply.status == 201, (fixture, reply.body)
        media = reply.body
        assert_media_file(media, tenant)
        got = {k: media[k] for k in ("file_type", "mime_type", "extension", "file_size", "metadata")}
        assert got == {
            "file_type": file_type,
            "mime_type": mime,
            "extension": extension,
            "file_size": len(data),
            "metadata": metadata,
        }, fixture
        assert media["name"] == media["original_name"] == f"My Clip.{extension.upper()}"
        assert media["uploaded_by"] == "client"
        assert media["created_at"] == media["updated_at"]
        assert object_info(key_of(media)).content_type == mime  # type: ignore[union-attr]
        assert call(client, "GET", f"{API}/media/{media['id']}", tenant).body == media


def test_uploaded_object_is_stored_with_the_sniffed_content_type(client: Client, tenant: Tenant) -> None:
    data = fixture_bytes("sample.jpg")
    media = uploaded(client, tenant, "holiday.jpg", data)
    assert object_info(key_of(media)).content_type == "image/jpeg"  # type: ignore[union-attr]
    assert object_bytes(key_of(media)) == data
    assert list(stored_objects(tenant.account_id)) == [key_of(media)]


def test_mime_type_comes_from_the_bytes_not_the_client(client: Client, tenant: Tenant) -> None:
    # A PNG whose multipart part claims image/jpeg.
    reply = upload_file(client, tenant, "photo.png", png_bytes(), part_type="image/jpeg")
    assert reply.status == 201, reply.body
    assert reply.body["mime_type"] == "image/png"
    assert object_info(key_of(reply.body)).content_type == "image/png"  # type: ignore[union-attr]
    # JPEG bytes behind a .png name: same family, so accepted, typed by content.
    jpeg = upload_file(client, tenant, "really-a-jpeg.png", fixture_bytes("sample.jpg"), part_type="image/png")
    assert jpeg.status == 201, jpeg.body
    assert jpeg.body["mime_type"] == "image/jpeg"
    assert object_info(key_of(jpeg.body)).content_type == "image/jpeg"  # type: ignore[union-attr]


def test_name_defaults_to_the_original_filename_and_the_name_field_overrides_it(client: Client, tenant: Tenant) -> None:
    jpg = fixture_bytes("sample.jpg")
    assert uploaded(client, tenant, "hero-product-v2.jpg", jpg)["name"] == "hero-product-v2.jpg"
    assert uploaded(client, tenant, "hero-product-v2.jpg", jpg, name="")["name"] == "hero-product-v2.jpg"
    named = uploaded(client, tenant, "hero-product-v2.jpg", jpg, name="  Product Hero Image ")
    assert (named["name"], named["original_name"]) == ("Product Hero Image", "hero-product-v2.jpg")


def test_invalid_name_field_is_422_and_nothing_is_stored(client: Client, tenant: Tenant) -> None:
    for name in ("x" * 256, "bad\x07name", "rtl\u202eoverride"):
        reply = upload_file(client, tenant, "ok.png", name=name)
        assert reply.status == 422, (name, reply.body)
        assert "name" in reply.body["errors"]
    assert_nothing_stored(tenant)


def test_ids_increase_per_account_and_are_independent(client: Client, tenant: Tenant, other_tenant: Tenant) -> None:
    assert [uploaded(client, tenant)["id"] for _ in range(3)] == [1, 2, 3]
    assert uploaded(client, other_tenant)["id"] == 1
    assert uploaded(client, tenant)["id"] == 4
    # Each account reads its own id 1.
    mine = call(client, "GET", f"{API}/media/1", tenant).body
    theirs = call(client, "GET", f"{API}/media/1", other_tenant).body
    assert key_of(mine).startswith(f"media/{tenant.account_id}/")
    assert key_of(theirs).startswith(f"media/{other_tenant.account_id}/")


def test_counters_move_with_uploads_and_deletes(client: Client, tenant: Tenant) -> None:
    png, mp4 = png_bytes(), fixture_bytes("sample.mp4")
    image = uploaded(client, tenant, "a.png", png)
    uploaded(client, tenant, "b.png", png)
    video = uploaded(client, tenant, "c.mp4", mp4)
    assert counters(tenant.account_id) == {
        "media_count": 3,
        "image_count": 2,
        "video_count": 1,
        "bytes_used": 2 * len(png) + len(mp4),
    }
    assert call(client, "DELETE", f"{API}/media/{video['id']}", tenant).status == 204
    assert call(client, "DELETE", f"{API}/media/{image['id']}", tenant).status == 204
    assert counters(tenant.account_id) == {
        "media_count": 1,
        "image_count": 1,
        "video_count": 0,
        "bytes_used": len(png),
    }


# -- rejections leave nothing behind -----------------------------------------------------------


DISALLOWED = [
    ("x.txt", b"just some text\n"),
    ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("x.webp", b"RIFF\x1a\x00\x00\x00WEBPVP8 "),
    ("x.php.", b"<?php echo 1; ?>"),
    ("noextension", png_bytes()),
    ("x.exe", png_bytes()),
]
NOT_THE_NAMED_MEDIA = [
    ("x.jpg", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
    ("x.png", b"\x89PNG but not really a png"),
    ("x.gif", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"),
    ("x.mp4", b"PK\x03\x04" + b"\x00" * 64),
]
FAMILY_MISMATCH = [("x.png", "sample.mp4"), ("x.mp4", "sample.png"), ("x.gif", "sample.webm")]


def test_disallowed_extension_is_422_and_nothing_is_stored(client: Client, tenant: Tenant) -> None:
    for filename, data in DISALLOWED:
        messages = assert_rejected_file(upload_file(client, tenant, filename, data), filename)
        assert all(ext in messages[0] for ext in ALLOWED), messages
    assert_nothing_stored(tenant)


def test_html_named_jpg_and_other_impostors_are_422_and_nothing_is_stored(client: Client, tenant: Tenant) -> None:
    for filename, data in NOT_THE_NAMED_MEDIA:
        assert_rejected_file(upload_file(client, tenant, filename, data), filename)
    assert_nothing_stored(tenant)


def test_family_mismatch_is_422_and_nothing_is_stored(client: Client, tenant: Tenant) -> None:
    for filename, fixture in FAMILY_MISMATCH:  # e.g. an MP4 named x.png
        assert_rejected_file(upload_file(client, tenant, filename, fixture_bytes(fixture)), f"{fixture} as {filename}")
    assert_nothing_stored(tenant)


def test_empty_file_is_422_and_nothing_is_stored(client: Client, tenant: Tenant) -> None:
    assert_rejected_file(upload_file(client, tenant, "empty.png", b""))
    assert_nothing_stored(tenant)


def test_missing_file_field_is_422_and_nothing_is_stored(client: Client, tenant: Tenant) -> None:
    assert_rejected_file(post_form(client, tenant, [("name", "No file here")]))
    assert_rejected_file(post_form(client, tenant, [("file", "a plain text field, not a file")]))
    assert_rejected_file(post_form(client, tenant, [("upload", ("x.png", png_bytes(), "image/png"))]))
    assert_nothing_stored(tenant)


# -- size limits ---------------------------------------------------------------------------------


def _set_direct_limit(monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    monkeypatch.setenv("MEDIA_DIRECT_UPLOAD_MAX_BYTES", str(limit))
    caches.reset()


def test_body_over_the_direct_limit_is_413_naming_the_upload_session_flow(
    client: Client, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set_direct_limit(monkeypatch, 1024)
    for padding in (0, 64 * 1024):  # the file over the limit; the whole body far over it
        data = fixture_bytes("sample.mp4") + b"\x00" * padding  # 5.6 KB (+ 64 KB) > 1 KB
        reply = upload_file(client, tenant, "big.mp4", data)
        assert reply.status == 413, (padding, reply.body)
        assert reply.body["code"] == "payload_too_large"
        assert "POST /api/v1/media/uploads" in reply.body["message"]
    assert_nothing_stored(tenant)


def test_file_at_the_direct_limit_is_accepted(client: Client, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    data = fixture_bytes("sample.png")
    _set_direct_limit(monkeypatch, len(data))
    reply = upload_file(client, tenant, "fits.png", data)
    assert reply.status == 201, reply.body


def test_plan_limit_blocks_the_upload_past_it_and_stores_nothing(client: Client) -> None:
    small = make_tenant("Small plan", media_limit=2)
    first, second = uploaded(client, small, "1.png"), uploaded(client, small, "2.png")
    before = counters(small.account_id)

    reply = upload_file(client, small, "3.png")
    assert reply.status == 403
    assert reply.body["code"] == "media_limit_reached"
    assert reply.body["limit"] == 2
    assert reply.body["used"] == 2
    assert set(stored_objects(small.account_id)) == {key_of(first), key_of(second)}
    assert len(media_items(small.account_id)) == 2
    assert [s.status for s in session_items(small.account_id)] == ["completed", "completed"]
    assert counters(small.account_id) == before

    # Deleting a file frees its slot.
    assert call(client, "DELETE", f"{API}/media/{first['id']}", small).status == 204
    assert upload_file(client, small, "3.png").status == 201


def test_plan_limit_of_zero_refuses_every_upload(client: Client) -> None:
    none_allowed = make_tenant("Frozen", media_limit=0)
    reply = upload_file(client, none_allowed, "1.png")
    assert reply.status == 403
    assert (reply.body["code"], reply.body["limit"], reply.body["used"]) == ("media_limit_reached", 0, 0)
    assert_nothing_stored(none_allowed)


# -- hostile filenames ------------------------------------------------------------------------------


def _is_unsafe(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Cs")


HOSTILE_FILENAMES = [
    ("../../etc/passwd.png", "passwd.png"),
    ("..\\..\\windows\\system32\\evil.png", "evil.png"),
    ("C:\\Users\\me\\Pictures\\pic.png", "pic.png"),
    ("nul\x00byte.png", "nulbyte.png"),
    ("invoice\u202egnp.exe.png", "invoicegnp.exe.png"),
    ("tab\tname.png", "tabname.png"),
]


def test_hostile_filenames_are_stored_cleaned(client: Client, tenant: Tenant) -> None:
    for filename, cleaned in HOSTILE_FILENAMES:
        media = uploaded(client, tenant, filename)
        assert (media["original_name"], media["name"]) == (cleaned, cleaned), repr(filename)
        assert not any(_is_unsafe(c) for c in media["original_name"] + media["name"])
        key = key_of(media)
        assert ".." not in key and "\\" not in key and "etc" not in key.split("/"), key
        assert key in stored_objects(tenant.account_id)


def test_very_long_filename_is_shortened_keeping_its_extension(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "a" * 400 + ".png")
    assert len(media["original_name"]) <= 255
    assert media["original_name"].endswith(".png")
    assert media["extension"] == "png"
