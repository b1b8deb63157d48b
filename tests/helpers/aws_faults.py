"""Fault injection through botocore event hooks on the service's own clients (never
by patching our code): failed calls, throttling, cancelled transactions, stale reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

#: The two codes DynamoDB throttles with (the SDK retries them, then gives up).
THROTTLES = ("ProvisionedThroughputExceededException", "ThrottlingException")


# -- the clients -------------------------------------------------------------------------


def s3_client() -> Any:
    """The service's storage client."""
    from chalicelib import storage

    return storage.client()


def transaction_client() -> Any:
    """The botocore client PynamoDB sends transactions through."""
    from chalicelib import models

    models.bind()
    assert models._connection is not None
    return models._connection.client


def dynamodb_clients() -> list[Any]:
    """Every botocore client PynamoDB talks through: one per model, one for transactions."""
    from chalicelib import models

    models.bind()
    found = [m._get_connection().connection.client for m in models.MODELS] + [transaction_client()]
    return list({id(c): c for c in found}.values())


# -- one client, one operation -------------------------------------------------------------


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


# -- DynamoDB, whichever model makes the call ------------------------------------------------


def request_params(request: dict[str, Any]) -> dict[str, Any]:
    """The API parameters of a serialised DynamoDB request (what ``before-call`` sees)."""
    body = request.get("body") or b"{}"
    return dict(json.loads(body.decode() if isinstance(body, bytes) else body))


def _tables(request: dict[str, Any]) -> set[str]:
    params = request_params(request)
    names = {params.get("TableName")} | set(params.get("RequestItems") or {})
    for item in params.get("TransactItems") or []:
        names |= {op.get("TableName") for op in item.values()}
    return {n for n in names if n}


class DynamoFault:
    """Fail the next ``times`` calls of one operation (optionally on one table).

    With ``reasons`` the failure is a TransactionCanceledException carrying
    those CancellationReasons, as DynamoDB sends them.
    """

    def __init__(self, times: int, code: str, table: str | None, reasons: list[str] | None) -> None:
        self.remaining, self.code, self.table, self.reasons = times, code, table, reasons
        self.failed = 0

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if self.remaining <= 0 or (self.table and not any(t.endswith(self.table) for t in _tables(params))):
            return
        self.remaining -= 1
        self.failed += 1
        response: dict[str, Any] = {"Error": {"Code": self.code, "Message": "injected fault"}}
        if self.reasons is not None:
            response["CancellationReasons"] = [{"Code": r} for r in self.reasons]
        raise ClientError(response, model.name)


@contextmanager
def dynamodb_failing(
    operation: str,
    times: int = 1,
    code: str = THROTTLES[0],
    *,
    table: str | None = None,
    reasons: list[str] | None = None,
) -> Iterator[DynamoFault]:
    """Make the next ``times`` ``operation`` calls fail, whichever model makes them.

    ``table`` is a table-name suffix (``media``, ``accounts``, ``api-keys``, ``uploads``).
    """
    fault = DynamoFault(times, code, table, reasons)
    hooked = [(c, f"before-call.dynamodb.{operation}") for c in dynamodb_clients()]
    for client, event in hooked:
        client.meta.events.register(event, fault)
    try:
        yield fault
    finally:
        for client, event in hooked:
            client.meta.events.unregister(event, fault)


def cancelled(reasons: list[str], times: int = 1) -> Any:
    """TransactWriteItems cancelled with ``reasons`` (one per item, ``None`` = fine)."""
    return dynamodb_failing("TransactWriteItems", times, "TransactionCanceledException", reasons=reasons)


@contextmanager
def stale_reads(table: str, key: dict[str, Any], item: dict[str, Any]) -> Iterator[list[int]]:
    """Eventually consistent GetItems of one item answer ``item`` (what a lagging replica
    still holds); strongly consistent reads see the table. Yields the stale answers served."""
    served: list[int] = []

    def lagging(model: Any, params: dict[str, Any], **_: Any) -> Any:
        asked = request_params(params)
        if not asked.get("TableName", "").endswith(table) or asked.get("Key") != key or asked.get("ConsistentRead"):
            return None
        served.append(1)
        return AWSResponse("https://dynamodb.stale", 200, {}, None), {"Item": item, "ResponseMetadata": {}}

    clients = dynamodb_clients()
    for client in clients:
        client.meta.events.register("before-call.dynamodb.GetItem", lagging)
    try:
        yield served
    finally:
        for client in clients:
            client.meta.events.unregister("before-call.dynamodb.GetItem", lagging)
