"""Timestamps as the contract writes them: UTC, microseconds, ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def now() -> datetime:
    return datetime.now(UTC)


def to_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def now_text() -> str:
    """The current UTC time in the contract's format."""
    return to_text(now())


def parse(text: str) -> datetime:
    """A contract timestamp back into an aware datetime."""
    return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
