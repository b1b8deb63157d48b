"""moto (S3 + DynamoDB + SQS) as an HTTP server inside this process.

Like ``moto.server.ThreadedMotoServer``, plus four things the local stack and
the tests rely on:

- Given a ``StorageAccess``, the port answers only what AWS would: requests
  signed with those credentials, checked POST forms, anonymous reads of the
  public prefixes (``ops.storage_guard``). Without one it is moto as is, for
  tests that point their own clients at it.
- DynamoDB requests are executed one at a time. Real DynamoDB applies each
  request and transaction atomically; moto does not lock, so two concurrent
  ``TransactWriteItems`` could both pass the plan-limit condition on the
  account counter. Serialising them restores the guarantee the code is
  written against (docs/architecture.md, "Uploads").
- Every request that may change state bumps a counter, so the snapshotter can
  tell "nothing changed" without scanning anything.
- An object's ETag is hashed under the object's lock (see ``hash_etags_under_lock``),
  and a large object's bytes go to disk without a copy in memory first
  (``write_large_values_to_disk``).

moto keeps its state in process-global backends: run one embedded server per
process at a time. ``start()`` resets that state unless told otherwise.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from ops.storage_guard import StorageAccess, StorageGuard

#: DynamoDB actions that never change state (X-Amz-Target ``DynamoDB_20120810.<Action>``).
_DYNAMODB_READS = frozenset(
    {
        "BatchGetItem",
        "DescribeContinuousBackups",
        "DescribeTable",
        "DescribeTimeToLive",
        "GetItem",
        "ListTables",
        "ListTagsOfResource",
        "Query",
        "Scan",
        "TransactGetItems",
    }
)
_HTTP_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_HASH_BLOCK = 1024 * 1024

StartResponse = Callable[..., Any]


class _SerialisedApp:
    """WSGI wrapper: one DynamoDB request at a time, and a count of writes."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._dynamodb_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self.mutations = 0

    def _mutated(self) -> None:
        with self._count_lock:
            self.mutations += 1

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("DynamoDB_"):
            with self._dynamodb_lock:
                result = self._app(environ, start_response)
                # Materialise the body under the lock: a lazy WSGI body could
                # still be executing the request after we let go.
                try:
                    body = [b"".join(result)]
                finally:
                    close = getattr(result, "close", None)
                    if close is not None:
                        close()
            if target.rsplit(".", 1)[-1] not in _DYNAMODB_READS:
                self._mutated()
            return body
        result = self._app(environ, start_response)
        # The count moves after the request ran, so a snapshot that started
        # before this write finished is always followed by another one. SQS
        # (the local event queue, polled all the time) is not persisted.
        if environ.get("REQUEST_METHOD", "GET") not in _HTTP_READS and not target.startswith("AmazonSQS"):
            self._mutated()
        return result


def hash_etags_under_lock() -> None:
    """moto 5.2 hashes an object's ETag (MD5, then cached on the object) by reading the
    object's shared buffer in 16 MB blocks WITHOUT the lock its reads take. A concurrent
    read (the snapshotter listing or copying, a ranged GET, another HEAD) moves the
    buffer's position mid-hash, and the wrong ETag stays cached for the object's life:
    for a staged upload over 16 MB, ingest then sees the bytes "change" on every try and
    answers 503 for good. Hashing under the object's lock makes the ETag the bytes' MD5.
    The hash reads 1 MB blocks where moto's reads 16 MB ones: three 43 MB uploads at
    once held two such blocks each, for nothing.
    """
    from moto.s3.models import FakeKey

    original: property = vars(FakeKey)["etag"]
    if original.fget is None or getattr(original.fget, "hashed_under_lock", False):
        return

    def etag(self: Any) -> str:
        if self._etag is None:
            with self.lock:  # a plain Lock: nothing below takes it again
                if self._etag is None:
                    digest = hashlib.md5(usedforsecurity=False)
                    self._value_buffer.seek(0)
                    for block in iter(lambda: self._value_buffer.read(_HASH_BLOCK), b""):
                        digest.update(block)
                    self._etag = digest.hexdigest()
        return f'"{self._etag}"'

    etag.hashed_under_lock = True  # type: ignore[attr-defined]
    setattr(FakeKey, "etag", property(etag))  # noqa: B010 - replacing a property mypy sees as a method


