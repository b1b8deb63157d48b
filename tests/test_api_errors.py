"""DESIGN §3.6/§3.7: every error is our JSON body; wrong method 405, unknown route 404,
malformed JSON 400, wrong Content-Type 415, validation 422 with Laravel-style field errors.

This module also holds the helpers every ``test_api_*`` module sends its requests
through, so the body rules of §3.7 (JSON, ``message`` + ``code``, ``errors`` only on
422, never Chalice's ``{"Code", "Message"}``, never a stack trace) are checked on
every response of every test.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

import boto3
from chalice.test import Client
from urllib3 import encode_multipart_formdata

from tests.conftest import Tenant, png_bytes

API = "/api/v1"
REGION = "us-east-1"
CHALICE_KEYS = {"Code", "Message"}

# -- requests and the body rules of §3.7 ----------------------------------------------


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


# -- what is stored, read straight from moto ------------------------------------------


@functools.lru_cache(maxsize=1)
def _boto3_session() -> boto3.session.Session:
    # One session for the run: moto intercepts every botocore session, and a
    # fresh one per call would re-read the service models each time.
    return boto3.session.Session(region_name=REGION)


def aws_client(service: str) -> Any:
    return _boto3_session().client(service, region_name=REGION)


def s3() -> Any:
    return aws_client("s3")


def bucket() -> str:
    from chalicelib.config import get_settings

    return get_settings().bucket


def stored_objects(account_id: str) -> dict[str, dict[str, Any]]:
    """Key -> head of every object under the account's media prefix."""
    listed = s3().list_objects_v2(Bucket=bucket(), Prefix=f"media/{account_id}/").get("Contents", [])
    return {item["Key"]: s3().head_object(Bucket=bucket(), Key=item["Key"]) for item in listed}


def key_of(media: dict[str, Any]) -> str:
    from chalicelib.config import get_settings

    prefix = get_settings().public_base_url + "/"
    assert media["url"].startswith(prefix), media["url"]
    return media["url"][len(prefix) :]


def table_name(model_name: str) -> str:
    from chalicelib import models

    models.bind()
    return str(getattr(models, model_name).Meta.table_name)


def media_items(account_id: str) -> list[dict[str, Any]]:
    return aws_client("dynamodb").query(
        TableName=table_name("MediaFile"),
        KeyConditionExpression="account_id = :a",
        ExpressionAttributeValues={":a": {"S": account_id}},
    )["Items"]


def session_items(account_id: str) -> list[dict[str, Any]]:
    items = aws_client("dynamodb").scan(TableName=table_name("UploadSession"))["Items"]
    return [i for i in items if i.get("account_id", {}).get("S") == account_id]


def counters(account_id: str) -> dict[str, int]:
    from chalicelib import records

    account = records.get_account(account_id)
    assert account is not None
    return {
        "media_count": int(account.media_count or 0),
        "image_count": int(account.image_count or 0),
        "video_count": int(account.video_count or 0),
        "bytes_used": int(account.bytes_used or 0),
    }


# -- the tests of this module ------------------------------------------------------------


WRONG_METHODS = [
    ("PUT", f"{API}/media", {"GET", "POST"}),
    ("PATCH", f"{API}/media", {"GET", "POST"}),
    ("DELETE", f"{API}/media", {"GET", "POST"}),
    ("POST", f"{API}/media/1", {"GET", "PUT", "DELETE"}),
    ("PATCH", f"{API}/media/1", {"GET", "PUT", "DELETE"}),
]


def test_wrong_method_on_a_known_path_is_405_with_allow_header(client: Client, tenant: Tenant) -> None:
    problems = []
    for method, path, allowed in WRONG_METHODS:
        reply = call(client, method, path, tenant, headers={"Content-Type": "application/json"}, body="{}")
        allow = reply.header("Allow")
        got = (reply.status, reply.body.get("code"), {m.strip() for m in (allow or "").split(",") if m.strip()})
        if got != (405, "method_not_allowed", allowed):
            problems.append(f"{method} {path}: {got}")
    assert not problems, problems


def test_malformed_json_is_400(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant)
    for raw in ('{"name": "x"', "not json", "", b"\xff\xfe{}"):
        reply = call(
            client,
            "PUT",
            f"{API}/media/{media['id']}",
            tenant,
            headers={"Content-Type": "application/json"},
            body=raw,
        )
        assert reply.status == 400, (raw, reply.body)
    assert call(client, "GET", f"{API}/media/{media['id']}", tenant).body == media


def test_rename_with_a_non_json_content_type_is_415(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/xml"):
        reply = call(
            client,
            "PUT",
            f"{API}/media/{media['id']}",
            tenant,
            headers={"Content-Type": content_type},
            body='{"name": "New"}',
        )
        assert reply.status == 415, (content_type, reply.body)
        assert reply.body["code"] == "unsupported_media_type"
    assert call(client, "GET", f"{API}/media/{media['id']}", tenant).body == media


def test_upload_with_a_json_content_type_is_415(client: Client, tenant: Tenant) -> None:
    reply = call(
        client,
        "POST",
        f"{API}/media",
        tenant,
        headers={"Content-Type": "application/json"},
        body='{"file": "x.png"}',
    )
    assert reply.status == 415
    assert stored_objects(tenant.account_id) == {}


def test_unparseable_multipart_body_is_400(client: Client, tenant: Tenant) -> None:
    cases = [
        ("multipart/form-data", b"--x\r\n"),  # no boundary parameter
        ("multipart/form-data; boundary=xyz", b"garbage without any boundary"),
    ]
    for content_type, raw in cases:
        reply = call(client, "POST", f"{API}/media", tenant, headers={"Content-Type": content_type}, body=raw)
        assert reply.status == 400, (content_type, reply.body)
    assert stored_objects(tenant.account_id) == {}


def test_validation_errors_are_422_with_laravel_field_errors(client: Client, tenant: Tenant) -> None:
    reply = call(client, "GET", f"{API}/media?type=audio&per_page=0", tenant)
    assert reply.status == 422
    assert set(reply.body) == {"message", "code", "errors"}
    assert set(reply.body["errors"]) == {"type", "per_page"}
