"""Hostile uploads through both ways in (docs/architecture.md, "Types and sizes", "Uploads"): the direct multipart route
and an upload session (start -> bytes straight to storage -> complete).

Every refused file leaves nothing behind: no object in the bucket, no MediaFile, the
counters at zero (a refused session keeps its own record, status ``rejected`` with the
reason, until its TTL: that is what GET /uploads/{id} shows). Every accepted file is
stored under a key the server generated, which never contains the client's name.
"""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from chalice.test import Client
from PIL import Image

from chalicelib import caches
from tests.helpers.http import API, call
from tests.helpers.media import fixture_bytes, png_bytes
from tests.helpers.stores import counters, key_of, keys_under, media_items, session_items
from tests.helpers.tenants import Tenant
from tests.helpers.uploads import SEND, assert_stored, direct, start, via_session

MAX = 52_428_800
ROUTES = ["direct", "session"]


@pytest.fixture
def backend(fakes: None) -> None:
    """The corpus is about what the service refuses and keeps: it runs on the in-memory fakes of
    the records and storage ports (tests/contract holds them to DynamoDB's and S3's behaviour)."""


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def decompression_bomb(side: int = 10_000) -> bytes:
    """A real bomb: a side x side grey PNG of ~100 KB whose pixels inflate to side² bytes."""
    packer, row, parts = zlib.compressobj(9), b"\x00" * (side + 1), []
    parts += [packer.compress(row) for _ in range(side)]
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    chunks = [(b"IHDR", header), (b"IDAT", b"".join(parts)), (b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(_png_chunk(kind, data) for kind, data in chunks)


def jpeg(comment: bytes = b"") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), "green").save(out, "JPEG", comment=comment)
    return out.getvalue()


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("shell.php", "<?php system($_GET['c']); ?>")
    return out.getvalue()


@dataclass(frozen=True)
class Hostile:
    label: str
    filename: str
    data: Callable[[], bytes]
    refused: str | None  # the session's rejection reason; "extension": refused before any byte; None: stored
    stored_as: str = (
        ""  # when stored: the extension the content gives it (docs/architecture.md, "The MediaFile object")
    )


HTML = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>'
PHP = b"<?php system($_GET['cmd']); ?>"
CONTENT = [
    Hostile("html named jpg", "photo.jpg", lambda: HTML, "unsupported_content"),
    Hostile("html", "index.html", lambda: HTML, "extension"),
    Hostile("svg named png", "logo.png", lambda: SVG, "unsupported_content"),
    Hostile("svg", "logo.svg", lambda: SVG, "extension"),
    Hostile("php named png", "shell.png", lambda: PHP, "unsupported_content"),
    Hostile("php", "shell.php", lambda: PHP, "extension"),
    Hostile("png named php.png.php", "shell.png.php", png_bytes, "extension"),
    Hostile("png named mp4", "clip.mp4", png_bytes, "type_mismatch"),
    Hostile("mp4 named png", "photo.png", lambda: fixture_bytes("sample.mp4"), "type_mismatch"),
    Hostile("png + zip polyglot", "photo.png", lambda: png_bytes() + zip_bytes(), "trailing_data"),
    Hostile("jpeg + html polyglot", "photo.jpg", lambda: jpeg() + HTML, "trailing_data"),
    Hostile("decompression bomb", "bomb.png", decompression_bomb, "image_too_large"),
    Hostile("truncated png", "half.png", lambda: png_bytes(64, 64)[:-40], "corrupt_file"),
    Hostile("truncated jpeg", "half.jpg", lambda: jpeg()[:-2], "corrupt_file"),
    Hostile("zero bytes", "empty.png", lambda: b"", "empty_file"),
    # A valid image carrying HTML in a comment segment is an image: it is stored and
    # served as image/jpeg (sniffed), never as HTML.
    Hostile("html inside a jpeg comment", "photo.jpg", lambda: jpeg(HTML), None, "jpg"),
    Hostile("png named php.png", "shell.php.png", png_bytes, None, "png"),
    # Structure is checked to the real end, whatever the last byte is.
    Hostile("gif + html ending in ;", "anim.gif", lambda: fixture_bytes("sample.gif") + HTML + b";", "trailing_data"),
    Hostile("png + data after iend", "logo.png", lambda: png_bytes() + HTML, "trailing_data"),
    Hostile(
        "png + html + a fake iend", "logo.png", lambda: png_bytes() + HTML + _png_chunk(b"IEND", b""), "trailing_data"
    ),
    # An allowed container with no picture in it is not a video.
    Hostile("audio-only mp4", "song.mp4", lambda: fixture_bytes("audio-only.mp4"), "no_video_stream"),
    Hostile("wma audio named wmv", "song.wmv", lambda: fixture_bytes("audio-only.wmv"), "no_video_stream"),
    # The content decides the stored type: a wrong name within the family is corrected,
    # never served under a type its bytes are not.
    Hostile("png named jpg", "photo.jpg", png_bytes, None, "png"),
    Hostile("mp4 named avi", "clip.avi", lambda: fixture_bytes("sample.mp4"), None, "mp4"),
    Hostile("motion photo (jpeg + declared mp4)", "PXL.jpg", lambda: fixture_bytes("motion-photo-v2.jpg"), None, "jpg"),
]
# -- what must hold after each attempt -------------------------------------------------


def assert_nothing_left(tenant: Tenant, route: str, reason: str | None) -> None:
    assert keys_under() == []
    assert media_items(tenant.account_id) == []
    assert set(counters(tenant.account_id).values()) == {0}
    sessions = session_items(tenant.account_id)
    if route == "direct" or reason is None:
        assert sessions == []
    else:
        assert [(s.status, s.reason) for s in sessions] == [("rejected", reason)]


