"""S3 ObjectCreated notifications, built from the one recorded in tests/events/,
and their delivery to the ingest Lambda."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

EVENTS = Path(__file__).resolve().parent.parent / "events"


@functools.cache
def _recorded() -> dict[str, Any]:
    return dict(json.loads((EVENTS / "s3_object_created.json").read_text()))


def s3_event(key: str, bucket: str | None = None, size: int = 0) -> dict[str, Any]:
    """The recorded ObjectCreated:Post notification for ``key`` (URL-encoded, as S3 sends
    keys) in ``bucket`` (the configured one by default)."""
    from chalicelib import storage

    event = copy.deepcopy(_recorded())
    name = bucket or storage.bucket()
    record = event["Records"][0]["s3"]
    record["bucket"].update(name=name, arn=f"arn:aws:s3:::{name}")
    record["object"].update(key=quote_plus(key, safe="/"), size=size)
    return event


def deliver(key: str) -> str:
    """One delivery of the key's ObjectCreated event to the ingest Lambda; its outcome."""
    from app import app

    return str(app.handler_map["ingest"](s3_event(key), None)["results"][0])
