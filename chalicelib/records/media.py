"""Media records and the account counters that move with them.

Tenant isolation: every media read takes the account id as its partition key.
Every change of a record moves the counters in the same transaction, and
recording a file closes its upload session in that transaction too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.domain.fields import fold
from chalicelib.domain.names import FileType, SessionStatus, Uploader
from chalicelib.domain.search import Folded
from chalicelib.domain.upload import UploadSession
from chalicelib.domain.values import MediaChanges, MediaFile
from chalicelib.errors import AccountNotFound, MediaLimitReached, ServiceUnavailable
from chalicelib.models import AccountItem, MediaItem, UploadItem
from chalicelib.records.accounts import account_of
from chalicelib.records.base import Write, get_or_none, transact, translated, update_if
from chalicelib.records.port import MediaQuery


def media_of(item: MediaItem) -> MediaFile:
    """The value a stored item holds (PynamoDB numbers come back as floats)."""
    raw = {f.name: getattr(item, f.name) for f in dataclasses.fields(MediaFile)}
    return MediaFile(
        **{
            **raw,
            "media_id": int(raw["media_id"]),
            "file_size": int(raw["file_size"]),
            "file_type": FileType(raw["file_type"]),
            "uploaded_by": Uploader(raw["uploaded_by"]),
            "metadata": raw["metadata"] or None,
            "is_active": bool(raw["is_active"]),
            "thumbnail_attempts": int(raw["thumbnail_attempts"] or 0),
            "version": int(raw["version"] or 1),
            "tags": tuple(raw["tags"] or ()),
        }
    )


def item_of(media: MediaFile) -> MediaItem:
    """The item that stores ``media``, with its index key and lower-cased search copies."""
    values = dataclasses.asdict(media)
    del values["account_id"], values["media_id"]
    values["thumbnail_attempts"] = media.thumbnail_attempts or None
    values["tags"] = list(media.tags) or None
    folded = media.folded
    return MediaItem(
        media.account_id,
        media.media_id,
        type_key=type_key(media.account_id, media.file_type),
        name_lower=folded.name,
        original_lower=folded.original_name,
        description_folded=folded.description or None,
        tags_folded=folded.tags or None,
        **values,
    )


def type_key(account_id: str, file_type: FileType) -> str:
    """The by-type index's partition key: one account's images, or its videos."""
    return f"{account_id}#{file_type}"


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


def _filter(query: MediaQuery) -> Condition | None:
    """The query's filters, applied by DynamoDB to the items its key condition reads."""
    conditions = []
    if query.search:
        conditions.append(MediaItem.name_lower.contains(query.search) | MediaItem.original_lower.contains(query.search))
    if query.tag:
        conditions.append(MediaItem.tags.contains(query.tag))
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined &= condition
    return combined


def _query(account_id: str, query: MediaQuery, attributes: list[str] | None = None) -> Iterator[MediaItem]:
    range_condition = None
    if query.before_id is not None:
        range_condition = MediaItem.media_id < query.before_id
    elif query.after_id is not None:
        range_condition = MediaItem.media_id > query.after_id
    kwargs: dict[str, Any] = {
        "range_key_condition": range_condition,
        "filter_condition": _filter(query),
        "scan_index_forward": not query.newest_first,
        "limit": query.limit,
        "page_size": query.limit,
    }
    if attributes:
        kwargs["attributes_to_get"] = attributes
    if query.file_type is None:
        return iter(MediaItem.query(account_id, **kwargs))
    return iter(MediaItem.by_type.query(type_key(account_id, query.file_type), **kwargs))


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

    @translated
    def query_media(self, account_id: str, query: MediaQuery) -> list[MediaFile]:
        """One account's media by id order, as ``query`` bounds and filters them. The id bounds
        (a cursor) start the read exactly where the last page ended."""
        return [media_of(item) for item in _query(account_id, query)]

    @translated
    def query_media_ids(self, account_id: str, query: MediaQuery) -> list[int]:
        """The ids ``query_media`` would give, reading keys only (the page walk of listing:
        DynamoDB has no offset)."""
        return [int(item.media_id) for item in _query(account_id, query, attributes=["media_id"])]

    @translated
    def search_media(self, account_id: str, words: list[str], query: MediaQuery) -> list[tuple[int, Folded]]:
        """The files that hold at least one of ``words`` in a searchable field (every file when
        there are none), as the search index projects them: (id, folded fields), newest first.
        ``query``'s type and tag filters apply; its search, bounds and limit do not."""
        matching: Condition | None = None
        for word in words:
            holds = (
                MediaItem.name_lower.contains(word)
                | MediaItem.tags_folded.contains(word)
                | MediaItem.original_lower.contains(word)
                | MediaItem.description_folded.contains(word)
            )
            matching = holds if matching is None else matching | holds
        filters: list[Condition] = [] if query.file_type is None else [MediaItem.file_type == query.file_type]
        filters += [MediaItem.tags.contains(query.tag)] if query.tag else []
        for condition in filters:
            matching = condition if matching is None else matching & condition
        found = MediaItem.search.query(account_id, filter_condition=matching, scan_index_forward=False)
        return [
            (
                int(item.media_id),
                Folded(item.name_lower, item.tags_folded or "", item.original_lower, item.description_folded or ""),
            )
            for item in found
        ]

    @translated
    def get_media_batch(self, account_id: str, media_ids: list[int]) -> dict[int, MediaFile]:
        if not media_ids:
            return {}
        return {int(m.media_id): media_of(m) for m in MediaItem.batch_get([(account_id, i) for i in media_ids])}

    @translated
    def scan_media(self) -> Iterator[MediaFile]:
        for item in MediaItem.scan():
            yield media_of(item)
