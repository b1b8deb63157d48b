"""When to try a request again, and how long to wait first.

Exponential backoff with full jitter (a random wait between 0 and
``base * 2**attempt``, capped), so many clients retrying at once spread out;
a ``Retry-After`` from the server wins over the computed wait.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import httpx

#: Failures where no (complete) answer came. A POST is safe to send again only
#: because it carries an Idempotency-Key.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)
#: Transient statuses besides every 5xx.
RETRY_STATUSES = frozenset({408, 429})


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to retry, and the waits in between (seconds).

    Attributes:
        max_retries: retries after the first attempt (0: never retry).
        backoff_base: the first wait's upper bound; each retry doubles it.
        backoff_max: the largest computed wait.
        retry_after_max: the longest ``Retry-After`` honoured; a longer one ends the retries.
    """

    max_retries: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    retry_after_max: float = 60.0
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def backoff(self, attempt: int) -> float:
        """The wait before retry number ``attempt + 1`` (``attempt`` counts from 0): full jitter."""
        ceiling = min(self.backoff_max, self.backoff_base * (2**attempt))
        return self.rng.uniform(0, ceiling)

    def wait(self, attempt: int, response: httpx.Response | None) -> float | None:
        """Seconds to wait before the next attempt, or None when it should not be retried."""
        if attempt >= self.max_retries:
            return None
        retry_after = parse_retry_after(response.headers.get("Retry-After")) if response is not None else None
        if retry_after is None:
            return self.backoff(attempt)
        if retry_after > self.retry_after_max:
            return None
        # A little jitter on top, so clients told the same second do not come back together.
        return retry_after + self.rng.uniform(0, min(1.0, self.backoff_base))


def is_transient_status(response: httpx.Response) -> bool:
    """5xx, 429 and 408 are worth retrying; other 4xx are the caller's to fix."""
    return response.status_code >= 500 or response.status_code in RETRY_STATUSES


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds: a number of seconds or an HTTP date (RFC 9110); None if absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
