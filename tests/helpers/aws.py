"""moto for the suite: one mock per test process, and a clean world for every test.

Each test process (each xdist worker) starts ``mock_aws`` once. Before every test
that asks for AWS, moto's own reset (what ``mock_aws`` does when it starts) forgets
whatever earlier tests made in any service; then the bucket and the four tables
are created again through the API, as ``manage.py bootstrap`` creates them
(``ops.template.table_specs``; tests/deploy/test_bootstrap.py proves they equal the
tables PynamoDB creates). That costs a few milliseconds, where a fresh ``mock_aws``
and PynamoDB's ``create_table(wait=True)`` cost ~0.1 s a test.

moto keeps its state in the process, so an embedded moto server (``helpers.servers``)
shares it: a server started with a reset wipes the world too, and the next test
that asks for AWS builds it again.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: The environment every test starts from (conftest applies it before each test).
TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "MEDIA_REGION": "us-east-1",
    "MEDIA_BUCKET": "media-test",
    "MEDIA_TABLE_PREFIX": "media-test",
    "MEDIA_CURSOR_SECRET": "test-cursor-secret-0123456789",
    "MEDIA_PUBLIC_BASE_URL": "https://cdn.example.test",
    "MEDIA_KEY_CACHE_SECONDS": "0",
    # The service's event lines (chalicelib.telemetry) are tested where they are the subject.
    "MEDIA_LOG_FORMAT": "none",
}
REGION = TEST_ENV["MEDIA_REGION"]
BUCKET = TEST_ENV["MEDIA_BUCKET"]
TABLE_PREFIX = TEST_ENV["MEDIA_TABLE_PREFIX"]


@contextmanager
def restored_environment() -> Iterator[None]:
    """When the block ends, os.environ is as it was and chalicelib's caches are empty
    (a local stack's start() and `manage.py --stage` switch both to themselves)."""
    from chalicelib import caches

    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        caches.reset()


def forget_everything() -> None:
    """moto's reset: every bucket, table, queue, parameter, role... of this process is gone."""
    from moto.core.base_backend import BackendDict
    from moto.core.model_instances import reset_model_data

    BackendDict.reset()
    reset_model_data()


class World:
    """The bucket and tables of TEST_ENV, on the in-process mock."""

    def __init__(self) -> None:
        import boto3

        from ops.template import table_specs

        session = boto3.session.Session(region_name=REGION)
        self._dynamodb: Any = session.client("dynamodb")
        self._s3: Any = session.client("s3")
        self._tables = table_specs(TABLE_PREFIX)

    def reset(self) -> None:
        """Forget everything, then create the empty bucket and tables."""
        forget_everything()
        for spec in self._tables:
            self._dynamodb.create_table(**{k: v for k, v in spec.items() if k != "TimeToLive"})
            if "TimeToLive" in spec:
                self._dynamodb.update_time_to_live(
                    TableName=spec["TableName"],
                    TimeToLiveSpecification={"AttributeName": spec["TimeToLive"], "Enabled": True},
                )
        self._s3.create_bucket(Bucket=BUCKET)


@functools.cache
def process_world() -> World:
    """This process's world (conftest keeps moto on from the first test to the last)."""
    return World()


@contextmanager
def dynamodb_one_request_at_a_time() -> Iterator[None]:
    """In-process moto for tests that call AWS from several threads at once: while the
    block runs, DynamoDB requests are executed one at a time, as the embedded moto
    server executes them (``ops.moto_server``) and as DynamoDB applies each request and
    transaction atomically. moto does not lock its tables: without this, two
    concurrent transactions could both pass a condition. S3 requests run concurrently,
    as on the server; objects are hashed under their own lock there and here.
    """
    from moto.core.models import botocore_stubber

    from ops.moto_server import hash_etags_under_lock

    hash_etags_under_lock()
    lock = threading.Lock()
    process = botocore_stubber.process_request

    def one_at_a_time(request: Any) -> Any:
        if "://dynamodb." not in request.url:
            return process(request)
        with lock:
            return process(request)

    botocore_stubber.process_request = one_at_a_time
    try:
        yield
    finally:
        del botocore_stubber.process_request  # the class's method again
