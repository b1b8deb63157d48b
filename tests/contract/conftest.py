"""Each contract test runs twice: on the real implementation over moto, and on the in-memory fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.records import Records
from chalicelib.storage import Storage


@pytest.fixture(params=["dynamodb", "memory"])
def db(request: pytest.FixtureRequest) -> Iterator[Records]:
    if request.param == "memory":
        from tests.fakes.records import MemoryRecords

        yield MemoryRecords()
        return
    request.getfixturevalue("aws")
    from chalicelib.records.dynamo import DynamoRecords

    yield DynamoRecords()


@pytest.fixture(params=["s3", "memory"])
def bucket(request: pytest.FixtureRequest) -> Iterator[Storage]:
    if request.param == "memory":
        from tests.fakes.storage import MemoryStorage

        yield MemoryStorage()
        return
    request.getfixturevalue("aws")
    from chalicelib.storage.s3 import S3Storage

    yield S3Storage()
