"""Fault injection through botocore event hooks (never by patching our code)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError


def dynamodb_client() -> Any:
    """The botocore client PynamoDB uses for transactions and model calls."""
    from chalicelib import models

    models.bind()
    return models.MediaFile._get_connection().connection.client


def transaction_client() -> Any:
    from chalicelib import models

    models.bind()
    assert models._connection is not None
    return models._connection.client


def s3_client() -> Any:
    from chalicelib import storage

    return storage.client()


class Injector:
    """Counts the calls it intercepted and how many it failed."""

    def __init__(self, times: int, code: str) -> None:
        self.remaining = times
        self.code = code
        self.failed = 0
        self.seen = 0

    def __call__(self, model: Any, **_: Any) -> None:
        self.seen += 1
        if self.remaining > 0:
            self.remaining -= 1
            self.failed += 1
            raise ClientError(
                {"Error": {"Code": self.code, "Message": "injected fault"}},
                model.name,
            )


@contextmanager
def failing(client: Any, operation: str, times: int = 1, code: str = "InternalError") -> Iterator[Injector]:
    """Make the next ``times`` calls of ``operation`` on ``client`` fail with ``code``."""
    event = f"before-call.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    injector = Injector(times, code)
    client.meta.events.register(event, injector)
    try:
        yield injector
    finally:
        client.meta.events.unregister(event, injector)
