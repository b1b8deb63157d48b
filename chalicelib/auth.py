"""API keys: format, hashing, issue, revoke and lookup (+ a short in-process cache).

A key is ``sk_live_`` or ``sk_test_`` followed by 43 URL-safe characters
(32 random bytes). It is shown once; only its SHA-256 is stored. A revoked key
keeps working on a warm instance for at most ``MEDIA_KEY_CACHE_SECONDS``
(default 30, never more than 60): that is the documented revocation delay.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass

from chalicelib import records
from chalicelib.config import get_settings
from chalicelib.domain.clock import now_text
from chalicelib.domain.values import ApiKey
from chalicelib.errors import InvalidInput, Unauthenticated

KEY_RE = re.compile(r"^sk_(live|test)_[A-Za-z0-9_-]{43}$")
PREFIX_LENGTH = 16  # "sk_live_" + 8 characters: enough to recognise, useless to guess
_CACHE_MAX = 10_000
#: Where a request carries its key, as the 401 messages name it.
KEY_HEADER = "the X-Api-Key header"
INVALID = "Invalid API key: {sent_in} holds no active key of this service (mistyped, revoked, or another deployment's)."

_cache: dict[str, tuple[str, float]] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class IssuedKey:
    api_key: str
    prefix: str
    account_id: str
    created_at: str


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def issue_key(account_id: str, *, live: bool = True) -> IssuedKey:
    """Create a key for the account and return it in clear, once."""
    api_key = f"sk_{'live' if live else 'test'}_{secrets.token_urlsafe(32)}"
    created = now_text()
    records.store().put_api_key(ApiKey(hash_key(api_key), account_id, api_key[:PREFIX_LENGTH], created))
    return IssuedKey(api_key, api_key[:PREFIX_LENGTH], account_id, created)


def presented_key(x_api_key: str | None, authorization: str | None) -> str | None:
    """The key a request presents: ``X-Api-Key``, else ``Authorization: Bearer <key>`` (the one
    header many agent platforms let a user set for a remote MCP server)."""
    if x_api_key:
        return x_api_key
    scheme, _, credentials = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return credentials.strip() or None


def authenticate(header_value: str | None, *, now: float | None = None, sent_in: str = KEY_HEADER) -> str:
    """The account id the key belongs to, or Unauthenticated (whose message names ``sent_in``).

    ``now`` is a ``time.monotonic()`` reading (default: the current one); tests
    pass their own to show when a cached key stops working.
    """
    if not header_value:
        raise Unauthenticated(f"Missing API key: send it in {sent_in}.")
    api_key = header_value.strip()
    if not KEY_RE.match(api_key):
        raise Unauthenticated(INVALID.format(sent_in=sent_in))
    digest = hash_key(api_key)
    now = time.monotonic() if now is None else now
    with _cache_lock:
        hit = _cache.get(digest)
    if hit is not None and hit[1] > now:
        return hit[0]
    stored = records.store().get_api_key(digest)
    # The lookup is by hash, so the comparison below never sees attacker-chosen
    # prefixes; compare_digest keeps it constant-time all the same.
    if stored is None or not hmac.compare_digest(stored.key_hash, digest) or stored.revoked_at:
        with _cache_lock:
            _cache.pop(digest, None)
        raise Unauthenticated(INVALID.format(sent_in=sent_in))
    ttl = get_settings().key_cache_seconds
    if ttl > 0:
        with _cache_lock:
            if len(_cache) >= _CACHE_MAX:
                _cache.clear()
            _cache[digest] = (stored.account_id, now + ttl)
    return stored.account_id


def revoke(key_or_prefix: str) -> list[str]:
    """Revoke a key given in full, or every key whose display prefix matches.

    Returns the prefixes revoked. A prefix must be unambiguous enough to be
    the full stored prefix (``sk_live_AbCdEfGh``) and match a single active key.
    """
    value = key_or_prefix.strip()
    if KEY_RE.match(value):
        digest = hash_key(value)
        with _cache_lock:
            _cache.pop(digest, None)
        return [value[:PREFIX_LENGTH]] if records.store().revoke_api_key(digest, now_text()) else []
    if len(value) != PREFIX_LENGTH or not value.startswith(("sk_live_", "sk_test_")):
        raise InvalidInput(
            {"key": [f"Give the full key or its {PREFIX_LENGTH}-character prefix (e.g. sk_live_AbCdEfGh)."]}
        )
    matches = [k for k in records.store().scan_api_keys() if k.prefix == value and not k.revoked_at]
    if len(matches) > 1:
        raise InvalidInput({"key": ["That prefix matches several keys: give the full key."]})
    return [k.prefix for k in matches if records.store().revoke_api_key(k.key_hash, now_text())]


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
