"""GET /api/v1/media/{id}/download: a short-lived link that makes a browser save the file
under its name (chalicelib/downloads.py says why a presigned GET, not a Blob)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from chalice.test import Client

from chalicelib.domain import clock
from chalicelib.downloads import LINK_SECONDS, attachment, saved_name
from tests.helpers.http import API, call, uploaded
from tests.helpers.media import png_bytes
from tests.helpers.tenants import Tenant


@pytest.mark.moto  # reads S3's signed parameters in the link
def test_a_download_link_saves_the_file_under_its_original_name(client: Client, tenant: Tenant) -> None:
    data = png_bytes(9, 7)
    media = uploaded(client, tenant, "hero shot.png", data, name="Hero")
    before = clock.now()
    reply = call(client, "GET", f"{API}/media/{media['id']}/download", tenant)
    assert reply.status == 200, reply.body
    assert set(reply.body) == {"url", "filename", "expires_at"}
    assert reply.body["filename"] == "hero shot.png"
    expires = clock.parse(reply.body["expires_at"])
    assert before < expires <= clock.now() + timedelta(seconds=LINK_SECONDS)
    query = parse_qs(urlsplit(reply.body["url"]).query)
    assert query["response-content-disposition"] == [attachment("hero shot.png")]
    assert int(query["X-Amz-Expires"][0]) == LINK_SECONDS
    fetched = requests.get(reply.body["url"], timeout=30)
    assert fetched.status_code == 200
    assert fetched.headers["Content-Disposition"] == attachment("hero shot.png")
    assert fetched.content == data


def test_another_accounts_file_has_no_download_link(client: Client, tenant: Tenant, other_tenant: Tenant) -> None:
    media = uploaded(client, tenant)
    assert call(client, "GET", f"{API}/media/{media['id']}/download", other_tenant).status == 404
    assert call(client, "GET", f"{API}/media/{media['id']}/download").status == 401
    assert call(client, "GET", f"{API}/media/999/download", tenant).status == 404
    assert call(client, "GET", f"{API}/media/x1/download", tenant).status == 404


def test_the_saved_name_keeps_what_was_sent_and_the_contents_extension() -> None:
    assert saved_name("photo.jpg", "png") == "photo.png"  # PNG bytes sent as photo.jpg open as a PNG
    assert saved_name("clip.MP4", "mp4") == "clip.MP4"
    assert saved_name("../../etc/passwd.jpeg", "jpeg") == "passwd.jpeg"
    assert saved_name("noext", "gif") == "noext.gif"


def test_a_name_outside_ascii_is_kept_whole_in_filename_star() -> None:
    assert attachment('Été "final".png') == (
        "attachment; filename=\"_t_ _final_.png\"; filename*=UTF-8''%C3%89t%C3%A9%20%22final%22.png"
    )
