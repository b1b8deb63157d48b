"""Invisible characters through the routes (docs/architecture.md, "Get, rename, delete"):
refused in names on every route that takes one, dropped from original filenames."""

from __future__ import annotations

from chalice.test import Client

from tests.helpers.http import put_json, upload_file
from tests.helpers.tenants import Tenant
from tests.helpers.uploads import start


def test_a_name_with_a_zero_width_space_is_refused_on_every_route(client: Client, tenant: Tenant) -> None:
    message = "The name field must not contain control characters (U+200B ZERO WIDTH SPACE)."
    stored = upload_file(client, tenant, "photo.png")
    renamed = put_json(client, tenant, stored.body["id"], {"name": "Sum\u200bmer"})
    direct = upload_file(client, tenant, "photo.png", name="Sum\u200bmer")
    session = start(client, tenant, name="Sum\u200bmer")
    for reply in (renamed, direct, session):
        assert (reply.status, reply.body["errors"]) == (422, {"name": [message]})


def test_a_line_separator_in_a_name_is_refused(client: Client, tenant: Tenant) -> None:
    stored = upload_file(client, tenant, "photo.png")
    reply = put_json(client, tenant, stored.body["id"], {"name": "first\u2028second"})
    assert reply.status == 422 and "U+2028 LINE SEPARATOR" in reply.body["message"]


def test_original_filenames_are_stored_without_invisible_characters(client: Client, tenant: Tenant) -> None:
    reply = upload_file(client, tenant, "\ufeffhol\u200biday\u2029.png")
    assert reply.status == 201, reply.body
    assert (reply.body["original_name"], reply.body["name"]) == ("holiday.png", "holiday.png")
    persian = upload_file(client, tenant, "نامه\u200cها.png")
    assert persian.body["original_name"] == "نامه\u200cها.png"
