"""API keys: format, hashing, issue, revoke and lookup (+ a short in-process cache),
and the audit of their use.

A key is ``sk_live_`` or ``sk_test_`` followed by 43 URL-safe characters
(32 random bytes). It is shown once; only its SHA-256 is stored. A revoked key
keeps working on a warm instance for at most ``MEDIA_KEY_CACHE_SECONDS``
(default 30, never more than 60): that is the documented revocation delay.

Each key keeps ``last_used_at``, written at most once per LAST_USED_EVERY: an
operator asks "is this key still used, and when was it last?", which minutes
answer as well as milliseconds, while a write per request would double the
DynamoDB calls of a request on a warm key and make a busy key's item hot. The
write happens only when the value this instance holds (cached, or just read
with the key) is older than that, and it is conditional on the stored value
being older too, so of the instances serving a key at the same moment one
writes. A request on a warm key cache stays without any key read or write.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib import records
from chalicelib.config import get_settings
from chalicelib.domain import clock
from chalicelib.domain.values import ApiKey
from chalicelib.errors import InvalidInput, ServiceUnavailable, Unauthenticated

log = logging.getLogger(__name__)
KEY_RE = re.compile(r"^sk_(live|test)_[A-Za-z0-9_-]{43}$")
PREFIX_LENGTH = 16  # "sk_live_" + 8 characters: enough to recognise, useless to guess
#: How stale a key's last_used_at may get (see the module docstring).
LAST_USED_EVERY = timedelta(minutes=5)
_CACHE_MAX = 10_000
#: Where a request carries its key, as the 401 messages name it.
KEY_HEADER = "the X-Api-Key header"
INVALID = "Invalid API key: {sent_in} holds no active key of this service (mistyped, revoked, or another deployment's)."


@dataclass
class _Known:
    """A key this instance has authenticated: its account, until when the entry holds
    (``time.monotonic()``), and its last use as this instance knows it."""

    account_id: str
    expires: float
    last_used_at: str | None


_cache: dict[str, _Known] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class IssuedKey:
    api_key: str
    prefix: str
    account_id: str
    created_at: str


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def display_prefix(header_value: str | None) -> str | None:
    """The 16-character display prefix of a well-formed key (what `keys list` shows and
    request lines carry), or None: nothing of a value that is not a key is repeated."""
    api_key = (header_value or "").strip()
    return api_key[:PREFIX_LENGTH] if KEY_RE.match(api_key) else None


def issue_key(account_id: str, *, live: bool = True) -> IssuedKey:
    """Create a key for the account and return it in clear, once."""
    api_key = f"sk_{'live' if live else 'test'}_{secrets.token_urlsafe(32)}"
    created = clock.now_text()
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


def authenticate(
    header_value: str | None, *, now: float | None = None, moment: datetime | None = None, sent_in: str = KEY_HEADER
) -> str:
    """The account id the key belongs to, or Unauthenticated (whose message names ``sent_in``);
    notes the key's use.

    ``now`` is a ``time.monotonic()`` reading (default: the current one) and
    ``moment`` the request's wall-clock time (default: now); tests pass their own
    to show when a cached key stops working and when a use is written.
    """
    if not header_value:
        raise Unauthenticated(f"Missing API key: send it in {sent_in}.")
    api_key = header_value.strip()
    if not KEY_RE.match(api_key):
        raise Unauthenticated(INVALID.format(sent_in=sent_in))
    digest = hash_key(api_key)
    now = time.monotonic() if now is None else now
    with _cache_lock:
        known = _cache.get(digest)
    if known is None or known.expires <= now:
        known = _look_up(digest, now, sent_in)
    _note_use(digest, known, moment or clock.now())
    return known.account_id


def _look_up(digest: str, now: float, sent_in: str) -> _Known:
    stored = records.store().get_api_key(digest)
    # The lookup is by hash, so the comparison below never sees attacker-chosen
    # prefixes; compare_digest keeps it constant-time all the same.
    if stored is None or not hmac.compare_digest(stored.key_hash, digest) or stored.revoked_at:
        with _cache_lock:
            _cache.pop(digest, None)
        raise Unauthenticated(INVALID.format(sent_in=sent_in))
    ttl = get_settings().key_cache_seconds
    known = _Known(stored.account_id, now + ttl, stored.last_used_at)
    if ttl > 0:
        with _cache_lock:
            if len(_cache) >= _CACHE_MAX:
                _cache.clear()
            _cache[digest] = known
    return known


def _note_use(digest: str, known: _Known, moment: datetime) -> None:
    """Write the key's last use when what this instance knows of it is older than
    LAST_USED_EVERY. A failed write is logged, not the request's failure: the request is
    authenticated, and the audit is off by minutes at worst (the next instance, or this
    one after LAST_USED_EVERY, writes it)."""
    when, cutoff = clock.to_text(moment), clock.to_text(moment - LAST_USED_EVERY)
    if known.last_used_at is not None and known.last_used_at >= cutoff:  # the contract's timestamps sort as text
        return
    try:
        records.store().note_key_use(digest, when, cutoff)
    except ServiceUnavailable as exc:
        log.warning("the last use of a key could not be noted: %s", exc.__cause__ or exc)
    # Written now, or by another instance within LAST_USED_EVERY: recent either way.
    known.last_used_at = when


def revoke_keys(key_or_prefix: str) -> list[ApiKey]:
    """Revoke a key given in full, or the one active key whose display prefix matches;
    the keys revoked (as they are now), each naming its account.

    A prefix must be unambiguous enough to be the full stored prefix
    (``sk_live_AbCdEfGh``) and match a single active key.
    """
    value = key_or_prefix.strip()
    if KEY_RE.match(value):
        digest = hash_key(value)
        with _cache_lock:
            _cache.pop(digest, None)
        stored = records.store().get_api_key(digest)
        matches = [] if stored is None or stored.revoked_at else [stored]
    elif len(value) != PREFIX_LENGTH or not value.startswith(("sk_live_", "sk_test_")):
        raise InvalidInput(
            {"key": [f"Give the full key or its {PREFIX_LENGTH}-character prefix (e.g. sk_live_AbCdEfGh)."]}
        )
    else:
        matches = [k for k in records.store().scan_api_keys() if k.prefix == value and not k.revoked_at]
        if len(matches) > 1:
            raise InvalidInput({"key": ["That prefix matches several keys: give the full key."]})
    when = clock.now_text()
    return [
        dataclasses.replace(k, revoked_at=when) for k in matches if records.store().revoke_api_key(k.key_hash, when)
    ]


def revoke(key_or_prefix: str) -> list[str]:
    """:func:`revoke_keys`, by the prefixes revoked."""
    return [key.prefix for key in revoke_keys(key_or_prefix)]


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
