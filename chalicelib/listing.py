"""Listing an account's files: the query, pages and cursors (docs/architecture.md, "Listing").

The account id comes from the authenticated key and is the partition key of
every read. A list answers a :class:`MediaPage`; chalicelib.presenters makes
Laravel's paginator JSON of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from chalicelib import records
from chalicelib.domain.channel_rules import CHANNELS
from chalicelib.domain.fields import clean_tags, fold, tags_errors
from chalicelib.domain.formats import file_type
from chalicelib.domain.names import FileType
from chalicelib.domain.values import MediaFile
from chalicelib.errors import InvalidInput
from chalicelib.pagination import Cursor, decode_cursor, encode_cursor
from chalicelib.records import MediaQuery

PER_PAGE_DEFAULT = 25
PER_PAGE_MAX = 100
SEARCH_MAX = 255


@dataclass(frozen=True)
class ListQuery:
    file_type: FileType | None
    search: str | None  # folded (domain.fields.fold)
    per_page: int
    page: int
    cursor: str | None  # None: page mode; "" or a token: cursor mode
    echo: dict[str, str]  # the caller's filters, kept in every link
    tag: str | None = None
    channel: str | None = None

    @property
    def filtered(self) -> bool:
        """Whether the list must be counted by reading (a search, a tag or a channel: no counter
        holds it)."""
        return bool(self.search or self.tag or self.channel)


def _positive_int(raw: str, field: str, high: int | None = None) -> tuple[int | None, str | None]:
    try:
        value = int(raw.strip())
    except ValueError:
        return None, f"The {field} field must be an integer."
    if value < 1:
        return None, f"The {field} field must be at least 1."
    if high is not None and value > high:
        return None, f"The {field} field must not be greater than {high}."
    return value, None


def parse_list_query(params: Mapping[str, str]) -> ListQuery:
    """Validate the list query string; InvalidInput (422) names every bad field."""
    errors: dict[str, list[str]] = {}
    echo: dict[str, str] = {}
    type_name = params.get("type") or None
    family = None if type_name is None else file_type(type_name)
    if type_name is not None:
        if family is None:
            errors["type"] = ["The selected type is invalid. Use image or video."]
        echo["type"] = type_name
    search = (params.get("search") or "").strip() or None
    if search is not None:
        if len(search) > SEARCH_MAX:
            errors["search"] = [f"The search field must not be greater than {SEARCH_MAX} characters."]
        echo["search"] = search
    tag = (params.get("tag") or "").strip() or None
    if tag is not None:
        problems = tags_errors([tag])
        if problems:
            errors["tag"] = [problems[0].replace("tags.0", "tag")]
        echo["tag"] = tag
    channel = (params.get("channel") or "").strip() or None
    if channel is not None:
        if channel not in CHANNELS:
            errors["channel"] = [f"The selected channel is invalid. Use one of: {', '.join(CHANNELS)}."]
        echo["channel"] = channel
    per_page, page = PER_PAGE_DEFAULT, 1
    if "per_page" in params:
        value, error = _positive_int(params["per_page"], "per_page", PER_PAGE_MAX)
        if error:
            errors["per_page"] = [error]
        else:
            per_page = value or PER_PAGE_DEFAULT
            echo["per_page"] = str(per_page)
    cursor = params.get("cursor")
    if "page" in params:
        value, error = _positive_int(params["page"], "page")
        if error:
            errors["page"] = [error]
        else:
            page = value or 1
        if cursor is not None:
            errors.setdefault("cursor", []).append("Use either page or cursor, not both.")
    if errors:
        raise InvalidInput(errors)
    folded_tag = clean_tags([tag])[0] if tag else None
    return ListQuery(family, fold(search) if search else None, per_page, page, cursor, echo, folded_tag, channel)


@dataclass(frozen=True)
class MediaPage:
    """One page of a list: its files, and where it stands (``total`` in page mode,
    the neighbouring cursors in cursor mode)."""

    items: list[MediaFile]
    query: ListQuery
    total: int = 0
    next_cursor: str | None = None
    prev_cursor: str | None = None


def _total(account_id: str, family: FileType | None) -> int:
    account = records.store().get_account(account_id)
    if account is None:
        return 0
    counter = {None: account.media_count, FileType.IMAGE: account.image_count, FileType.VIDEO: account.video_count}
    return counter[family]


def _page_items(account_id: str, query: ListQuery) -> tuple[list[MediaFile], int]:
    skip = (query.page - 1) * query.per_page
    if query.filtered:
        # Counting matches needs one read of the account's items (keys only come back).
        matching = MediaQuery(query.file_type, search=query.search, tag=query.tag, channel=query.channel)
        ids = records.store().query_media_ids(account_id, matching)
        wanted = ids[skip : skip + query.per_page]
        found = records.store().get_media_batch(account_id, wanted)
        return [found[i] for i in wanted if i in found], len(ids)
    total = _total(account_id, query.file_type)
    if skip >= total:
        return [], total
    before_id = None
    if skip:
        # DynamoDB has no offset: walk the keys of the pages before this one.
        walked = records.store().query_media_ids(account_id, MediaQuery(query.file_type, limit=skip))
        if len(walked) < skip:
            return [], total
        before_id = walked[-1]
    page = MediaQuery(query.file_type, before_id=before_id, limit=query.per_page)
    items = records.store().query_media(account_id, page)
    return items, total


def _cursor_items(account_id: str, query: ListQuery) -> tuple[list[MediaFile], str | None, str | None]:
    size = query.per_page
    position = decode_cursor(account_id, query.cursor) if query.cursor else None
    read = MediaQuery(query.file_type, search=query.search, tag=query.tag, channel=query.channel, limit=size + 1)
    if position is None or position.forward:
        before = position.media_id if position else None
        items = records.store().query_media(account_id, dataclasses.replace(read, before_id=before))
        more, items = len(items) > size, items[:size]
        next_id = items[-1].media_id if more else None
        prev_id = items[0].media_id if position and items else None
    else:
        after = dataclasses.replace(read, after_id=position.media_id, newest_first=False)
        items = records.store().query_media(account_id, after)
        more, items = len(items) > size, list(reversed(items[:size]))
        prev_id = items[0].media_id if more else None
        next_id = items[-1].media_id if items else None
    next_cursor = encode_cursor(account_id, Cursor(next_id, True)) if next_id is not None else None
    prev_cursor = encode_cursor(account_id, Cursor(prev_id, False)) if prev_id is not None else None
    return items, next_cursor, prev_cursor


def list_media(account_id: str, query: ListQuery) -> MediaPage:
    """One page of the account's files, newest first."""
    if query.cursor is not None:
        items, next_cursor, prev_cursor = _cursor_items(account_id, query)
        return MediaPage(items, query, next_cursor=next_cursor, prev_cursor=prev_cursor)
    items, total = _page_items(account_id, query)
    return MediaPage(items, query, total=total)
