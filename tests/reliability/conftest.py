"""Shared helpers of the reliability tests: the consistency check every fault and
replay test ends with, DynamoDB fault injection on every client the service
uses, generated images and S3 event bodies.

``assert_consistent()`` states what "converged" means (DESIGN §3.4-§3.5):
every object has a record (or, while work is in flight, a pending session),
every record has its object, sessions agree with records, and the account
counters equal the records. It reads the backing stores directly, so it holds
for moto in-process and for the embedded moto server alike.
"""

from __future__ import annotations

import functools
import io
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

import boto3
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

#: The two codes DynamoDB throttles with (the SDK retries them, then gives up).
THROTTLES = ("ProvisionedThroughputExceededException", "ThrottlingException")


@dataclass
class StoreSnapshot:
    """What assert_consistent saw: the figures a report quotes."""

    objects: dict[str, int] = field(default_factory=dict)
    records: int = 0
    sessions: Counter[str] = field(default_factory=Counter)
    accounts: int = 0


def _objects(prefixes: Iterable[str]) -> dict[str, int]:
    from chalicelib import storage

    found: dict[str, int] = {}
    paginator = storage.client().get_paginator("list_objects_v2")
    for prefix in prefixes:
        for page in paginator.paginate(Bucket=storage.bucket(), Prefix=prefix):
            found.update({item["Key"]: int(item["Size"]) for item in page.get("Contents", [])})
    return found


def _sessions(account_ids: set[str] | None) -> dict[str, Any]:
    """Upload sessions by id: all of them, or one account's through its index (no table scan)."""
    from chalicelib.models import UploadSession

    if account_ids is None:
        return {s.upload_id: s for s in UploadSession.scan()}
    ids = [k.upload_id for a in sorted(account_ids) for k in UploadSession.by_account.query(a)]
    return {s.upload_id: s for s in UploadSession.batch_get(ids, consistent_read=True)}


def assert_consistent(account_ids: Iterable[str] | None = None, *, allow_pending: bool = False) -> StoreSnapshot:
    """Storage, media records, upload sessions and account counters agree.

    ``account_ids`` limits the check to those accounts (other tests' data may
    share the store); ``allow_pending`` accepts objects whose session is still
    pending (an upload whose event has not run yet), never objects without one.
    """
    from chalicelib.models import Account, MediaFile, bind

    bind()
    asked = None if account_ids is None else set(account_ids)
    found = Account.scan() if asked is None else Account.batch_get(sorted(asked), consistent_read=True)
    accounts = {a.account_id: a for a in found}
    wanted = set(accounts) if asked is None else asked
    assert wanted <= set(accounts), f"unknown accounts {wanted - set(accounts)}"
    objects = _objects(["media/"] if asked is None else [f"media/{a}/" for a in sorted(wanted)])
    media = [m for a in sorted(wanted) for m in MediaFile.query(a, consistent_read=True)]
    sessions = _sessions(asked)

    by_key = {m.storage_key: m for m in media}
    assert len(by_key) == len(media), "two records share a storage key"
    assert len({m.upload_id for m in media}) == len(media), "two records share an upload session"
    for m in media:
        where = f"record {m.account_id}/{int(m.media_id)}"
        assert m.storage_key.startswith(f"media/{m.account_id}/"), f"{where} points into another account"
        assert m.storage_key in objects, f"{where}: dangling, its object {m.storage_key} is gone"
        assert objects[m.storage_key] == int(m.file_size), f"{where}: size differs from its object"
        session = sessions.get(m.upload_id)
        assert session is not None, f"{where} has no upload session"
        assert (session.status, session.media_id) == ("completed", m.media_id), f"{where}: session disagrees"
    for key in objects:
        if key in by_key:
            continue
        pending = [s for s in sessions.values() if s.storage_key == key and s.status == "pending"]
        assert allow_pending and pending, (
            f"orphan object {key} (no record{', no pending session' if allow_pending else ''})"
        )
    for s in sessions.values():
        if s.status == "rejected":
            assert s.storage_key not in objects, f"rejected upload {s.upload_id} left its object behind"
    for account_id in wanted:
        account, own = accounts[account_id], [m for m in media if m.account_id == account_id]
        counted = (
            int(account.media_count or 0),
            int(account.image_count or 0),
            int(account.video_count or 0),
            int(account.bytes_used or 0),
        )
        actual = (
            len(own),
            sum(m.file_type == "image" for m in own),
            sum(m.file_type == "video" for m in own),
            sum(int(m.file_size) for m in own),
        )
        assert counted == actual, f"{account_id}: counters {counted} != records {actual}"
        assert all(int(m.media_id) <= int(account.next_media_id or 0) for m in own), f"{account_id}: id ahead"
    return StoreSnapshot(objects, len(media), Counter(s.status for s in sessions.values()), len(wanted))


# -- fault injection on the DynamoDB clients (botocore event hooks) -----------


def dynamodb_clients() -> list[Any]:
    """Every botocore client PynamoDB talks through: one per model, one for transactions."""
    from chalicelib import models

    models.bind()
    assert models._connection is not None
    found = [m._get_connection().connection.client for m in models.MODELS] + [models._connection.client]
    return list({id(c): c for c in found}.values())


