"""Idempotency records: one per (account, Idempotency-Key), written conditionally."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DeleteError, PutError

from chalicelib.media import now_iso
from chalicelib.models import IdempotencyRecord
from chalicelib.records.base import CONDITION_FAILED, get_or_none, translated, update_if

IN_PROGRESS, DONE = "in_progress", "done"


@translated
def claim(account_id: str, key: str, fingerprint: str, lock: timedelta, keep: timedelta) -> IdempotencyRecord | None:
    """Take the key for this request; None when taken, else the record that holds it.

    The put succeeds when the key is new, expired (TTL deletion lags), or held
    by an attempt that died in progress (its lock ran out).
    """
    now = datetime.now(UTC)
    record = IdempotencyRecord(
        account_id,
        key,
        fingerprint=fingerprint,
        status=IN_PROGRESS,
        locked_until=int((now + lock).timestamp()),
        created_at=now_iso(),
        expires_ttl=now + keep,
    )
    free = (
        IdempotencyRecord.idempotency_key.does_not_exist()
        | (IdempotencyRecord.expires_ttl < now)
        | ((IdempotencyRecord.status == IN_PROGRESS) & (IdempotencyRecord.locked_until < int(now.timestamp())))
    )
    try:
        record.save(condition=free)
    except PutError as exc:
        if exc.cause_response_code != f"{CONDITION_FAILED}Exception":
            raise
        return get_or_none(IdempotencyRecord, account_id, key, consistent=True) or record
    return None


@translated
def complete(account_id: str, key: str, fingerprint: str, status: int, body: str, headers: dict[str, Any]) -> bool:
    """Keep the answer of the attempt that holds the key; False when it no longer does."""
    actions = [
        IdempotencyRecord.status.set(DONE),
        IdempotencyRecord.response_status.set(status),
        IdempotencyRecord.response_body.set(body),
        IdempotencyRecord.response_headers.set(headers),
    ]
    held = (IdempotencyRecord.fingerprint == fingerprint) & (IdempotencyRecord.status == IN_PROGRESS)
    return update_if(IdempotencyRecord(account_id, key), actions, held)


@translated
def release(account_id: str, key: str, fingerprint: str) -> None:
    """Give the key back (the attempt failed with a 5xx: a retry may run the request again)."""
    held = (IdempotencyRecord.fingerprint == fingerprint) & (IdempotencyRecord.status == IN_PROGRESS)
    try:
        IdempotencyRecord(account_id, key).delete(condition=held)
    except DeleteError as exc:  # a condition that no longer holds: nothing to give back
        if exc.cause_response_code != f"{CONDITION_FAILED}Exception":
            raise
