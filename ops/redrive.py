"""Replay the events that failed after their retries (the failed-event queue).

Each message is the record Lambda's on-failure destination writes (the local
event pump writes the same): the original S3 event in ``requestPayload``, the
error in ``responsePayload``. Replaying runs the same code the function runs
(chalicelib.events: ingest for staged uploads, the thumbnail maker for new
files, by the key's prefix), here in the operator's process, against the
target's storage and tables. Both are safe to repeat: a replayed event finds done work done.
A message is deleted once its event went through; one that fails again stays
in the queue (visible again a minute later) with nothing half-done.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

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


def redrive(sqs: Any, queue_url: str, *, dry_run: bool = False) -> list[Replayed]:
    """Replay (or with ``dry_run`` only list) every message of the queue.

    Messages stay hidden while the pass runs (each is looked at once); a dry run
    makes them visible again at its end.
    """
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
        done.extend(_one(sqs, queue_url, message, dry_run) for message in fresh)
    if dry_run:
        for receipt in held.values():
            sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=receipt, VisibilityTimeout=0)
    return done


def _one(sqs: Any, queue_url: str, message: dict[str, Any], dry_run: bool) -> Replayed:
    from chalicelib import events
    from chalicelib.domain.layout import event_objects, route_of

    try:
        record = json.loads(message["Body"])
        event = record["requestPayload"]
        error = (record.get("responsePayload") or {}).get("errorMessage", "")
    except (ValueError, KeyError, TypeError):
        return Replayed(message["MessageId"], [], "", "unknown", "not an on-failure destination record")
    keys = [found.key for found in event_objects(event)]
    if not keys or route_of(keys[0]) is None:
        return Replayed(message["MessageId"], keys, str(error), "unknown", "no function takes these keys")
    if dry_run:
        return Replayed(message["MessageId"], keys, str(error), "would redrive")
    try:
        outcomes = events.handle(event)
    except Exception as exc:  # it failed again: it stays in the queue for the next redrive
        return Replayed(message["MessageId"], keys, str(error), "failed", f"{type(exc).__name__}: {exc}")
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return Replayed(message["MessageId"], keys, str(error), "redriven", ", ".join(outcomes))