def write_large_values_to_disk() -> None:
    """moto keeps an object's bytes in a SpooledTemporaryFile that moves to disk past 5 MB,
    but only after the write: a 43 MB upload was first copied whole into the in-memory
    buffer, then to disk. Moving a buffer to disk before a write that will not fit in
    memory keeps that copy out of the server's memory."""
    from moto.s3.models import FakeKey

    original: property = vars(FakeKey)["value"]
    if original.fset is None or getattr(original.fset, "to_disk_first", False):
        return
    store = original.fset

    def value(self: Any, new_value: bytes) -> None:
        if len(new_value) > self._max_buffer_size:
            self._value_buffer.rollover()
        store(self, new_value)

    value.to_disk_first = True  # type: ignore[attr-defined]
    setattr(FakeKey, "value", original.setter(value))  # noqa: B010 - replacing a property mypy sees as a method


def _cache_module_list() -> None:
    """moto's dispatcher lists its own package directory (``isdir`` on ~150 entries) on
    every request to find a backend by host name; the list never changes while we run."""
    from moto import backends

    if not getattr(backends.list_of_moto_modules, "cached", False):
        modules = tuple(backends.list_of_moto_modules())

        def cached() -> Iterable[str]:
            return modules

        cached.cached = True  # type: ignore[attr-defined]
        backends.list_of_moto_modules = cached


def _quiet_handler() -> type:
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class QuietHandler(MotoRequestHandler):
        """The API logs its own requests; a line per S3/DynamoDB call is noise."""

        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            pass

    return QuietHandler


class EmbeddedMotoServer:
    """moto on ``http://127.0.0.1:<port>`` in a daemon thread.

    >>> server = EmbeddedMotoServer(port=0)
    >>> url = server.start()          # e.g. http://127.0.0.1:41234
    >>> ...                           # point MEDIA_*_ENDPOINT_URL at url
    >>> server.stop()
    """

    def __init__(
        self, port: int = 0, host: str = "127.0.0.1", *, verbose: bool = False, access: StorageAccess | None = None
    ) -> None:
        self._host = host
        self._port = port
        self._verbose = verbose
        self._access = access
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._app: _SerialisedApp | None = None
        #: The storage port's rules (None: moto answers everything), while the server runs.
        self.guard: StorageGuard | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("The moto server is not running: call start() first.")
        return f"http://{self._host}:{self._server.server_port}"

    @property
    def mutations(self) -> int:
        """How many requests that may have changed state were served so far."""
        return self._app.mutations if self._app is not None else 0

    def start(self, *, reset: bool = True) -> str:
        """Start serving and return the base URL; ``reset`` empties moto's global state."""
        if self._server is not None:
            return self.url
        # Imported here: moto's server pulls in Flask and every backend index,
        # and nothing may happen at import .
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        hash_etags_under_lock()
        write_large_values_to_disk()
        self._app = _SerialisedApp(DomainDispatcherApplication(create_backend_app))
        _cache_module_list()
        handler = None if self._verbose else _quiet_handler()
        kwargs: dict[str, Any] = {"request_handler": handler} if handler else {}
        # The guard sits outside the serialiser: a refused request neither waits for
        # the DynamoDB lock nor counts as a change for the snapshotter.
        self.guard = StorageGuard(self._app, self._access) if self._access is not None else None
        app = self.guard if self.guard is not None else self._app
        self._server = make_server(self._host, self._port, app, threaded=True, **kwargs)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="embedded-moto", daemon=True
        )
        self._thread.start()
        if reset:
            self.reset()
        return self.url

    def reset(self) -> None:
        """Forget every bucket, table and queue (what moto's reset endpoint does, called in
        process: the port takes no unsigned request that changes state)."""
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()
        assert self._app is not None
        self._app.mutations = 0

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=10)

    def __enter__(self) -> EmbeddedMotoServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
