"""Servers in the test process: moto as an embedded HTTP server (or in-process moto made
safe for threads), and the app on chalice's threaded local server (as `make run` serves it).

moto's state belongs to the process: an embedded server started with a reset
(``moto_server_env``) wipes the in-process world too (see ``helpers.aws``).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from tests.helpers.aws import TEST_ENV, dynamodb_one_request_at_a_time, process_world, restored_environment


def free_port() -> int:
    """A port nothing listens on (just released; the caller takes it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def closed_port_url() -> str:
    """An address where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


@contextmanager
def moto_server_env() -> Iterator[dict[str, str]]:
    """An embedded moto server (thread-safe, DynamoDB atomic as on AWS) with the
    bucket and tables, this process pointed at it; yields the environment."""
    from ops.local_stack import apply_environment
    from ops.moto_server import EmbeddedMotoServer

    with restored_environment():
        moto = EmbeddedMotoServer(port=0)
        url = moto.start()
        env = {
            **TEST_ENV,
            "MEDIA_S3_ENDPOINT_URL": url,
            "MEDIA_DYNAMODB_ENDPOINT_URL": url,
            "MEDIA_S3_ADDRESSING_STYLE": "path",
        }
        try:
            apply_environment(env)
            from chalicelib import models
            from chalicelib.storage.configuration import configure_bucket

            configure_bucket()
            models.create_tables()
            yield env
        finally:
            moto.stop()


@contextmanager
def threaded_aws_env() -> Iterator[dict[str, str]]:
    """moto in this process with nothing in it but the bucket and tables, for callers on
    several threads (a server's): DynamoDB requests run one at a time, as on the embedded
    server. For tests that need no storage over HTTP; yields the environment."""
    from ops.local_stack import apply_environment

    with restored_environment():
        apply_environment(dict(TEST_ENV))
        process_world().reset()
        with dynamodb_one_request_at_a_time():
            yield dict(TEST_ENV)


@contextmanager
def api_over_http() -> Iterator[str]:
    """The app on chalice's threaded local server (as `make run` serves it); yields its base URL."""
    from app import app
    from ops.dev_server import create_api_server, serving

    server = create_api_server(app, "127.0.0.1", 0)
    with serving(server):
        yield f"http://127.0.0.1:{server.port}"
