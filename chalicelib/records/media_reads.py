"""Reading an account's media records: lists by id order and filters, the search index,
batches and the whole table (the reconciler's)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pynamodb.expressions.condition import Condition

from chalicelib.domain.search import Folded
from chalicelib.domain.values import MediaFile
from chalicelib.models import MediaItem
from chalicelib.records.base import translated
from chalicelib.records.media_items import media_of, type_key
from chalicelib.records.port import MediaQuery

#: Items a filtered read asks DynamoDB for per call: ~1 MB of records of about 1 KB.
FILTERED_READ = 1000


def _filter(query: MediaQuery) -> Condition | None:
    """The query's filters, applied by DynamoDB to the items its key condition reads."""
    conditions = []
    if query.search:
        conditions.append(MediaItem.name_lower.contains(query.search) | MediaItem.original_lower.contains(query.search))
    if query.tag:
        conditions.append(MediaItem.tags.contains(query.tag))
    if query.channel:
        conditions.append(MediaItem.channels.contains(query.channel))
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
    filters = _filter(query)
    kwargs: dict[str, Any] = {
        "range_key_condition": range_condition,
        "filter_condition": filters,
        "scan_index_forward": not query.newest_first,
        "limit": query.limit,
        # DynamoDB's Limit counts the items it reads, before the filter: a filtered page asked
        # in reads of its own size could cost a call per few items when matches are rare.
        # Filtered, each call reads up to FILTERED_READ items (or its 1 MB) and the
        # iterator stops at ``limit`` matches. (PynamoDB reads None as ``limit``.)
        "page_size": query.limit if filters is None or query.limit is None else max(query.limit, FILTERED_READ),
    }
    if attributes:
        kwargs["attributes_to_get"] = attributes
    if query.file_type is None:
        return iter(MediaItem.query(account_id, **kwargs))
    return iter(MediaItem.by_type.query(type_key(account_id, query.file_type), **kwargs))


class MediaReads:
    """Media reads (part of records.dynamo.DynamoRecords)."""

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
        filters += [MediaItem.channels.contains(query.channel)] if query.channel else []
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
