"""Reads and writes of the DynamoDB records, with PynamoDB errors translated.

Every write that could be repeated (events, retries) is conditional, and every
change of a media record moves the account counters in the same transaction.
Tenant isolation: each media query takes the account id as its partition key.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from pynamodb.exceptions import (
    DoesNotExist,
    PynamoDBException,
    TransactWriteError,
    UpdateError,
)
from pynamodb.expressions.condition import Condition

from chalicelib.errors import MediaLimitReached, ServiceUnavailable
from chalicelib.media import now_iso
from chalicelib.models import Account, ApiKey, MediaFile, UploadSession, bind, transaction

F = TypeVar("F", bound=Callable[..., Any])
_CONDITION_FAILED = "ConditionalCheckFailedException"
_TX_ATTEMPTS = 4


def _translated(func: F) -> F:
    """Bind the models, and turn any unexpected PynamoDB failure into ServiceUnavailable."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bind()
        try:
            return func(*args, **kwargs)
        except PynamoDBException as exc:
            raise ServiceUnavailable("The database is temporarily unavailable. Retry the request.") from exc

    return wrapper  # type: ignore[return-value]


def _condition_failed(exc: PynamoDBException) -> bool:
    return exc.cause_response_code == _CONDITION_FAILED


def _reasons(exc: TransactWriteError) -> list[str | None]:
    return [r.code if r else None for r in exc.cancellation_reasons]


# -- accounts and keys -------------------------------------------------------


@_translated
def get_account(account_id: str) -> Account | None:
    try:
        return Account.get(account_id)
    except DoesNotExist:
        return None


@_translated
def put_account(account: Account) -> None:
    account.save(condition=Account.account_id.does_not_exist())


@_translated
def set_media_limit(account_id: str, limit: int | None) -> Account | None:
    account = Account(account_id)
    action = Account.media_limit.remove() if limit is None else Account.media_limit.set(limit)
    try:
        account.update(actions=[action], condition=Account.account_id.exists())
    except UpdateError as exc:
        if _condition_failed(exc):
            return None
        raise
    return account


@_translated
def put_api_key(key: ApiKey) -> None:
    key.save(condition=ApiKey.key_hash.does_not_exist())


@_translated
def get_api_key(key_hash: str) -> ApiKey | None:
    try:
        return ApiKey.get(key_hash)
    except DoesNotExist:
        return None


@_translated
def list_api_keys(account_id: str) -> list[ApiKey]:
    return list(ApiKey.by_account.query(account_id))


@_translated
def revoke_api_key(key_hash: str, when: str) -> bool:
    """Mark a key revoked; False when it was unknown or already revoked."""
    try:
        ApiKey(key_hash).update(
            actions=[ApiKey.revoked_at.set(when)],
            condition=ApiKey.key_hash.exists() & ApiKey.revoked_at.does_not_exist(),
        )
    except UpdateError as exc:
        if _condition_failed(exc):
            return False
        raise
    return True


@_translated
def scan_api_keys() -> Iterator[ApiKey]:
    yield from ApiKey.scan()


# -- media records -----------------------------------------------------------


@_translated
def get_media(account_id: str, media_id: int, *, consistent: bool = False) -> MediaFile | None:
    try:
        return MediaFile.get(account_id, media_id, consistent_read=consistent)
    except DoesNotExist:
        return None


@_translated
def rename_media(account_id: str, media_id: int, name: str, now: str) -> MediaFile | None:
    """Set the display name in one conditional UpdateItem; None when there is no such record."""
    record = MediaFile(account_id, media_id)
    try:
        record.update(
            actions=[
                MediaFile.name.set(name),
                MediaFile.name_lower.set(name.lower()),
                MediaFile.updated_at.set(now),
            ],
            condition=MediaFile.media_id.exists(),
        )
    except UpdateError as exc:
        if _condition_failed(exc):
            return None
        raise
    return record


@_translated
def allocate_media_id(account_id: str) -> int:
    """Next integer id of the account (atomic counter; ids increase, gaps allowed)."""
    account = Account(account_id)
    account.update(actions=[Account.next_media_id.add(1)], condition=Account.account_id.exists())
    return int(account.next_media_id)


def _counter_actions(file_type: str, size: int, sign: int) -> list[Any]:
    typed = Account.image_count if file_type == "image" else Account.video_count
    return [
        Account.media_count.add(sign),
        typed.add(sign),
        Account.bytes_used.add(sign * size),
    ]


