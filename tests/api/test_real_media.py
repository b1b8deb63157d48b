"""Files straight from phones and cameras come out right through both ways in
(docs/architecture.md, "The MediaFile object"): displayed sizes, motion photos, content-decided types, and the
file names browsers and HTTP clients actually send."""

from __future__ import annotations

import pytest
from chalice.test import Client

from tests.helpers.http import API, call
from tests.helpers.media import IMAGES, VIDEOS, fixture_bytes
from tests.helpers.stores import key_of, object_bytes, object_info
from tests.helpers.tenants import Tenant
from tests.helpers.uploads import SEND, assert_stored

MEDIA = {**IMAGES, **VIDEOS}


@pytest.mark.parametrize("route", ["direct", "session"])
@pytest.mark.parametrize("name", sorted(MEDIA))
def test_real_media_are_stored_with_their_displayed_size(client: Client, tenant: Tenant, route: str, name: str) -> None:
    data = fixture_bytes(name)
    media = assert_stored(SEND[route](client, tenant, name, data), tenant, name)
    mime, metadata = MEDIA[name]
    assert (media["mime_type"], media["metadata"], media["file_size"]) == (mime, metadata, len(data))
    info = object_info(key_of(media))
    assert object_bytes(key_of(media)) == data and info is not None and info.content_type == mime


def _raw_upload(client: Client, tenant: Tenant, disposition: str, data: bytes) -> dict[str, object]:
    boundary = "real-media-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; {disposition}\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    reply = call(client, "POST", f"{API}/media", tenant, headers=headers, body=body)
    assert reply.status == 201, reply.body
    return dict(reply.body)


@pytest.mark.parametrize(
    "disposition",
    [
        "filename*=UTF-8''caf%C3%A9.png",  # RFC 5987 alone
        "filename=\"cafe.png\"; filename*=UTF-8''caf%C3%A9.png",  # both: the extended one wins
        'filename="caf%C3%A9.png"',  # percent-encoded UTF-8 (RFC 7578 §4.2)
        'filename="café.png"',  # raw UTF-8, as browsers send it
    ],
)
def test_encoded_file_names_are_decoded(client: Client, tenant: Tenant, disposition: str) -> None:
    media = _raw_upload(client, tenant, disposition.replace("é", "\u00e9"), fixture_bytes("sample.png"))
    assert media["original_name"] == "café.png" and media["name"] == "café.png"


def test_a_literal_percent_that_is_not_an_encoding_is_kept(client: Client, tenant: Tenant) -> None:
    media = _raw_upload(client, tenant, 'filename="50%off.png"', fixture_bytes("sample.png"))
    assert media["original_name"] == "50%off.png"


def test_a_bad_filename_encoding_is_a_400(client: Client, tenant: Tenant) -> None:
    boundary = "b"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''%FF%FE.png\r\n\r\n"
        f"data\r\n--{boundary}--\r\n"
    ).encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    reply = call(client, "POST", f"{API}/media", tenant, headers=headers, body=body)
    assert (reply.status, reply.body["code"]) == (400, "malformed_request")
