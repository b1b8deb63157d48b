"""Get, rename, delete (docs/architecture.md, "Get, rename, delete"): GET / PUT (rename) / DELETE /api/v1/media/{id}."""

from __future__ import annotations

from typing import Any

from chalice.test import Client

from tests.helpers.http import API, call, put_json, uploaded
from tests.helpers.media import png_bytes
from tests.helpers.stores import counters, key_of, media_items, object_bytes, stored_objects
from tests.helpers.tenants import Tenant


def assert_not_found(reply: Any) -> None:
    assert reply.status == 404, reply.body
    assert reply.body["code"] == "not_found"


def item(client: Client, tenant: Tenant, media_id: Any) -> dict[str, Any]:
    reply = call(client, "GET", f"{API}/media/{media_id}", tenant)
    assert reply.status == 200, reply.body
    return reply.body


# -- get -----------------------------------------------------------------------------------------


def test_get_returns_the_media_file(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "hero.png", name="Hero")
    assert item(client, tenant, media["id"]) == media


def test_missing_id_is_404(client: Client, tenant: Tenant) -> None:
    uploaded(client, tenant)
    assert_not_found(call(client, "GET", f"{API}/media/2", tenant))


def test_non_numeric_or_zero_id_is_404(client: Client, tenant: Tenant) -> None:
    uploaded(client, tenant)
    problems = []
    for raw_id in ("0", "00", "abc", "-1", "1.0", "1e3", "%20", "99999999999999999999999"):
        for method in ("GET", "PUT", "DELETE"):
            reply = call(
                client,
                method,
                f"{API}/media/{raw_id}",
                tenant,
                headers={"Content-Type": "application/json"},
                body='{"name": "New"}' if method == "PUT" else None,
            )
            if (reply.status, reply.body.get("code")) != (404, "not_found"):
                problems.append(f"{method} {raw_id}: {reply.status} {reply.body}")
    assert not problems, problems
    assert item(client, tenant, 1)["name"] == "photo.png"


# -- rename --------------------------------------------------------------------------------------


def test_rename_changes_only_name_and_updated_at(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "hero.png")
    reply = put_json(client, tenant, media["id"], {"name": "  Product Hero Image  "})
    assert reply.status == 200, reply.body
    renamed = reply.body
    assert renamed["name"] == "Product Hero Image"
    assert renamed["updated_at"] != media["updated_at"]
    assert renamed["updated_at"] > media["created_at"]
    unchanged = {k: v for k, v in media.items() if k not in ("name", "updated_at")}
    assert {k: v for k, v in renamed.items() if k not in ("name", "updated_at")} == unchanged
    assert item(client, tenant, media["id"]) == renamed


def test_rename_ignores_unknown_and_read_only_fields(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "hero.png")
    before_objects = stored_objects(tenant.account_id)
    payload = {
        "name": "Renamed",
        "id": 99,
        "file_size": 1,
        "uploaded_by": "admin",
        "is_active": False,
        "url": "https://evil.example/x.png",
        "mime_type": "text/html",
        "file_type": "video",
        "original_name": "evil.exe",
        "metadata": {"width": 1},
        "created_at": "2000-01-01T00:00:00.000000Z",
        "account_id": "someone-else",
    }
    reply = put_json(client, tenant, media["id"], payload)
    assert reply.status == 200, reply.body
    expected = {**media, "name": "Renamed", "updated_at": reply.body["updated_at"]}
    assert reply.body == expected
    assert item(client, tenant, media["id"]) == expected
    assert call(client, "GET", f"{API}/media/99", tenant).status == 404
    assert stored_objects(tenant.account_id).keys() == before_objects.keys()
    # Still a client file: the API can delete it.
    assert call(client, "DELETE", f"{API}/media/{media['id']}", tenant).status == 204


def test_rename_accepts_255_characters_after_trimming(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant)
    name = "n" * 255
    reply = put_json(client, tenant, media["id"], {"name": f"   {name}   "})
    assert reply.status == 200, reply.body
    assert reply.body["name"] == name


