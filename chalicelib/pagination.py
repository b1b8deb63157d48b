"""Signed list cursors.

A cursor is ``base64url(json).base64url(hmac)``; the MAC covers the payload
and the account id, so a tampered cursor or another account's cursor fails
verification (422) instead of moving the read anywhere. The payload's shape
is Laravel's cursor paginator's (``_pointsToNextItems``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass

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
