"""Request rate limits of the local server, so clients meet a 429 before production does.

Deployed, a WAF web ACL on the API stage does this (rate-based rules aggregated on the
X-Api-Key header, and per IP for requests without a valid key); locally the server
applies the same limits in process, before the app runs:

- ``MEDIA_RATE_LIMIT``: requests per API key per minute (default 600);
- ``MEDIA_RATE_LIMIT_ANONYMOUS``: requests per client IP per minute that carry no valid
  key (default 120). Whether a key is valid is chalicelib.auth's answer, so a made-up or
  revoked key counts against its IP, never against a key of its own choosing.

A sliding-window log, not a token bucket: a WAF rate rule counts the requests of the
trailing window, and the log is that count exactly, so a client sees here the refusals
it will see deployed (a bucket would let a full burst through again after a short pause,
where the trailing count still refuses). It also makes ``Retry-After`` exact: the time
until the oldest request of the window leaves it. Refused requests are not counted, so a
client that waits what it is told gets through. Memory: at most ``limit`` timestamps per
key or IP seen within the last window (idle ones are dropped).
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

KEY_LIMIT_ENV = "MEDIA_RATE_LIMIT"
ANONYMOUS_LIMIT_ENV = "MEDIA_RATE_LIMIT_ANONYMOUS"
DEFAULT_KEY_LIMIT = 600
DEFAULT_ANONYMOUS_LIMIT = 120
WINDOW_SECONDS = 60.0
#: Past this many tracked keys and IPs, the idle ones are dropped at the next request.
_SWEEP_AT = 10_000


class RateLimitSettingError(ValueError):
    """A rate limit setting that is not a whole number of requests, 1 or more."""


def _limit(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise RateLimitSettingError(f"{name} must be a whole number of requests per minute, 1 or more (not {raw!r}).")
    return int(raw)


@dataclass(frozen=True)
class RateLimits:
    """How many requests per window: per valid API key, and per client IP without one.

    ``window_seconds`` is a minute, as the settings say; tests of the limiter itself
    pass a shorter one so that waiting out a refusal takes a second, not a minute.
    """

    per_key: int = DEFAULT_KEY_LIMIT
    anonymous: int = DEFAULT_ANONYMOUS_LIMIT
    window_seconds: float = WINDOW_SECONDS

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> RateLimits:
        """The limits the settings ask for; RateLimitSettingError names a bad one."""
        env = os.environ if environ is None else environ
        per_key = _limit(env, KEY_LIMIT_ENV, DEFAULT_KEY_LIMIT)
        return cls(per_key, _limit(env, ANONYMOUS_LIMIT_ENV, DEFAULT_ANONYMOUS_LIMIT))

    def describe(self) -> str:
        per = "minute" if self.window_seconds == WINDOW_SECONDS else f"{self.window_seconds:g} s"
        return f"{self.per_key} requests per key, {self.anonymous} per IP without a valid key, per {per}"


class SlidingWindow:
    """At most ``limit`` admitted requests per identity in any ``window`` seconds (thread safe)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._logs: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, identity: str) -> float | None:
        """None when the request is admitted (and counted), else the seconds until it would be."""
        with self._lock:
            now = self._clock()
            cutoff = now - self.window
            if len(self._logs) > _SWEEP_AT:
                self._logs = {k: log for k, log in self._logs.items() if log and log[-1] > cutoff}
            log = self._logs.setdefault(identity, deque())
            while log and log[0] <= cutoff:
                log.popleft()
            if len(log) >= self.limit:
                return log[0] + self.window - now
            log.append(now)
            return None


@dataclass(frozen=True)
class Refused:
    """A request over its limit: the 429's ``Retry-After`` (whole seconds) and message."""

    retry_after: int
    message: str


class RateLimiter:
    """The local server's limits: one window per valid key, one per IP for everything else."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._keys = SlidingWindow(limits.per_key, limits.window_seconds, clock)
        self._addresses = SlidingWindow(limits.anonymous, limits.window_seconds, clock)

    def check(self, api_key: str | None, client_ip: str) -> Refused | None:
        """None to let the request through (it is counted), else why not."""
        digest = _valid_key_digest(api_key)
        window, identity = (self._keys, digest) if digest else (self._addresses, client_ip)
        wait = window.admit(identity)
        if wait is None:
            return None
        seconds = max(1, math.ceil(wait))
        per = "a minute" if self.limits.window_seconds == WINDOW_SECONDS else f"in {self.limits.window_seconds:g} s"
        who = "this API key" if digest else "this address without a valid API key"
        return Refused(seconds, f"Too many requests: {who} may make {window.limit} {per}. Retry in {seconds} s.")


def _valid_key_digest(api_key: str | None) -> str | None:
    """The key's SHA-256 when chalicelib.auth takes it, else None (it counts against the IP)."""
    if not api_key:
        return None
    from chalicelib import auth
    from chalicelib.errors import MediaError

    try:
        auth.authenticate(api_key)
    except MediaError:  # unknown, revoked, or the table is unreachable: the app answers that
        return None
    return auth.hash_key(api_key.strip())