INVALID_RENAMES = {
    "empty": {"name": ""},
    "spaces": {"name": "   "},
    "whitespace": {"name": "\t\n "},
    "256-chars": {"name": "x" * 256},
    "nul": {"name": "bad\x00name"},
    "bell": {"name": "bell\x07"},
    "newline": {"name": "line\nbreak"},
    "rtl-override": {"name": "photo\u202egnp.exe"},
    "number": {"name": 123},
    "bool": {"name": True},
    "list": {"name": ["a"]},
    "object": {"name": {"text": "a"}},
    "null": {"name": None},
    "missing": {},
    "other-field": {"title": "Wrong field"},
    "array-body": ["name", "x"],
    "string-body": "just a string",
    "null-body": None,
}


def test_invalid_rename_is_422_and_changes_nothing(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "keep.png")
    problems = []
    for label, payload in INVALID_RENAMES.items():
        reply = put_json(client, tenant, media["id"], payload)
        if reply.status != 422 or "name" not in reply.body.get("errors", {}):
            problems.append(f"{label}: {reply.status} {reply.body}")
    assert not problems, problems
    assert item(client, tenant, media["id"]) == media


def test_rename_of_a_missing_file_is_404(client: Client, tenant: Tenant) -> None:
    assert_not_found(put_json(client, tenant, 42, {"name": "Ghost"}))
    assert media_items(tenant.account_id) == []  # the update created nothing


# -- delete --------------------------------------------------------------------------------------


def test_delete_is_204_and_removes_record_and_object(client: Client, tenant: Tenant) -> None:
    keep = uploaded(client, tenant, "keep.png")
    media = uploaded(client, tenant, "gone.png")
    reply = call(client, "DELETE", f"{API}/media/{media['id']}", tenant)
    assert reply.status == 204
    assert reply.body is None  # empty body (checked by check_body)
    assert_not_found(call(client, "GET", f"{API}/media/{media['id']}", tenant))
    assert [m.media_id for m in media_items(tenant.account_id)] == [keep["id"]]
    assert list(stored_objects(tenant.account_id)) == [key_of(keep)]
    listed = call(client, "GET", f"{API}/media", tenant).body
    assert [m["id"] for m in listed["data"]] == [keep["id"]]
    assert listed["meta"]["total"] == 1


def test_second_delete_is_404(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant)
    assert call(client, "DELETE", f"{API}/media/{media['id']}", tenant).status == 204
    before = counters(tenant.account_id)
    assert_not_found(call(client, "DELETE", f"{API}/media/{media['id']}", tenant))
    assert (
        counters(tenant.account_id)
        == before
        == {
            "media_count": 0,
            "image_count": 0,
            "video_count": 0,
            "bytes_used": 0,
        }
    )


def test_deleted_id_is_not_reused(client: Client, tenant: Tenant) -> None:
    first = uploaded(client, tenant)
    assert call(client, "DELETE", f"{API}/media/{first['id']}", tenant).status == 204
    assert uploaded(client, tenant)["id"] > first["id"]


def test_admin_file_cannot_be_deleted_and_nothing_changes(client: Client, tenant: Tenant) -> None:
    from chalicelib import uploads
    from chalicelib.domain.names import Uploader

    uploads.upload_direct(tenant.account_id, "a.png", png_bytes(), uploaded_by=Uploader.ADMIN)
    admin = item(client, tenant, 1)
    assert admin["uploaded_by"] == "admin"
    before = (media_items(tenant.account_id), stored_objects(tenant.account_id), counters(tenant.account_id))

    reply = call(client, "DELETE", f"{API}/media/{admin['id']}", tenant)
    assert reply.status == 403
    assert reply.body["code"] == "admin_file"

    assert item(client, tenant, admin["id"]) == admin
    after = (media_items(tenant.account_id), stored_objects(tenant.account_id), counters(tenant.account_id))
    assert after[0] == before[0]
    assert after[1].keys() == before[1].keys() == {key_of(admin)}
    assert after[2] == before[2]
    assert object_bytes(key_of(admin)) == png_bytes()
