"""Laravel paginator envelopes and signed cursors (DESIGN §3.3).

A cursor is ``base64url(json).base64url(hmac)``; the MAC covers the payload
and the account id, so a tampered cursor or another account's cursor fails
verification (422) instead of moving the read anywhere.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from chalicelib.config import get_settings
from chalicelib.errors import ConfigurationError, InvalidInput


@dataclass(frozen=True)
class Cursor:
    media_id: int
    forward: bool  # True: items older than media_id (next); False: newer (prev)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(account_id: str, payload: bytes) -> bytes:
    key = get_settings().cursor_secret
    if key is None:
        raise ConfigurationError("MEDIA_CURSOR_SECRET is not set: cursors cannot be signed.")
    return hmac.new(key, account_id.encode() + b"\x00" + payload, hashlib.sha256).digest()[:16]


def encode_cursor(account_id: str, cursor: Cursor) -> str:
    payload = json.dumps({"id": cursor.media_id, "_pointsToNextItems": cursor.forward}, separators=(",", ":")).encode()
    return f"{_b64(payload)}.{_b64(_mac(account_id, payload))}"


def decode_cursor(account_id: str, token: str) -> Cursor:
    invalid = InvalidInput({"cursor": ["The cursor is invalid or belongs to another query."]})
    try:
        payload_text, mac_text = token.split(".", 1)
        payload = _unb64(payload_text)
        mac = _unb64(mac_text)
    except (ValueError, binascii.Error):
        raise invalid from None
    if not hmac.compare_digest(mac, _mac(account_id, payload)):
        raise invalid
    data = json.loads(payload)
    return Cursor(int(data["id"]), bool(data["_pointsToNextItems"]))


def _url(path_url: str, query: dict[str, Any], **extra: Any) -> str:
    params = {k: v for k, v in {**query, **extra}.items() if v is not None}
    return f"{path_url}?{urlencode(params)}" if params else path_url


def page_envelope(
    data: list[dict[str, Any]],
    *,
    path_url: str,
    query: dict[str, Any],
    page: int,
    per_page: int,
    total: int,
) -> dict[str, Any]:
    """Laravel's LengthAwarePaginator JSON."""
    last_page = max(1, math.ceil(total / per_page))
    first_index = (page - 1) * per_page + 1
    return {
        "data": data,
        "links": {
            "first": _url(path_url, query, page=1),
            "last": _url(path_url, query, page=last_page),
            "prev": _url(path_url, query, page=page - 1) if page > 1 else None,
            "next": _url(path_url, query, page=page + 1) if page < last_page else None,
        },
        "meta": {
            "current_page": page,
            "from": first_index if data else None,
            "last_page": last_page,
            "path": path_url,
            "per_page": per_page,
            "to": first_index + len(data) - 1 if data else None,
            "total": total,
        },
    }


def cursor_envelope(
    data: list[dict[str, Any]],
    *,
    path_url: str,
    query: dict[str, Any],
    per_page: int,
    next_cursor: str | None,
    prev_cursor: str | None,
) -> dict[str, Any]:
    """Laravel's CursorPaginator JSON."""
    return {
        "data": data,
        "links": {
            "first": None,
            "last": None,
            "prev": _url(path_url, query, cursor=prev_cursor) if prev_cursor else None,
            "next": _url(path_url, query, cursor=next_cursor) if next_cursor else None,
        },
        "meta": {
            "path": path_url,
            "per_page": per_page,
            "next_cursor": next_cursor,
            "prev_cursor": prev_cursor,
        },
    }
