"""What every records module shares: model binding, error translation, one
conditional-update helper and one transaction helper.

PynamoDB failures never leave the package: a failed condition is a plain
answer (False, None, the names of the items whose condition failed), any
other failure ServiceUnavailable.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.errors import ServiceUnavailable
from chalicelib.models import bind, transaction

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=Model)
CONDITION_FAILED = "ConditionalCheckFailed"
_TX_ATTEMPTS = 4


def translated(func: F) -> F:
    """Bind the models, and turn any unexpected PynamoDB failure into ServiceUnavailable.

    Generators (scans) are wrapped as generators: their reads happen while the
    caller iterates, after the function has returned.
    """
    unavailable = "The database is temporarily unavailable. Retry the request."

    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def walk(*args: Any, **kwargs: Any) -> Any:
            bind()
            try:
                yield from func(*args, **kwargs)
            except PynamoDBException as exc:
                raise ServiceUnavailable(unavailable) from exc

        return walk  # type: ignore[return-value]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bind()
        try:
            return func(*args, **kwargs)
        except PynamoDBException as exc:
            raise ServiceUnavailable(unavailable) from exc

    return wrapper  # type: ignore[return-value]


def get_or_none(model: type[M], hash_key: Any, range_key: Any = None, *, consistent: bool = False) -> M | None:
    """One GetItem; None when there is no such item."""
    try:
        return model.get(hash_key, range_key, consistent_read=consistent)
    except DoesNotExist:
        return None


def update_if(item: Model, actions: Sequence[Action], condition: Condition) -> bool:
    """One conditional UpdateItem; False when the condition did not hold (nothing changed)."""
    try:
        item.update(actions=list(actions), condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == f"{CONDITION_FAILED}Exception":
            return False
        raise
    return True


@dataclass(frozen=True)
class Write:
    """One item of a transaction, addressed by ``name`` in what the transaction reports."""

    name: str
    kind: Literal["save", "update", "delete"]
    item: Model
    condition: Condition | None = None
    actions: list[Action] = field(default_factory=list)
    #: When the condition fails, report the item as it was (ReturnValuesOnConditionCheckFailure).
    return_old: bool = False


def transact(*writes: Write) -> dict[str, dict[str, Any] | None]:
    """Apply ``writes`` atomically; {} on success, else {name: old item or None}
    for each item whose condition failed (nothing was written then).

    Conflicts with concurrent transactions are retried with backoff.
    """
    for attempt in range(_TX_ATTEMPTS):
        try:
            with transaction() as tx:
                for write in writes:
                    old = "ALL_OLD" if write.return_old else None
                    if write.kind == "save":
                        tx.save(write.item, condition=write.condition, return_values=old)
                    elif write.kind == "update":
                        tx.update(write.item, actions=write.actions, condition=write.condition, return_values=old)
                    else:
                        tx.delete(write.item, condition=write.condition)
            return {}
        except TransactWriteError as exc:
            reasons = dict(zip((w.name for w in writes), exc.cancellation_reasons, strict=False))
            failed = {n: r.raw_item for n, r in reasons.items() if r is not None and r.code == CONDITION_FAILED}
            if failed:
                return failed
            conflict = any(r is not None and r.code == "TransactionConflict" for r in reasons.values())
            if conflict and attempt + 1 < _TX_ATTEMPTS:
                time.sleep(0.02 * 2**attempt)
                continue
            raise
    raise AssertionError("unreachable")
