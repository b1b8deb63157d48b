"""Idempotency records: one per (account, Idempotency-Key), written conditionally."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DeleteError, PutError

from chalicelib.domain import clock
from chalicelib.domain.values import HeldKey
from chalicelib.models import IdempotencyItem
from chalicelib.records.base import CONDITION_FAILED, get_or_none, translated, update_if

IN_PROGRESS, DONE = "in_progress", "done"


def _held(item: IdempotencyItem) -> HeldKey:
    if item.status != DONE or item.response_status is None:
        return HeldKey(item.fingerprint)
    return HeldKey(
        item.fingerprint, int(item.response_status), item.response_body or "", dict(item.response_headers or {})
    )


class KeyRecords:
    """Idempotency keys (part of records.dynamo.DynamoRecords)."""

    @translated
    def claim_key(
        self, account_id: str, key: str, fingerprint: str, lock: timedelta, keep: timedelta
    ) -> HeldKey | None:
        """Take the key for this request; None when taken, else what holds it.

        The put succeeds when the key is new, expired (TTL deletion lags), or held
        by an attempt that died in progress (its lock ran out).
        """
        now = datetime.now(UTC)
        item = IdempotencyItem(
            account_id,
            key,
            fingerprint=fingerprint,
            status=IN_PROGRESS,
            locked_until=int((now + lock).timestamp()),
            created_at=clock.to_text(now),
            expires_ttl=now + keep,
        )
        free = (
            IdempotencyItem.idempotency_key.does_not_exist()
            | (IdempotencyItem.expires_ttl < now)
            | ((IdempotencyItem.status == IN_PROGRESS) & (IdempotencyItem.locked_until < int(now.timestamp())))
        )
        try:
            item.save(condition=free)
        except PutError as exc:
            if exc.cause_response_code != f"{CONDITION_FAILED}Exception":
                raise
            return _held(get_or_none(IdempotencyItem, account_id, key, consistent=True) or item)
        return None

    @translated
    def keep_answer(
        self, account_id: str, key: str, fingerprint: str, status: int, body: str, headers: dict[str, Any]
    ) -> bool:
        """Keep the answer of the attempt that holds the key; False when it no longer does."""
        actions = [
            IdempotencyItem.status.set(DONE),
            IdempotencyItem.response_status.set(status),
            IdempotencyItem.response_body.set(body),
            IdempotencyItem.response_headers.set(headers),
        ]
        held = (IdempotencyItem.fingerprint == fingerprint) & (IdempotencyItem.status == IN_PROGRESS)
        return update_if(IdempotencyItem(account_id, key), actions, held)

    @translated
    def release_key(self, account_id: str, key: str, fingerprint: str) -> None:
        """Give the key back (the attempt failed with a 5xx: a retry may run the request again)."""
        held = (IdempotencyItem.fingerprint == fingerprint) & (IdempotencyItem.status == IN_PROGRESS)
        try:
            IdempotencyItem(account_id, key).delete(condition=held)
        except DeleteError as exc:  # a condition that no longer holds: nothing to give back
            if exc.cause_response_code != f"{CONDITION_FAILED}Exception":
                raise
