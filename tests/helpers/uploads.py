"""Uploads as a client makes them (docs/architecture.md, "Uploads"): the direct multipart route, and
upload sessions (start -> the bytes straight to storage under the signed key ->
complete, or the bucket's event)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any

from chalice.test import Client

from tests.helpers.http import API, Reply, call
from tests.helpers.stores import key_of, keys_under, object_info
from tests.helpers.tenants import Tenant

JSON = {"Content-Type": "application/json"}
#: Keys the server generates: a public media key, or the private staging key of a session.
KEY = re.compile(
    r"^media/(?P<account>[^/]+)/(images|videos)/\d+_[0-9a-f]{32}\.(jpe?g|png|gif|mp4|avi|mov|wmv|flv|webm)$"
)
STAGED = re.compile(r"^uploads/(?P<account>[^/]+)/[0-9a-f]{32}$")


# -- upload sessions ---------------------------------------------------------------------


def start(client: Client, tenant: Tenant, **body: Any) -> Reply:
    """POST /media/uploads (filename and file_size default to a small PNG's)."""
    payload = {"filename": "clip.png", "file_size": 1000, **body}
    return call(client, "POST", f"{API}/media/uploads", tenant, headers=JSON, body=json.dumps(payload))


def started(client: Client, tenant: Tenant, **body: Any) -> dict[str, Any]:
    reply = start(client, tenant, **body)
    assert reply.status == 201, reply.body
    return dict(reply.body)


@functools.lru_cache(maxsize=8)
def _storage_client(region: str, endpoint_url: str | None) -> Any:
    import boto3

    return boto3.session.Session(region_name=region).client("s3", endpoint_url=endpoint_url)


def send(session: dict[str, Any], data: bytes) -> str:
    """What a client does with a session's form: store the bytes under the signed key, on moto
    with a client of its own (never the service's, whose calls tests intercept), on the fakes
    straight into the in-memory bucket. Returns the key; no event has been delivered."""
    from chalicelib import storage
    from chalicelib.config import get_settings
    from tests.fakes.storage import MemoryStorage

    fields = session["upload"]["fields"]
    bucket = storage.store()
    if isinstance(bucket, MemoryStorage):
        bucket.put_object(fields["key"], data, fields["Content-Type"])
        return str(fields["key"])
    settings = get_settings()
    _storage_client(settings.region, settings.s3_endpoint_url).put_object(
        Bucket=settings.bucket, Key=fields["key"], Body=data, ContentType=fields["Content-Type"]
    )
    return str(fields["key"])


def complete(client: Client, tenant: Tenant, upload_id: str) -> Reply:
    return call(client, "POST", f"{API}/media/uploads/{upload_id}/complete", tenant)


def presigned(account_id: str, data: bytes, filename: str = "event.png") -> tuple[str, str]:
    """A session started through the library (as the API starts it), its bytes sent:
    (upload id, staging key)."""
    from chalicelib import presenters, uploads

    started = uploads.start_upload(account_id, {"filename": filename, "file_size": max(1, len(data))})
    return started.session.upload_id, send(presenters.started_upload_json(started.session, started.form), data)


# -- the two ways in, with hostile input -----------------------------------------------------


def direct(client: Client, tenant: Tenant, filename: str, data: bytes, name: str | None = None) -> Reply:
    """POST /media with a hand-written body, so hostile filenames reach the parser byte for byte."""
    boundary = "attack-corpus-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n\r\n'.encode()]
    parts += [data, b"\r\n"]
    if name is not None:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\n{name}\r\n'.encode())
    parts.append(f"--{boundary}--\r\n".encode())
    content_type = f"multipart/form-data; boundary={boundary}"
    return call(client, "POST", f"{API}/media", tenant, headers={"Content-Type": content_type}, body=b"".join(parts))


def via_session(
    client: Client, tenant: Tenant, filename: str, data: bytes, name: str | None = None, declared: int | None = None
) -> Reply:
    """Start a session, store the bytes under its key as a client would, then complete."""
    reply = start(client, tenant, filename=filename, file_size=declared or max(1, len(data)), name=name)
    if reply.status != 201:
        return reply
    assert_server_key(reply.body["upload"]["fields"]["key"], tenant, filename)
    send(reply.body, data)
    return complete(client, tenant, reply.body["id"])


SEND: dict[str, Callable[..., Reply]] = {"direct": direct, "session": via_session}


def assert_server_key(key: str, tenant: Tenant, filename: str) -> None:
    """The key is one the server generated for the tenant, and holds nothing of the client's name."""
    match = KEY.match(key) or STAGED.match(key)
    assert match and match["account"] == tenant.account_id, key
    stem = re.split(r"[\\/]", filename)[-1].rsplit(".", 1)[0]
    assert not stem or stem not in key.rsplit("/", 1)[-1], (stem, key)


def assert_stored(reply: Reply, tenant: Tenant, filename: str) -> dict[str, Any]:
    """201, stored under a server key with the sniffed type, and the only object in the bucket."""
    assert reply.status == 201, reply.body
    key = key_of(reply.body)
    assert_server_key(key, tenant, filename)
    info = object_info(key)
    assert info is not None and info.content_type == reply.body["mime_type"]
    assert keys_under() == [key]
    return dict(reply.body)