# -- the corpus ----------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("case", CONTENT, ids=[c.label for c in CONTENT])
def test_hostile_content_is_refused_and_leaves_nothing_or_is_stored_as_what_it_is(
    client: Client, tenant: Tenant, route: str, case: Hostile
) -> None:
    reply = SEND[route](client, tenant, case.filename, case.data())
    if case.refused is None:
        media = assert_stored(reply, tenant, case.filename)
        assert media["original_name"] == case.filename
        assert media["extension"] == case.stored_as and key_of(media).endswith(f".{case.stored_as}")
        return
    assert reply.status == 422, reply.body
    field = "filename" if route == "session" and case.refused == "extension" else "file"
    assert list(reply.body["errors"]) == [field], reply.body
    assert_nothing_left(tenant, route, None if case.refused == "extension" else case.refused)


CLEANED_NAMES = [
    ("../../../etc/passwd.png", "passwd.png"),
    ("C:\\Windows\\System32\\evil.png", "evil.png"),
    ("evil\x00.png", "evil.png"),
    ("invoice\u202egpj.png", "invoicegpj.png"),  # shows as "invoicegnp.jpg" with the override
    ("..hidden.png", "hidden.png"),
    ("CON.png", "CON.png"),  # Windows device names: display text only, never a path
    ("NUL.png", "NUL.png"),
    ("com1.png", "com1.png"),
    ("<img src=x onerror=alert(1)>.png", "<img src=x onerror=alert(1)>.png"),
]
REFUSED_NAMES = ["....", "   ", ". . .", ".png", " .png", "..png", "\u202e", "photo.png.", "photo"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("filename, cleaned", CLEANED_NAMES, ids=[c for _, c in CLEANED_NAMES])
def test_hostile_filenames_are_made_safe_and_never_reach_the_storage_key(
    client: Client, tenant: Tenant, route: str, filename: str, cleaned: str
) -> None:
    media = assert_stored(SEND[route](client, tenant, filename, png_bytes()), tenant, filename)
    assert (media["original_name"], media["name"]) == (cleaned, cleaned)
    assert len(media["original_name"]) <= 255


def test_a_10000_character_filename_is_shortened_in_a_session_and_refused_as_a_multipart_header(
    client: Client, tenant: Tenant
) -> None:
    filename = "a" * 10_000 + ".png"
    media = assert_stored(via_session(client, tenant, filename, png_bytes()), tenant, filename)
    assert media["original_name"] == "a" * 251 + ".png"
    call(client, "DELETE", f"{API}/media/{media['id']}", tenant)
    # A part header over python-multipart's 4 KB limit: the body is malformed (400).
    reply = direct(client, tenant, filename, png_bytes())
    assert (reply.status, reply.body["code"]) == (400, "malformed_request")
    assert keys_under() == []
    assert media_items(tenant.account_id) == []


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("filename", REFUSED_NAMES)
def test_filenames_with_nothing_left_once_cleaned_are_refused(
    client: Client, tenant: Tenant, route: str, filename: str
) -> None:
    reply = SEND[route](client, tenant, filename, png_bytes())
    assert reply.status == 422, reply.body
    assert list(reply.body["errors"]) == ["filename" if route == "session" else "file"]
    assert_nothing_left(tenant, route, None)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("name", ["bad\x00name", "\u202eevil", "line\nbreak", "n" * 256])
def test_hostile_display_names_are_refused(client: Client, tenant: Tenant, route: str, name: str) -> None:
    reply = SEND[route](client, tenant, "photo.png", png_bytes(), name)
    assert reply.status == 422, reply.body
    assert list(reply.body["errors"]) == ["name"]
    assert_nothing_left(tenant, route, None)


# -- 50 MB + 1 byte ----------------------------------------------------------------------


def test_a_file_of_50_mb_plus_one_byte_is_refused_by_the_direct_route_even_with_its_limit_raised(
    client: Client, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIA_DIRECT_UPLOAD_MAX_BYTES", str(MAX))
    caches.reset()
    reply = direct(client, tenant, "huge.png", png_bytes() + b"\x00" * (MAX + 1 - len(png_bytes())))
    assert reply.status == 413, reply.body
    assert reply.body["code"] == "payload_too_large"
    # No other way in takes it either, so the message must not send the client to one.
    assert "50 MB" in reply.body["message"] and "upload session" not in reply.body["message"]
    assert_nothing_left(tenant, "direct", None)


def test_a_session_declaring_more_than_50_mb_is_refused_before_any_byte(client: Client, tenant: Tenant) -> None:
    reply = start(client, tenant, filename="huge.mp4", file_size=MAX + 1)
    assert reply.status == 422
    assert list(reply.body["errors"]) == ["file_size"]
    assert_nothing_left(tenant, "direct", None)


def test_an_object_of_50_mb_plus_one_stored_under_a_session_key_is_rejected_and_deleted(
    client: Client, tenant: Tenant
) -> None:
    # The presigned POST policy caps the size at 50 MB, but moto does not enforce
    # policies (docs/architecture.md, "Platform facts") and a PUT-presigning backend may not either: ingest re-checks.
    data = fixture_bytes("sample.mp4")
    reply = via_session(client, tenant, "clip.mp4", data + b"\x00" * (MAX + 1 - len(data)), declared=len(data))
    assert reply.status == 422, reply.body
    assert reply.body["errors"]["file"] == ["clip.mp4 is 52,428,801 bytes; the limit is 52,428,800 bytes."]
    assert_nothing_left(tenant, "session", "file_too_large")
