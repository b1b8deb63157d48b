"""Requests through the Chalice test client, and the body rules every answer obeys
(docs/architecture.md, "Errors"): JSON, ``message`` + ``code`` on errors, ``errors`` only on 422,
never Chalice's ``{"Code", "Message"}``, never a stack trace. ``call`` checks them
on every response it returns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chalice.test import Client
from urllib3 import encode_multipart_formdata

from tests.helpers.media import png_bytes
from tests.helpers.tenants import Tenant

API = "/api/v1"
CHALICE_KEYS = {"Code", "Message"}
#: The fields of the MediaFile object (docs/architecture.md, "The MediaFile object"), exactly these, with the additive
#: thumbnail_url ("Thumbnails"), description, tags and delivery ("Delivery").
MEDIA_FIELDS = frozenset(
    {
        "id",
        "name",
        "original_name",
        "url",
        "file_type",
        "mime_type",
        "extension",
        "file_size",
        "formatted_size",
        "metadata",
        "uploaded_by",
        "is_active",
        "created_at",
        "updated_at",
        "thumbnail_url",
        "description",
        "tags",
        "delivery",
    }
)


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


def _keys_anywhere(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = set(value)
        for item in value.values():
            found |= _keys_anywhere(item)
        return found
    if isinstance(value, list):
        return set().union(*(_keys_anywhere(item) for item in value)) if value else set()
    return set()


def check_body(status: int, raw: bytes) -> Any:
    """The body rules every response obeys; returns the parsed JSON (None for 204)."""
    assert b"Traceback" not in raw, raw
    if status in (204, 304):
        assert raw == b"", raw
        return None
    body = json.loads(raw)
    leaked = _keys_anywhere(body) & CHALICE_KEYS
    assert not leaked, f"Chalice's default error keys {leaked} reached the client: {body}"
    if status >= 400:
        assert isinstance(body, dict), body
        assert isinstance(body.get("message"), str) and body["message"].strip(), body
        assert isinstance(body.get("code"), str) and body["code"].strip(), body
        if status == 422:
            assert body["code"] in ("validation_failed", "idempotency_key_reused"), body
            errors = body.get("errors")
            assert isinstance(errors, dict) and errors, body
            for field, messages in errors.items():
                assert isinstance(field, str)
                assert isinstance(messages, list) and messages, body
                assert all(isinstance(m, str) and m.strip() for m in messages), body
        else:
            assert "errors" not in body, body
    return body


def call(
    client: Client,
    method: str,
    path: str,
    tenant: Tenant | None = None,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | str | None = None,
) -> Reply:
    all_headers = {**(tenant.headers if tenant else {}), **(headers or {})}
    kwargs: dict[str, Any] = {"headers": all_headers}
    if body is not None:
        kwargs["body"] = body
    response = getattr(client.http, method.lower())(path, **kwargs)
    return Reply(response.status_code, check_body(response.status_code, response.body or b""), dict(response.headers))


def put_json(client: Client, tenant: Tenant, media_id: Any, payload: Any) -> Reply:
    return call(
        client,
        "PUT",
        f"{API}/media/{media_id}",
        tenant,
        headers={"Content-Type": "application/json"},
        body=json.dumps(payload),
    )


def multipart(filename: str | None, data: bytes, name: str | None = None) -> tuple[bytes, str]:
    """A multipart/form-data body with a ``file`` part (if ``filename``) and a ``name`` field."""
    fields: list[Any] = []
    if filename is not None:
        fields.append(("file", (filename, data, "application/octet-stream")))
    if name is not None:
        fields.append(("name", name))
    body, content_type = encode_multipart_formdata(fields)
    return body, content_type


def upload(
    client: Client, tenant: Tenant, filename: str = "photo.png", data: bytes | None = None, name: str | None = None
) -> Any:
    """POST /media as it is answered (Chalice's response object, no body rules checked)."""
    body, content_type = multipart(filename, png_bytes() if data is None else data, name)
    return client.http.post(f"{API}/media", headers={**tenant.headers, "Content-Type": content_type}, body=body)


def post_form(client: Client, tenant: Tenant, fields: list[Any], headers: dict[str, str] | None = None) -> Reply:
    body, content_type = encode_multipart_formdata(fields)
    return call(
        client, "POST", f"{API}/media", tenant, headers={"Content-Type": content_type, **(headers or {})}, body=body
    )


def upload_file(
    client: Client,
    tenant: Tenant,
    filename: str = "photo.png",
    data: bytes | None = None,
    name: str | None = None,
    part_type: str = "application/octet-stream",
) -> Reply:
    fields: list[Any] = [("file", (filename, png_bytes() if data is None else data, part_type))]
    if name is not None:
        fields.append(("name", name))
    return post_form(client, tenant, fields)


def uploaded(
    client: Client, tenant: Tenant, filename: str = "photo.png", data: bytes | None = None, name: str | None = None
) -> dict[str, Any]:
    reply = upload_file(client, tenant, filename, data, name)
    assert reply.status == 201, reply.body
    return reply.body
