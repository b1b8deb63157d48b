"""What every stage shares: its environment, moto, AWS call counting, its output line."""

from __future__ import annotations

import json
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
A = TypeVar("A")
B = TypeVar("B")
RESULT_MARK = "BENCH-RESULT "
MIB = 1024 * 1024

#: A stage's settings, as the tests use them but with the key cache on, as
#: deployed: per-request figures are taken with a warm key (docs/architecture.md, "API keys").
ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "MEDIA_REGION": "us-east-1",
    "MEDIA_BUCKET": "media-bench",
    "MEDIA_TABLE_PREFIX": "media-bench",
    "MEDIA_CURSOR_SECRET": "bench-cursor-secret-0123456789",
    "MEDIA_PUBLIC_BASE_URL": "https://cdn.example.test",
    "MEDIA_KEY_CACHE_SECONDS": "30",
}


def use_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Switch this process to the bench settings (plus ``extra``); returns them."""
    from ops.local_stack import apply_environment

    for name in [n for n in os.environ if n.startswith("MEDIA_")]:
        del os.environ[name]
    env = {**ENV, **(extra or {})}
    apply_environment(env)
    return env


def create_storage_and_tables() -> None:
    from chalicelib import models
    from chalicelib.storage.configuration import configure_bucket

    configure_bucket()
    models.create_tables()


@contextmanager
def in_process_aws() -> Iterator[None]:
    """moto inside this process (no HTTP), with the bucket and every table."""
    from moto import mock_aws

    use_environment()
    with mock_aws():
        create_storage_and_tables()
        yield


def new_account(name: str = "Bench") -> tuple[str, dict[str, str]]:
    """(account id, request headers carrying its API key)."""
    from chalicelib import accounts

    account, issued = accounts.create_account(name)
    return account.account_id, {"X-Api-Key": issued.api_key}


class AwsCalls:
    """Counts the AWS API calls, and the DynamoDB items they read, of every client
    the service uses: the S3 client, each model's DynamoDB client and the one
    transactions go through. Hooks on botocore's events, nothing patched."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.items_read = 0
        self.bytes_read = 0
        self._clients: list[Any] = []

    def attach(self) -> AwsCalls:
        from chalicelib import models, storage

        models.bind()
        models.transaction()  # builds the transaction connection
        assert models._connection is not None
        clients = [storage.client(), models._connection.client]
        clients += [model._get_connection().connection.client for model in models.MODELS]
        for client in clients:
            if any(client is seen for seen in self._clients):
                continue
            client.meta.events.register("before-call", self._before)
            client.meta.events.register("after-call", self._after)
            self._clients.append(client)
        return self

    def reset(self) -> None:
        self.calls.clear()
        self.items_read = self.bytes_read = 0

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def _before(self, event_name: str, **_: Any) -> None:
        service_and_operation = event_name.split(".", 1)[1]  # before-call.dynamodb.Query
        self.calls[service_and_operation] += 1

    def _after(self, event_name: str, parsed: dict[str, Any], **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        if operation in ("Query", "Scan"):
            self.items_read += int(parsed.get("ScannedCount", parsed.get("Count", 0)))
        elif operation == "BatchGetItem":
            self.items_read += sum(len(items) for items in parsed.get("Responses", {}).values())
        elif operation == "GetItem":
            self.items_read += 1 if parsed.get("Item") else 0
        elif operation == "GetObject":
            self.bytes_read += int(parsed.get("ContentLength") or 0)


def timed_ms(func: Callable[[], Any]) -> float:
    started = time.perf_counter()
    func()
    return (time.perf_counter() - started) * 1000


def median(values: list[float]) -> float:
    return float(statistics.median(values))


#: Every ratio in the bench is the median of at least this many pairs measured back to back
#: (A, B, A, B, ...): a busy moment on a shared machine then slows one pair, whose ratio
#: the median drops, instead of one side's whole series.
MIN_PAIRS = 5


def interleaved(first: Callable[[], A], second: Callable[[], B], pairs: int = MIN_PAIRS) -> tuple[list[A], list[B]]:
    """``pairs`` measurements of each, pair by pair; returns (A's, B's) in pair order.

    Each pair is measured back to back, and which side goes first alternates (A B, B A,
    A B, ...): whatever the first of two runs leaves for the second (warm caches, a CPU
    at full clock) then favours each side equally often.
    """
    if pairs < MIN_PAIRS:
        raise ValueError(f"a ratio needs at least {MIN_PAIRS} pairs, not {pairs}")
    ones: list[A] = []
    others: list[B] = []
    for index in range(pairs):
        if index % 2:
            others.append(second())
            ones.append(first())
        else:
            ones.append(first())
            others.append(second())
    return ones, others


def paired_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> float:
    """The median of ``numerators[i] / denominators[i]``, each pair measured back to back."""
    if len(numerators) != len(denominators) or len(numerators) < MIN_PAIRS:
        raise ValueError(f"a ratio needs at least {MIN_PAIRS} pairs, got {len(numerators)}/{len(denominators)}")
    return median([a / b for a, b in zip(numerators, denominators, strict=True)])


def emit(result: dict[str, Any]) -> None:
    """The stage's figures, as the one line ``python -m bench`` reads."""
    print(RESULT_MARK + json.dumps(result), flush=True)
