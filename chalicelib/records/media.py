"""Writing media records, and the account counters that move with them.

Tenant isolation: every media read takes the account id as its partition key.
Every change of a record moves the counters in the same transaction, and
recording a file closes its upload session in that transaction too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.domain.fields import fold
from chalicelib.domain.names import FileType, SessionStatus, Uploader
from chalicelib.domain.upload import UploadSession
from chalicelib.domain.values import MediaChanges, MediaFile
from chalicelib.errors import AccountNotFound, MediaLimitReached, ServiceUnavailable
from chalicelib.models import AccountItem, MediaItem, UploadItem
from chalicelib.records.accounts import account_of
from chalicelib.records.base import Write, get_or_none, transact, translated, update_if
from chalicelib.records.media_items import facts_of, item_of, media_of


def _at_versions(versions: list[int] | None) -> Condition:
    """The record exists (and, given versions, is at one of them; records written
    before versions existed count as version 1)."""
    exists = MediaItem.media_id.exists()
    if not versions:
        return exists
    at = MediaItem.version.is_in(*versions)
    return exists & ((at | MediaItem.version.does_not_exist()) if 1 in versions else at)


def _updated(item: MediaItem, actions: Sequence[Action], condition: Condition) -> MediaFile | None:
    """One conditional UpdateItem answered with the whole new record (None: condition failed)."""
    return media_of(item) if update_if(item, actions, condition) else None


def _counter_actions(file_type: FileType, size: int, sign: int) -> list[Action]:
    typed = AccountItem.image_count if file_type == FileType.IMAGE else AccountItem.video_count
    return [AccountItem.media_count.add(sign), typed.add(sign), AccountItem.bytes_used.add(sign * size)]


class MediaRecords:
    """Media records and the counters that move with them (part of records.dynamo.DynamoRecords)."""

    @translated
    def get_media(self, account_id: str, media_id: int, *, consistent: bool = False) -> MediaFile | None:
        item = get_or_none(MediaItem, account_id, media_id, consistent=consistent)
        return None if item is None else media_of(item)

    @translated
    def update_media(
        self, account_id: str, media_id: int, changes: MediaChanges, now: str, *, versions: list[int] | None = None
    ) -> MediaFile | None:
        """Apply ``changes`` in one conditional UpdateItem (at one of ``versions`` if given), each
        field with its folded copy; None when the condition failed: no such record, or another
        version."""
        actions: list[Action] = [
            MediaItem.updated_at.set(now),
            MediaItem.version.set((MediaItem.version | 1) + 1),  # if_not_exists(version, 1) + 1
        ]
        if changes.name is not None:
            actions += [MediaItem.name.set(changes.name), MediaItem.name_lower.set(fold(changes.name))]
        if changes.sets_description:
            if changes.description:
                folded = fold(changes.description)
                actions += [MediaItem.description.set(changes.description), MediaItem.description_folded.set(folded)]
            else:
                actions += [MediaItem.description.remove(), MediaItem.description_folded.remove()]
        if changes.tags is not None:
            if changes.tags:
                folded = fold(" ".join(changes.tags))
                tags: Any = list(changes.tags)  # PynamoDB types a list of strings as one of attributes
                actions += [MediaItem.tags.set(tags), MediaItem.tags_folded.set(folded)]
            else:
                actions += [MediaItem.tags.remove(), MediaItem.tags_folded.remove()]
        return _updated(MediaItem(account_id, media_id), actions, _at_versions(versions))

    @translated
    def confirm_version(self, account_id: str, media_id: int, versions: list[int]) -> bool:
        """A conditional write that changes nothing: whether the record is at one of ``versions`` now."""
        unchanged = [MediaItem.updated_at.set(MediaItem.updated_at)]
        return update_if(MediaItem(account_id, media_id), unchanged, _at_versions(versions))

    @translated
    def set_thumbnail(self, account_id: str, media_id: int, storage_key: str, thumbnail_key: str) -> bool:
        """Name the record's thumbnail (a new version of its representation); False when the
        record is missing, holds another file, or has its thumbnail already."""
        condition = (
            MediaItem.media_id.exists()
            & (MediaItem.storage_key == storage_key)
            & MediaItem.thumbnail_key.does_not_exist()
        )
        actions = [MediaItem.thumbnail_key.set(thumbnail_key), MediaItem.version.set((MediaItem.version | 1) + 1)]
        return update_if(MediaItem(account_id, media_id), actions, condition)

    @translated
    def save_facts(self, media: MediaFile) -> bool:
        """Store what the probe found and where the derivatives stand (and so the channels the
        file can go to) for the file at ``media.storage_key``, one conditional UpdateItem; False
        when the record is gone or holds another file. Other fields are left as stored."""
        facts = facts_of(media)
        actions: list[Action] = [MediaItem.version.set((MediaItem.version | 1) + 1)]
        actions.append(MediaItem.metadata.set(media.metadata) if media.metadata else MediaItem.metadata.remove())
        for name, value in facts.items():
            attribute = getattr(MediaItem, name)
            actions.append(attribute.remove() if value is None else attribute.set(value))
        condition = MediaItem.media_id.exists() & (MediaItem.storage_key == media.storage_key)
        return update_if(MediaItem(media.account_id, media.media_id), actions, condition)

    @translated
    def note_thumbnail_failure(self, account_id: str, media_id: int) -> None:
        update_if(MediaItem(account_id, media_id), [MediaItem.thumbnail_attempts.add(1)], MediaItem.media_id.exists())

    @translated
    def allocate_media_id(self, account_id: str) -> int:
        """Next integer id of the account (atomic counter; ids increase, gaps allowed)."""
        account = AccountItem(account_id)
        if not update_if(account, [AccountItem.next_media_id.add(1)], AccountItem.account_id.exists()):
            raise AccountNotFound()
        return int(account.next_media_id)

    @translated
    def record_media(self, media: MediaFile, session: UploadSession) -> bool:
        """Create the media record, bump the counters and close the session, atomically.

        ``session`` is the session this file completes (``UploadSession.complete``).
        Returns False when the stored session was no longer pending (a duplicate
        event or a concurrent ``complete`` recorded it first). Raises
        MediaLimitReached when the plan is full (the rule of ``Account.has_room``,
        checked inside the transaction); nothing is written then.
        """
        has_room = AccountItem.media_limit.does_not_exist() | (AccountItem.media_count < AccountItem.media_limit)
        failed = transact(
            Write("media", "save", item_of(media), MediaItem.media_id.does_not_exist()),
            Write(
                "account",
                "update",
                AccountItem(media.account_id),
                AccountItem.account_id.exists() & has_room,
                _counter_actions(media.file_type, media.file_size, 1),
                return_old=True,
            ),
            Write(
                "session",
                "update",
                UploadItem(session.upload_id),
                UploadItem.status == SessionStatus.PENDING,
                [
                    UploadItem.status.set(SessionStatus.COMPLETED),
                    UploadItem.media_id.set(media.media_id),
                    UploadItem.storage_key.set(media.storage_key),
                ],
            ),
        )
        if "session" in failed:
            return False
        if "account" in failed:
            old = failed["account"]
            if old is None:
                raise AccountNotFound()
            account = account_of(AccountItem.from_raw_data(old))
            raise MediaLimitReached(account.media_limit or 0, account.media_count)
        if failed:  # ids are allocated atomically: a taken id means something else is wrong
            raise ServiceUnavailable("The file could not be recorded. Retry the request.")
        return True

    @translated
    def delete_media_record(self, media: MediaFile, *, client_only: bool = False) -> bool:
        """Delete the record and free its plan slot atomically; False when already gone
        (or, with ``client_only``, when the stored record is an admin file)."""
        condition = MediaItem.media_id.exists()
        if client_only:
            condition &= MediaItem.uploaded_by != Uploader.ADMIN
        failed = transact(
            Write("media", "delete", MediaItem(media.account_id, media.media_id), condition),
            Write(
                "account",
                "update",
                AccountItem(media.account_id),
                None,
                _counter_actions(media.file_type, media.file_size, -1),
            ),
        )
        if "media" in failed:
            return False
        if failed:  # the counters have no condition: nothing else can fail
            raise ServiceUnavailable("The file could not be deleted. Retry the request.")
        return True