@_translated
def record_media(media: MediaFile, session: UploadSession) -> bool:
    """Create the media record, bump the counters and close the session, atomically.

    Returns False when the session was no longer pending (a duplicate event or
    a concurrent ``complete`` recorded it first). Raises MediaLimitReached
    when the plan is full; nothing is written then.
    """
    under_limit = Account.media_limit.does_not_exist() | (Account.media_count < Account.media_limit)
    for attempt in range(_TX_ATTEMPTS):
        try:
            with transaction() as tx:
                tx.save(media, condition=MediaFile.media_id.does_not_exist())
                tx.update(
                    Account(media.account_id),
                    actions=_counter_actions(media.file_type, int(media.file_size), 1),
                    condition=Account.account_id.exists() & under_limit,
                )
                tx.update(
                    UploadSession(session.upload_id),
                    actions=[
                        UploadSession.status.set("completed"),
                        UploadSession.media_id.set(media.media_id),
                    ],
                    condition=UploadSession.status == "pending",
                )
            return True
        except TransactWriteError as exc:
            reasons = _reasons(exc)
            if reasons[2:3] == ["ConditionalCheckFailed"]:
                return False
            if reasons[1:2] == ["ConditionalCheckFailed"]:
                account = get_account(media.account_id)
                limit = int(account.media_limit) if account and account.media_limit is not None else 0
                used = int(account.media_count) if account else 0
                raise MediaLimitReached(limit, used) from exc
            if "TransactionConflict" in reasons and attempt + 1 < _TX_ATTEMPTS:
                time.sleep(0.02 * 2**attempt)
                continue
            raise
    raise AssertionError("unreachable")


@_translated
def delete_media_record(record: MediaFile, condition: Condition | None = None) -> bool:
    """Delete the record and free its plan slot atomically; False when already gone."""
    exists = MediaFile.media_id.exists()
    for attempt in range(_TX_ATTEMPTS):
        try:
            with transaction() as tx:
                tx.delete(
                    MediaFile(record.account_id, record.media_id),
                    condition=exists & condition if condition is not None else exists,
                )
                tx.update(
                    Account(record.account_id),
                    actions=_counter_actions(record.file_type, int(record.file_size), -1),
                )
            return True
        except TransactWriteError as exc:
            reasons = _reasons(exc)
            if reasons[:1] == ["ConditionalCheckFailed"]:
                return False
            if "TransactionConflict" in reasons and attempt + 1 < _TX_ATTEMPTS:
                time.sleep(0.02 * 2**attempt)
                continue
            raise
    raise AssertionError("unreachable")


@_translated
def query_media(
    account_id: str,
    file_type: str | None = None,
    *,
    before_id: int | None = None,
    after_id: int | None = None,
    newest_first: bool = True,
    limit: int | None = None,
    search: str | None = None,
    ids_only: bool = False,
    page_size: int | None = None,
) -> list[MediaFile]:
    """One account's media, by id order, optionally one type and a name search.

    ``before_id``/``after_id`` bound the sort key (the cursor), so the read
    starts exactly where the last page ended. With ``ids_only`` only the key
    attributes come back (the page walk of DESIGN §3.3).
    """
    range_condition = None
    if before_id is not None:
        range_condition = MediaFile.media_id < before_id
    elif after_id is not None:
        range_condition = MediaFile.media_id > after_id
    kwargs: dict[str, Any] = {
        "range_key_condition": range_condition,
        "filter_condition": (
            MediaFile.name_lower.contains(search) | MediaFile.original_lower.contains(search) if search else None
        ),
        "scan_index_forward": not newest_first,
        "limit": limit,
        "page_size": page_size or limit,
    }
    if ids_only:
        kwargs["attributes_to_get"] = ["media_id"]
    if file_type is None:
        results = MediaFile.query(account_id, **kwargs)
    else:
        results = MediaFile.by_type.query(f"{account_id}#{file_type}", **kwargs)
    return list(results)


@_translated
def get_media_batch(account_id: str, media_ids: list[int]) -> dict[int, MediaFile]:
    if not media_ids:
        return {}
    return {int(m.media_id): m for m in MediaFile.batch_get([(account_id, i) for i in media_ids])}


@_translated
def scan_media() -> Iterator[MediaFile]:
    yield from MediaFile.scan()


# -- upload sessions ---------------------------------------------------------


@_translated
def put_session(session: UploadSession) -> None:
    session.save(condition=UploadSession.upload_id.does_not_exist())


@_translated
def get_session(upload_id: str, *, consistent: bool = False) -> UploadSession | None:
    """``consistent`` reads what the last write left (a default read may be stale for ~1 s)."""
    try:
        return UploadSession.get(upload_id, consistent_read=consistent)
    except DoesNotExist:
        return None


@_translated
def reject_session(session: UploadSession, reason: str, message: str) -> bool:
    """Mark a pending session rejected; False when it was already closed."""
    try:
        session.update(
            actions=[
                UploadSession.status.set("rejected"),
                UploadSession.reason.set(reason),
                UploadSession.reason_message.set(message),
            ],
            condition=UploadSession.status == "pending",
        )
    except UpdateError as exc:
        if _condition_failed(exc):
            return False
        raise
    return True


@_translated
def acknowledge_session(upload_id: str) -> bool:
    """True exactly once per session: the first ``complete`` that returns the file."""
    try:
        UploadSession(upload_id).update(
            actions=[UploadSession.acknowledged_at.set(now_iso())],
            condition=UploadSession.upload_id.exists() & UploadSession.acknowledged_at.does_not_exist(),
        )
    except UpdateError as exc:
        if _condition_failed(exc):
            return False
        raise
    return True


@_translated
def scan_sessions() -> Iterator[UploadSession]:
    yield from UploadSession.scan()
