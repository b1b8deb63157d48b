"""Entity tags of a MediaFile's representation (GET's ETag, If-None-Match, If-Match).

A tag names the record's version (bumped by every change of the representation),
with a digest that ties it to this file and this deployment: ``"3-<16 hex>"``.
"""

from __future__ import annotations

import hashlib
import re

#: An entity-tag of an If-Match / If-None-Match list: "opaque", W/"opaque", or *.
_ENTITY_TAG = re.compile(r'\s*(?:(W/)?"([^"]*)"|(\*))\s*(?:,|$)')


def etag(account_id: str, media_id: int, version: int, deployment: str) -> str:
    """The strong ETag of a file at ``version`` (``deployment``: what sets this service apart,
    its public base URL, so two deployments never share tags)."""
    digest = hashlib.sha256(f"{account_id}/{media_id}/{version}/{deployment}".encode())
    return f'"{version}-{digest.hexdigest()[:16]}"'


def parse_entity_tags(header: str) -> list[str] | None:
    """The strong tags of an If-Match / If-None-Match value (quotes kept; ``*`` as itself),
    weak ones prefixed ``W/``; None when the header is not a list of entity-tags."""
    tags, pos = [], 0
    while pos < len(header):
        match = _ENTITY_TAG.match(header, pos)
        if match is None or match.end() == pos:
            return None
        tags.append("*" if match[3] else f'{match[1] or ""}"{match[2]}"')
        pos = match.end()
    return tags or None


def none_match(if_none_match: str | None, current: str) -> bool:
    """Whether If-None-Match names ``current`` (weak comparison, RFC 9110 §13.1.2) or is ``*``."""
    tags = (parse_entity_tags(if_none_match) if if_none_match else None) or []
    return "*" in tags or current in {t.removeprefix("W/") for t in tags}


def version_in_tag(tag: str, account_id: str, media_id: int, deployment: str) -> int | None:
    """The record version a strong tag of ours names (None: not one of this file's tags)."""
    head = tag.strip('"').split("-", 1)[0]
    if not (head.isascii() and head.isdigit()) or len(head) > 12:
        return None
    version = int(head)
    return version if etag(account_id, media_id, version, deployment) == tag else None
