"""Agents' search: the files that best answer a query, ranked (docs/architecture.md, "Search").

The query's words are folded (case and accents ignored) and looked for in each file's name,
tags, original filename and description. One read of the account's search index (a compact
projection: the folded fields and the filters' attributes) finds the candidates; they are
ranked here (chalicelib.domain.search.score), and only the best ``limit`` are read whole.
Without a query: the newest files, through the same filters (type, tag, and a channel
that can take them now).
"""

from __future__ import annotations

from typing import Any

from chalicelib import records
from chalicelib.domain.channel_rules import CHANNELS
from chalicelib.domain.fields import clean_tags, tags_errors, unsafe_errors
from chalicelib.domain.formats import file_type
from chalicelib.domain.names import FileType
from chalicelib.domain.search import QUERY_MAX, query_words, score
from chalicelib.domain.values import MediaFile
from chalicelib.errors import InvalidInput
from chalicelib.records import MediaQuery

LIMIT_DEFAULT = 10
LIMIT_MAX = 50


def parse_search(
    query: Any = None, type_name: Any = None, tag: Any = None, limit: Any = None, channel: Any = None
) -> dict[str, Any]:
    """Valid search arguments (query, file_type, tag, channel, limit), or InvalidInput naming
    each bad one."""
    errors: dict[str, list[str]] = {}
    text = None
    if query is not None:
        if not isinstance(query, str):
            errors["query"] = ["The query must be a string."]
        elif len(query) > QUERY_MAX:
            errors["query"] = [f"The query must not be greater than {QUERY_MAX} characters."]
        elif unsafe_errors(query, "query"):
            errors["query"] = unsafe_errors(query, "query")
        else:
            text = query.strip() or None
    family: FileType | None = None
    if type_name is not None:
        family = file_type(type_name) if isinstance(type_name, str) else None
        if family is None:
            errors["type"] = ["The type must be image or video."]
    chosen_tag = None
    if tag is not None:
        problems = tags_errors([tag])
        if problems:
            errors["tag"] = [problems[0].replace("tags.0", "tag")]
        else:
            chosen_tag = clean_tags([tag])[0]
    if channel is not None and channel not in CHANNELS:
        errors["channel"] = [f"The channel must be one of: {', '.join(CHANNELS)}."]
    count = LIMIT_DEFAULT if limit is None else limit
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= LIMIT_MAX:
        errors["limit"] = [f"The limit must be an integer from 1 to {LIMIT_MAX}."]
    if errors:
        raise InvalidInput(errors)
    return {"query": text, "file_type": family, "tag": chosen_tag, "channel": channel, "limit": count}


def search_media(
    account_id: str,
    query: str | None = None,
    *,
    file_type: FileType | None = None,
    tag: str | None = None,
    channel: str | None = None,
    limit: int = LIMIT_DEFAULT,
) -> list[MediaFile]:
    """The account's files that best answer ``query`` (all its words first, then more of them,
    the name before the description), newest first among equals; without a query, the newest."""
    words = query_words(query) if query else []
    db = records.store()
    if not words:  # the newest: one read of the list, stopped at the limit
        return db.query_media(account_id, MediaQuery(file_type, limit=limit, tag=tag, channel=channel))
    candidates = db.search_media(account_id, words, MediaQuery(file_type, tag=tag, channel=channel))
    ranked = [(found, media_id) for media_id, folded in candidates if (found := score(words, folded))]
    ranked.sort(reverse=True)
    best = [media_id for _, media_id in ranked[:limit]]
    read = db.get_media_batch(account_id, best)
    return [read[media_id] for media_id in best if media_id in read]
