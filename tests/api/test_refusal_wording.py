"""Refusals a person reads: the file's name, sizes as people read them, what is allowed.
The code, the field names of ``errors`` and the status stay the contract's."""

from __future__ import annotations

import json

from chalice.test import Client

from tests.helpers.http import API, call, upload_file
from tests.helpers.tenants import Tenant

TYPES = "jpg, jpeg, png, gif, mp4, avi, mov, wmv, flv, webm"
MB = 1024 * 1024


def start(client: Client, tenant: Tenant, **body: object) -> tuple[int, dict[str, object]]:
    reply = call(
        client,
        "POST",
        f"{API}/media/uploads",
        tenant,
        headers={"Content-Type": "application/json"},
        body=json.dumps(body),
    )
    return reply.status, reply.body


def test_a_file_over_the_limit_is_named_with_both_sizes(client: Client, tenant: Tenant) -> None:
    status, body = start(client, tenant, filename="big.mp4", file_size=60 * MB)
    assert (status, body["code"]) == (422, "validation_failed")
    assert body["message"] == "big.mp4 is 60 MB; the limit is 50 MB."
    assert body["errors"] == {"file_size": ["big.mp4 is 60 MB; the limit is 50 MB."]}


def test_one_byte_over_reads_in_bytes_not_as_two_equal_sizes(client: Client, tenant: Tenant) -> None:
    _, body = start(client, tenant, filename="edge.mp4", file_size=50 * MB + 1)
    assert body["message"] == "edge.mp4 is 52,428,801 bytes; the limit is 52,428,800 bytes."


def test_a_file_that_is_not_media_says_what_is_allowed(client: Client, tenant: Tenant) -> None:
    status, body = start(client, tenant, filename="notes.txt", file_size=5)
    assert (status, body["errors"]) == (422, {"filename": [f"notes.txt is not an image or a video ({TYPES})."]})
    direct = upload_file(client, tenant, "notes.txt", b"hello")
    assert (direct.status, direct.body["code"]) == (422, "validation_failed")
    assert direct.body["errors"] == {"file": [f"notes.txt is not an image or a video ({TYPES})."]}


def test_an_empty_file_is_named(client: Client, tenant: Tenant) -> None:
    _, body = start(client, tenant, filename="empty.png", file_size=0)
    assert body["errors"] == {"file_size": ["empty.png is empty."]}
    direct = upload_file(client, tenant, "blank.png", b"")
    assert (direct.status, direct.body["errors"]) == (422, {"file": ["blank.png is empty."]})


def test_content_that_is_not_media_is_explained_in_words(client: Client, tenant: Tenant) -> None:
    direct = upload_file(client, tenant, "fake.jpg", b"just some notes, not a photo")
    assert (direct.status, direct.body["code"]) == (422, "validation_failed")
    assert direct.body["message"] == f"The file's content is not an image or a video ({TYPES})."
