"""``manage.py serve``: the API on chalice's local server, over the local stack.

One process: moto (S3, DynamoDB, SQS) in a thread, the chalice app on
``LocalDevServer`` (threaded), the snapshotter and the S3 event pump. SIGINT
and SIGTERM stop it cleanly: API first, then the final snapshot, then moto.
"""

from __future__ import annotations

import json
import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from chalice.config import Config
from chalice.local import LambdaContext, LocalChalice, LocalDevServer

from ops import local_stack
from ops.local_http import ApiHTTPServer, ApiRequestHandler
from ops.rate_limit import RateLimiter, RateLimits, RateLimitSettingError

HOST = "127.0.0.1"
APP_NAME = "media-api"
#: How often a serving thread looks for shutdown(): socketserver's default (0.5 s) made every stop,
#: Ctrl-C included, wait that long.
SHUTDOWN_POLL_SECONDS = 0.05


def _use_threaded_requests(app: Any) -> None:
    """Keep ``app.current_request`` per thread, as ``chalice local`` does
    (chalice.local.create_local_server swaps the class the same way)."""
    if not isinstance(app, LocalChalice):
        app.__class__ = type("LocalMediaApp", (LocalChalice, type(app)), {})


def _disk_config() -> dict[str, Any]:
    """.chalice/config.json if present (another engineer owns it; it may be absent)."""
    try:
        loaded = json.loads((local_stack.ROOT / ".chalice" / "config.json").read_text())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def create_api_server(app: Any, host: str, port: int, rate_limits: RateLimits | None = None) -> LocalDevServer:
    """A LocalDevServer for the app (port 0 picks a free one), configured like `chalice local`;
    with ``rate_limits``, requests over them get 429 before the app runs (`make run` has them)."""
    _use_threaded_requests(app)
    config = Config(
        chalice_stage="dev",
        user_provided_params={"chalice_app": app, "app_name": APP_NAME, "project_dir": str(local_stack.ROOT)},
        config_from_disk=_disk_config(),
    )
    server = LocalDevServer(app, config, host, port, handler_cls=ApiRequestHandler, server_cls=ApiHTTPServer)
    server.port = server.server.server_address[1]
    if rate_limits is not None:
        server.server.rate_limiter = RateLimiter(rate_limits)
    return server


def serve_in_thread(server: LocalDevServer, name: str) -> threading.Thread:
    """Answer requests on a thread of its own (each request on one more, as the server is threaded)."""
    thread = threading.Thread(
        target=server.server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS}, name=name, daemon=True
    )
    thread.start()
    return thread


def stop_serving(server: LocalDevServer, thread: threading.Thread) -> None:
    """Stop taking requests and free the port (the requests in flight finish on their threads)."""
    server.shutdown()
    server.server.server_close()
    thread.join(timeout=10)


@contextmanager
def serving(server: LocalDevServer, name: str = "api") -> Iterator[None]:
    """``server`` answers requests while the block runs."""
    thread = serve_in_thread(server, name)
    try:
        yield
    finally:
        stop_serving(server, thread)


def _lambda_handler(app: Any, name: str) -> Callable[[dict[str, Any]], Any] | None:
    """The app's pure Lambda function ``name`` as an event handler (None if absent),
    so local S3 events run the same entry point as on AWS."""
    function = app.handler_map.get(name)
    if function is None:
        return None

    def handle(event: dict[str, Any]) -> Any:
        context = LambdaContext(
            function_name=name, memory_size=512, max_runtime_ms=900_000
        )  # the deployed derivatives function's timeout
        return function(event, context)

    return handle


def lambda_functions(app: Any) -> dict[str, Callable[[dict[str, Any]], Any]]:
    """The app's Lambda functions the bucket's events go to, by name (as deployed)."""
    from chalicelib.domain.layout import ROUTES

    found = {route.function: _lambda_handler(app, route.function) for route in ROUTES}
    return {name: handler for name, handler in found.items() if handler is not None}


def _moto_port(api_port: int) -> int:
    """api_port + 1 when free, so file URLs stay the same from one run to the next."""
    candidate = api_port + 1
    if 0 < candidate < 65536:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
            try:
                probe.bind((HOST, candidate))
                return candidate
            except OSError:
                pass
    return 0


def _banner(api_url: str, stack: local_stack.LocalStack, seconds: float, limits: RateLimits) -> str:
    key = stack.demo_key
    restored = stack.restored
    return "\n".join(
        [
            f"Media API (local stack) ready in {seconds:.1f} s",
            f"  Page       {api_url}/   (the media library: sign in with the demo key)",
            f"  API        {api_url}/api/v1/media   (reference: {api_url}/docs)",
            f"  Storage    {stack.moto_url} (embedded moto: S3 + DynamoDB)",
            f"  Data       {stack.data} ({restored.get('items', 0)} items, "
            f"{restored.get('objects', 0)} files restored)",
            f"  Demo key   {key}",
            f"  Limits     {limits.describe()}",
            "",
            "Try:",
            f"  curl -H 'X-Api-Key: {key}' {api_url}/api/v1/media",
            f"  curl -H 'X-Api-Key: {key}' -F file=@photo.png {api_url}/api/v1/media",
            "",
            "In another terminal, `.venv/bin/python manage.py --help` acts on this stack.",
            "Ctrl-C stops it; the data stays for the next start.",
            "",
        ]
    )


def serve(port: int, data: Path | None = None) -> int:
    """Run the local stack and the API until SIGINT/SIGTERM; returns the exit code."""
    started = time.monotonic()
    try:
        limits = RateLimits.from_environment()
    except RateLimitSettingError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    data = data or local_stack.data_dir()
    running = local_stack.find_running_stack(data)
    if running is not None:
        print(
            f"Error: a local stack (pid {running['pid']}) already runs on this data directory "
            f"at {running.get('api_url')}; stop it first.",
            file=sys.stderr,
        )
        return 2
    # Our own and the app's INFO lines; botocore/pynamodb chatter only from WARNING up.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("ops").setLevel(logging.INFO)
    from app import app  # the checkout root is on sys.path: manage.py lives there

    try:
        server = create_api_server(app, HOST, port, limits)  # bind first: a busy port fails fast
    except OSError as exc:
        print(f"Error: cannot listen on {HOST}:{port} ({exc.strerror}); set PORT or --port.", file=sys.stderr)
        return 1
    # Handlers first: a Ctrl-C while the stack starts still ends in a clean stop.
    stopping = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    stack = local_stack.LocalStack(data, moto_port=_moto_port(server.port), functions=lambda_functions(app))
    api_url = f"http://{HOST}:{server.port}"
    try:
        stack.start(api_url)
    except BaseException:
        server.server.server_close()
        raise
    stack.write_stack_file(api_url)
    thread = serve_in_thread(server, "api")
    print(_banner(api_url, stack, time.monotonic() - started, limits), flush=True)
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        print("Stopping: saving the data...", file=sys.stderr, flush=True)
        stop_serving(server, thread)
        try:
            stack.stop()
        except Exception as exc:  # the one line a person needs: the data may not be on disk
            print(f"Could not save the data to {_shown_path(data)}: {exc}", file=sys.stderr, flush=True)
            return 1
    items, files = stack.saved or (0, 0)
    print(f"Saved {items} items and {files} files to {_shown_path(data)}.", file=sys.stderr, flush=True)
    return 0


def _shown_path(path: Path) -> str:
    """The data directory as the person typed it: relative to where they stand when it is below."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
