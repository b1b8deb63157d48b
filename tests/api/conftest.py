"""The HTTP contract through chalice.test.Client, on the in-memory fakes unless a test needs moto."""

from __future__ import annotations

import pytest


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> None:
    """The in-memory fakes of the records and storage ports (tests/contract keeps them equal to
    DynamoDB and S3); a test marked ``moto`` (botocore hooks, raw table or bucket access) gets moto."""
    request.getfixturevalue("aws" if request.node.get_closest_marker("moto") else "fakes")