def request_params(request: dict[str, Any]) -> dict[str, Any]:
    """The API parameters of a serialised DynamoDB request (what ``before-call`` sees)."""
    body = request.get("body") or b"{}"
    return dict(json.loads(body.decode() if isinstance(body, bytes) else body))


def _tables(request: dict[str, Any]) -> set[str]:
    params = request_params(request)
    names = {params.get("TableName")} | set(params.get("RequestItems") or {})
    for item in params.get("TransactItems") or []:
        names |= {op.get("TableName") for op in item.values()}
    return {n for n in names if n}


class DynamoFault:
    """Fail the next ``times`` calls of one operation (optionally on one table).

    With ``reasons`` the failure is a TransactionCanceledException carrying
    those CancellationReasons, as DynamoDB sends them.
    """

    def __init__(self, times: int, code: str, table: str | None, reasons: list[str] | None) -> None:
        self.remaining, self.code, self.table, self.reasons = times, code, table, reasons
        self.failed = 0

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if self.remaining <= 0 or (self.table and not any(t.endswith(self.table) for t in _tables(params))):
            return
        self.remaining -= 1
        self.failed += 1
        response: dict[str, Any] = {"Error": {"Code": self.code, "Message": "injected fault"}}
        if self.reasons is not None:
            response["CancellationReasons"] = [{"Code": r} for r in self.reasons]
        raise ClientError(response, model.name)


@contextmanager
def dynamodb_failing(
    operation: str,
    times: int = 1,
    code: str = THROTTLES[0],
    *,
    table: str | None = None,
    reasons: list[str] | None = None,
) -> Iterator[DynamoFault]:
    """Make the next ``times`` ``operation`` calls fail, whichever model makes them.

    ``table`` is a table-name suffix (``media``, ``accounts``, ``api-keys``, ``uploads``).
    """
    fault = DynamoFault(times, code, table, reasons)
    hooked = [(c, f"before-call.dynamodb.{operation}") for c in dynamodb_clients()]
    for client, event in hooked:
        client.meta.events.register(event, fault)
    try:
        yield fault
    finally:
        for client, event in hooked:
            client.meta.events.unregister(event, fault)


@contextmanager
def stale_reads(table: str, key: dict[str, Any], item: dict[str, Any]) -> Iterator[list[int]]:
    """Eventually consistent GetItems of one item answer ``item`` (what a lagging replica
    still holds); strongly consistent reads see the table. Yields the stale answers served."""
    served: list[int] = []

    def lagging(model: Any, params: dict[str, Any], **_: Any) -> Any:
        asked = request_params(params)
        if not asked.get("TableName", "").endswith(table) or asked.get("Key") != key or asked.get("ConsistentRead"):
            return None
        served.append(1)
        return AWSResponse("https://dynamodb.stale", 200, {}, None), {"Item": item, "ResponseMetadata": {}}

    clients = dynamodb_clients()
    for client in clients:
        client.meta.events.register("before-call.dynamodb.GetItem", lagging)
    try:
        yield served
    finally:
        for client in clients:
            client.meta.events.unregister("before-call.dynamodb.GetItem", lagging)


def cancelled(reasons: list[str], times: int = 1) -> Any:
    """TransactWriteItems cancelled with ``reasons`` (one per item, ``None`` = fine)."""
    return dynamodb_failing("TransactWriteItems", times, "TransactionCanceledException", reasons=reasons)


# -- media and events -----------------------------------------------------------


@functools.lru_cache(maxsize=256)
def image_bytes(fmt: str, width: int, height: int, color: str = "teal") -> bytes:
    """A small real image (PNG, GIF or JPEG), cached: the same arguments give the same bytes."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, fmt)
    return out.getvalue()


def presigned(account_id: str, data: bytes, filename: str = "event.png") -> tuple[str, str]:
    """What a client does: start an upload session, then store the bytes under its key
    with a client of its own (never the service's, whose calls tests intercept).
    Returns (upload id, key); no event has been delivered yet."""
    from chalicelib import uploads
    from chalicelib.config import get_settings

    settings = get_settings()
    body = uploads.start_upload(account_id, {"filename": filename, "file_size": max(1, len(data))})
    fields = body["upload"]["fields"]
    boto3.client("s3", region_name=settings.region, endpoint_url=settings.s3_endpoint_url).put_object(
        Bucket=settings.bucket, Key=fields["key"], Body=data, ContentType=fields["Content-Type"]
    )
    return body["id"], fields["key"]


def deliver(key: str) -> str:
    """One delivery of the key's ObjectCreated event to the ingest Lambda."""
    from app import app

    return str(app.handler_map["ingest"](s3_event(key), None)["results"][0])


def s3_event(key: str, bucket: str | None = None, size: int = 0) -> dict[str, Any]:
    """An ObjectCreated:Post notification as S3 sends it (key URL-encoded)."""
    from chalicelib import storage

    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Post",
                "s3": {
                    "bucket": {"name": bucket or storage.bucket()},
                    "object": {"key": quote_plus(key, safe="/"), "size": size},
                },
            }
        ]
    }
