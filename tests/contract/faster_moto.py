"""moto, faster for the suite: two costs of every request that buy the tests nothing.

1. DynamoDB answers as plain JSON, without moto's generic response serializer.

moto 5.2 builds every answer by walking the operation's output shape and, for each
member of each structure, trying up to six spellings of its name on the result. A
DynamoDB item is a map of AttributeValue structures of ten members each, so a
Query or BatchGetItem answer costs thousands of lookups: about a quarter of the
model test's time went there. A successful DynamoDB result is already a dict in
the wire format (moto converts items with ``dynamo_to_dict``), so writing it with
``json.dumps`` gives the same document: members the output shape does not have are
left out and ``None`` is omitted, as the serializer does. A result that is not plain
JSON (timestamps, bytes, model objects) and every error go through moto's own
serializer, unchanged.

tests/contract/test_dynamodb_answers.py runs the service with ``check=True``, which builds
both answers for every request and fails on any difference.

2. moto finds the method of an action by listing every function of the handler's
class (``inspect.getmembers``) on each request: 3% of the model test. The list of a
class never changes while the tests run, so it is made once per class.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import cache
from typing import Any

#: Operations answered as plain JSON (the check reads it).
ANSWERED: Counter[str] = Counter()


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


@contextmanager
def plain_dynamodb_answers(*, check: bool = False) -> Iterator[None]:
    """While the block runs, moto answers successful DynamoDB requests as plain JSON;
    ``check``: also serialize each the moto way and raise AssertionError on a difference."""
    from moto.core.responses import ActionResult

    current = ActionResult.execute_result
    serialize = getattr(current, "moto_serialize", current)  # moto's own, also inside another block

    def execute_result(self: ActionResult, context: Any) -> Any:
        result, output = self.result, context.operation_model.output_shape
        if context.service_model.service_name != "dynamodb" or not isinstance(result, dict) or output is None:
            return serialize(self, context)
        try:
            body = json.dumps(_without_none({k: v for k, v in result.items() if k in output.members}))
        except TypeError:  # not plain JSON: moto's serializer knows how to write it
            return serialize(self, context)
        version = context.service_model.metadata["jsonVersion"]
        answer = (200, {"Content-Type": f"application/x-amz-json-{version}"}, body)
        if check:
            expected = serialize(self, context)
            assert (answer[0], answer[1], json.loads(body)) == (expected[0], expected[1], json.loads(expected[2])), (
                context.operation_model.name
            )
        ANSWERED[context.operation_model.name] += 1
        return answer

    execute_result.moto_serialize = serialize  # type: ignore[attr-defined]
    ActionResult.execute_result = execute_result
    try:
        yield
    finally:
        ActionResult.execute_result = current


@contextmanager
def method_names_listed_once() -> Iterator[None]:
    """While the block runs, moto lists a handler class's functions once, not per request."""
    from moto.core import responses

    listed = responses.method_names_from_class
    responses.method_names_from_class = cache(listed)
    try:
        yield
    finally:
        responses.method_names_from_class = listed


@contextmanager
def faster_moto() -> Iterator[None]:
    with ExitStack() as stack:
        stack.enter_context(plain_dynamodb_answers())
        stack.enter_context(method_names_listed_once())
        yield
