"""Replay the events that failed after their retries (the failed-event queue).

Each message is the record Lambda's on-failure destination writes (the local
event pump writes the same): the original S3 event in ``requestPayload``, the
error in ``responsePayload``. Replaying runs the same code the function runs
(ingest for staged uploads, the thumbnail maker for new files, by the event's
key prefix), here in the operator's process, against the target's storage and
tables. Both are safe to repeat: a replayed event finds done work done.
A message is deleted once its event went through; one that fails again stays
in the queue (visible again a minute later) with nothing half-done.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import unquote_plus

VISIBILITY_SECONDS = 60


@dataclass
class Replayed:
    message_id: str
    keys: list[str]
    error: str  # the error it failed with before
    outcome: str  # redriven | failed | would redrive | unknown (not an event we replay)
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _handlers() -> dict[str, Callable[[dict[str, Any]], Any]]:
    from chalicelib import ingest, thumbnails
    from chalicelib.media import MEDIA_PREFIX, STAGING_PREFIX

    return {STAGING_PREFIX: ingest.ingest_event, MEDIA_PREFIX: thumbnails.make_for_event}


def _keys(event: dict[str, Any]) -> list[str]:
    return [unquote_plus(((r.get("s3") or {}).get("object") or {}).get("key", "")) for r in event.get("Records") or []]


def redrive(sqs: Any, queue_url: str, *, dry_run: bool = False) -> list[Replayed]:
    """Replay (or with ``dry_run`` only list) every message of the queue.

    Messages stay hidden while the pass runs (each is looked at once); a dry run
    makes them visible again at its end.
    """
    handlers = _handlers()
    done: list[Replayed] = []
    held: dict[str, str] = {}  # message id -> its latest receipt
    while True:
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=VISIBILITY_SECONDS, WaitTimeSeconds=0
        ).get("Messages", [])
        fresh = [m for m in messages if m["MessageId"] not in held]
        for message in messages:
            held[message["MessageId"]] = message["ReceiptHandle"]
        if not fresh:
            break
        done.extend(_one(sqs, queue_url, message, handlers, dry_run) for message in fresh)
    if dry_run:
        for receipt in held.values():
            sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=receipt, VisibilityTimeout=0)
    return done


def _one(sqs: Any, queue_url: str, message: dict[str, Any], handlers: dict[str, Any], dry_run: bool) -> Replayed:
    try:
        record = json.loads(message["Body"])
        event = record["requestPayload"]
        error = (record.get("responsePayload") or {}).get("errorMessage", "")
    except (ValueError, KeyError, TypeError):
        return Replayed(message["MessageId"], [], "", "unknown", "not an on-failure destination record")
    keys = _keys(event)
    handler = next((h for prefix, h in handlers.items() if keys and keys[0].startswith(prefix)), None)
    if handler is None:
        return Replayed(message["MessageId"], keys, str(error), "unknown", "no function takes these keys")
    if dry_run:
        return Replayed(message["MessageId"], keys, str(error), "would redrive")
    try:
        result = handler(event)
    except Exception as exc:  # it failed again: it stays in the queue for the next redrive
        return Replayed(message["MessageId"], keys, str(error), "failed", f"{type(exc).__name__}: {exc}")
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    outcomes = [str(getattr(r, "outcome", r)) for r in result]
    return Replayed(message["MessageId"], keys, str(error), "redriven", ", ".join(outcomes))
