"""MediaFile records and the account counters that move with them.

Tenant isolation: every media read takes the account id as its partition key.
Every change of a record moves the counters in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.errors import AccountNotFound, MediaLimitReached, ServiceUnavailable
from chalicelib.models import Account, MediaFile, UploadSession
from chalicelib.records.base import Write, get_or_none, transact, translated, update_if
from chalicelib.states import SessionStatus


@translated
def get_media(account_id: str, media_id: int, *, consistent: bool = False) -> MediaFile | None:
    return get_or_none(MediaFile, account_id, media_id, consistent=consistent)


def _at_versions(versions: list[int] | None) -> Condition:
    """The record exists (and, given versions, is at one of them; records written
    before versions existed count as version 1)."""
    exists = MediaFile.media_id.exists()
    if not versions:
        return exists
    at = MediaFile.version.is_in(*versions)
    return exists & ((at | MediaFile.version.does_not_exist()) if 1 in versions else at)


@translated
def rename_media(
    account_id: str, media_id: int, name: str, now: str, *, versions: list[int] | None = None
) -> MediaFile | None:
    """Set the display name in one conditional UpdateItem (at one of ``versions`` if given);
    None when the condition failed: no such record, or another version."""
    record = MediaFile(account_id, media_id)
    actions = [
        MediaFile.name.set(name),
        MediaFile.name_lower.set(name.lower()),
        MediaFile.updated_at.set(now),
        MediaFile.version.set((MediaFile.version | 1) + 1),  # if_not_exists(version, 1) + 1
    ]
    return record if update_if(record, actions, _at_versions(versions)) else None


@translated
def confirm_version(account_id: str, media_id: int, versions: list[int]) -> bool:
    """A conditional write that changes nothing: whether the record is at one of ``versions`` now."""
    unchanged = [MediaFile.updated_at.set(MediaFile.updated_at)]
    return update_if(MediaFile(account_id, media_id), unchanged, _at_versions(versions))


@translated
def set_thumbnail(account_id: str, media_id: int, storage_key: str, thumbnail_key: str) -> bool:
    """Name the record's thumbnail (a new version of its representation); False when the
    record is missing, holds another file, or has its thumbnail already."""
    condition = (
        MediaFile.media_id.exists() & (MediaFile.storage_key == storage_key) & MediaFile.thumbnail_key.does_not_exist()
    )
    actions = [MediaFile.thumbnail_key.set(thumbnail_key), MediaFile.version.set((MediaFile.version | 1) + 1)]
    return update_if(MediaFile(account_id, media_id), actions, condition)


@translated
def note_thumbnail_failure(account_id: str, media_id: int) -> None:
    update_if(MediaFile(account_id, media_id), [MediaFile.thumbnail_attempts.add(1)], MediaFile.media_id.exists())


@translated
def allocate_media_id(account_id: str) -> int:
    """Next integer id of the account (atomic counter; ids increase, gaps allowed)."""
    account = Account(account_id)
    if not update_if(account, [Account.next_media_id.add(1)], Account.account_id.exists()):
        raise AccountNotFound()
    return int(account.next_media_id)


def _counter_actions(file_type: str, size: int, sign: int) -> list[Action]:
    typed = Account.image_count if file_type == "image" else Account.video_count
    return [Account.media_count.add(sign), typed.add(sign), Account.bytes_used.add(sign * size)]


@translated
def record_media(media: MediaFile, session: UploadSession) -> bool:
    """Create the media record, bump the counters and close the session, atomically.

    Returns False when the session was no longer pending (a duplicate event or
    a concurrent ``complete`` recorded it first). Raises MediaLimitReached
    when the plan is full; nothing is written then.
    """
    under_limit = Account.media_limit.does_not_exist() | (Account.media_count < Account.media_limit)
    failed = transact(
        Write("media", "save", media, MediaFile.media_id.does_not_exist()),
        Write(
            "account",
            "update",
            Account(media.account_id),
            Account.account_id.exists() & under_limit,
            _counter_actions(media.file_type, int(media.file_size), 1),
            return_old=True,
        ),
        Write(
            "session",
            "update",
            UploadSession(session.upload_id),
            UploadSession.status == SessionStatus.PENDING,
            [
                UploadSession.status.set(SessionStatus.COMPLETED),
                UploadSession.media_id.set(media.media_id),
                UploadSession.storage_key.set(media.storage_key),
            ],
        ),
    )
    if "session" in failed:
        return False
    if "account" in failed:
        old = failed["account"]
        if old is None:
            raise AccountNotFound()
        account = Account.from_raw_data(old)
        raise MediaLimitReached(int(account.media_limit or 0), int(account.media_count or 0))
    if failed:  # ids are allocated atomically: a taken id means something else is wrong
        raise ServiceUnavailable("The file could not be recorded. Retry the request.")
    return True


@translated
def delete_media_record(record: MediaFile, condition: Condition | None = None) -> bool:
    """Delete the record and free its plan slot atomically; False when already gone."""
    exists = MediaFile.media_id.exists()
    failed = transact(
        Write(
            "media",
            "delete",
            MediaFile(record.account_id, record.media_id),
            exists if condition is None else exists & condition,
        ),
        Write(
            "account",
            "update",
            Account(record.account_id),
            None,
            _counter_actions(record.file_type, int(record.file_size), -1),
        ),
    )
    if "media" in failed:
        return False
    if failed:  # the counters have no condition: nothing else can fail
        raise ServiceUnavailable("The file could not be deleted. Retry the request.")
    return True


@translated
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
        "page_size": limit,
    }
    if ids_only:
        kwargs["attributes_to_get"] = ["media_id"]
    if file_type is None:
        return list(MediaFile.query(account_id, **kwargs))
    return list(MediaFile.by_type.query(f"{account_id}#{file_type}", **kwargs))


@translated
def get_media_batch(account_id: str, media_ids: list[int]) -> dict[int, MediaFile]:
    if not media_ids:
        return {}
    return {int(m.media_id): m for m in MediaFile.batch_get([(account_id, i) for i in media_ids])}


@translated
def scan_media() -> Iterator[MediaFile]:
    yield from MediaFile.scan()
