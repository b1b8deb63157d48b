"""The direct route's multipart parser under hostile forms (docs/architecture.md, "Errors"):
a boundary python-multipart refuses, and a form of very many tiny parts, are clear 400s,
never a 500 and never seconds of CPU."""

from __future__ import annotations

from chalice.test import Client

from chalicelib.multipart import MAX_PARTS
from tests.helpers.http import API, Reply, call
from tests.helpers.media import png_bytes
from tests.helpers.tenants import Tenant


def form(boundary: str, parts: list[bytes]) -> bytes:
    return b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts) + (
        b"--" + boundary.encode() + b"--\r\n"
    )


def file_part() -> bytes:
    head = b'Content-Disposition: form-data; name="file"; filename="photo.png"\r\nContent-Type: image/png\r\n\r\n'
    return head + png_bytes()


def field_part(name: str, value: str = "x") -> bytes:
    return f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}'.encode()


def post(client: Client, tenant: Tenant, boundary: str, parts: list[bytes], **headers: str) -> Reply:
    content_type = f"multipart/form-data; boundary={boundary}"
    body = form(boundary, parts)
    return call(client, "POST", f"{API}/media", tenant, headers={"Content-Type": content_type, **headers}, body=body)


def test_a_boundary_over_256_characters_is_a_400_not_a_500(client: Client, tenant: Tenant) -> None:
    reply = post(client, tenant, "b" * 257, [file_part()])
    assert reply.status == 400, reply.body
    assert reply.body["code"] == "malformed_request"
    assert "256" in reply.body["message"]
    keyed = post(client, tenant, "b" * 300, [file_part()], **{"Idempotency-Key": "long-boundary"})
    assert keyed.status == 400 and keyed.body["code"] == "malformed_request"


def test_a_boundary_of_256_characters_is_accepted(client: Client, tenant: Tenant) -> None:
    assert post(client, tenant, "b" * 256, [file_part()]).status == 201


def test_a_form_of_100000_tiny_parts_is_refused_naming_the_limit(client: Client, tenant: Tenant) -> None:
    """100,000 parts without headers fit in 900 KB, well under the route's 4 MB."""
    tiny = [b"\r\n"] * 100_000
    for parts in ([file_part(), *tiny], [*tiny, file_part()], [file_part(), *[field_part("f")] * 20_000]):
        reply = post(client, tenant, "B", parts)
        assert reply.status == 400, reply.body
        assert reply.body["code"] == "malformed_request"
        assert f"{MAX_PARTS} parts" in reply.body["message"], reply.body
    assert call(client, "GET", f"{API}/media", tenant).body["meta"]["total"] == 0


def test_a_form_at_the_part_limit_is_accepted(client: Client, tenant: Tenant) -> None:
    fields = [field_part(f"extra{i}") for i in range(MAX_PARTS - 2)]
    reply = post(client, tenant, "B", [file_part(), field_part("name", "Cover"), *fields])
    assert reply.status == 201, reply.body
    assert reply.body["name"] == "Cover"
    over = post(client, tenant, "B", [file_part(), field_part("name", "Cover"), *fields, field_part("one_more")])
    assert over.status == 400
