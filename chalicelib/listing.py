"""Listing an account's library (DESIGN §3.3): the query, pages and cursors.

The account id comes from the authenticated key and is the partition key of
every read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib import records
from chalicelib.errors import InvalidInput
from chalicelib.media import FILE_TYPES, media_json
from chalicelib.models import MediaFile
from chalicelib.pagination import (
    Cursor,
    cursor_envelope,
    decode_cursor,
    encode_cursor,
    page_envelope,
)

PER_PAGE_DEFAULT = 25
PER_PAGE_MAX = 100
SEARCH_MAX = 255


@dataclass(frozen=True)
class ListQuery:
    file_type: str | None
    search: str | None
    per_page: int
    page: int
    cursor: str | None  # None: page mode; "" or a token: cursor mode
    echo: dict[str, str]  # the caller's filters, kept in every link


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
    file_type = params.get("type") or None
    if file_type is not None:
        if file_type not in FILE_TYPES:
            errors["type"] = ["The selected type is invalid. Use image or video."]
        echo["type"] = file_type
    search = (params.get("search") or "").strip() or None
    if search is not None:
        if len(search) > SEARCH_MAX:
            errors["search"] = [f"The search field must not be greater than {SEARCH_MAX} characters."]
        echo["search"] = search
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
    return ListQuery(file_type, search.lower() if search else None, per_page, page, cursor, echo)


def _total(account_id: str, file_type: str | None) -> int:
    account = records.get_account(account_id)
    if account is None:
        return 0
    counter = {None: account.media_count, "image": account.image_count, "video": account.video_count}
    return max(0, int(counter[file_type] or 0))


def _page_items(account_id: str, query: ListQuery) -> tuple[list[MediaFile], int]:
    skip = (query.page - 1) * query.per_page
    if query.search:
        # Counting matches needs one read of the account's items (keys only come back).
        ids = [
            int(m.media_id)
            for m in records.query_media(account_id, query.file_type, search=query.search, ids_only=True)
        ]
        wanted = ids[skip : skip + query.per_page]
        found = records.get_media_batch(account_id, wanted)
        return [found[i] for i in wanted if i in found], len(ids)
    total = _total(account_id, query.file_type)
    if skip >= total:
        return [], total
    before_id = None
    if skip:
        # DynamoDB has no offset: walk the keys of the pages before this one.
        walked = records.query_media(account_id, query.file_type, ids_only=True, limit=skip)
        if len(walked) < skip:
            return [], total
        before_id = int(walked[-1].media_id)
    items = records.query_media(account_id, query.file_type, before_id=before_id, limit=query.per_page)
    return items, total


def _cursor_items(account_id: str, query: ListQuery) -> tuple[list[MediaFile], str | None, str | None]:
    size = query.per_page
    position = decode_cursor(account_id, query.cursor) if query.cursor else None
    common: dict[str, Any] = {"search": query.search, "limit": size + 1}
    if position is None or position.forward:
        before = position.media_id if position else None
        items = records.query_media(account_id, query.file_type, before_id=before, **common)
        more, items = len(items) > size, items[:size]
        next_id = int(items[-1].media_id) if more else None
        prev_id = int(items[0].media_id) if position and items else None
    else:
        items = records.query_media(
            account_id, query.file_type, after_id=position.media_id, newest_first=False, **common
        )
        more, items = len(items) > size, list(reversed(items[:size]))
        prev_id = int(items[0].media_id) if more else None
        next_id = int(items[-1].media_id) if items else None
    next_cursor = encode_cursor(account_id, Cursor(next_id, True)) if next_id is not None else None
    prev_cursor = encode_cursor(account_id, Cursor(prev_id, False)) if prev_id is not None else None
    return items, next_cursor, prev_cursor


def list_media(account_id: str, query: ListQuery, path_url: str) -> dict[str, Any]:
    """One page of the account's library, newest first, as Laravel's paginator JSON."""
    if query.cursor is not None:
        items, next_cursor, prev_cursor = _cursor_items(account_id, query)
        return cursor_envelope(
            [media_json(m) for m in items],
            path_url=path_url,
            query=query.echo,
            per_page=query.per_page,
            next_cursor=next_cursor,
            prev_cursor=prev_cursor,
        )
    items, total = _page_items(account_id, query)
    return page_envelope(
        [media_json(m) for m in items],
        path_url=path_url,
        query=query.echo,
        page=query.page,
        per_page=query.per_page,
        total=total,
    )
