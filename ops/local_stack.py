"""The local stack: moto (S3 + DynamoDB) in-process, configured like a stage,
persisted under the data directory (unless ``persist=False``), with a demo account ready to use.

Data directory (``MEDIA_LOCAL_DATA``, default ``.data/`` next to manage.py)::

    secret          cursor-signing secret, generated once (0600)
    demo-key        the demo account's API key in clear (0600), kept across restarts
    stack.json      {"pid", "moto_url", "api_url"} while a stack runs
    dynamodb/, s3/  the snapshot (see ops.snapshot)
"""

from __future__ import annotations

import json
import os
import secrets
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from chalicelib import caches
from chalicelib.domain.layout import ROUTES
from ops.events import EVENT_DELAY_SECONDS, EventHandler, S3EventPump
from ops.iam import failure_queue_name, public_read_policy
from ops.moto_server import EmbeddedMotoServer
from ops.snapshot import Snapshot, Snapshotter, local_session, write_atomic
from ops.storage_guard import StorageAccess, public_prefixes

#: The checkout root: the directory of manage.py.
ROOT = Path(__file__).resolve().parent.parent
DATA_ENV = "MEDIA_LOCAL_DATA"
REGION = "us-east-1"
BUCKET = "media-local"
TABLE_PREFIX = "media-local"
EVENT_QUEUE = "media-local-events"
#: Events still failing after their retries (as a deployed stage's, ops.monitoring).
FAILURES_QUEUE = failure_queue_name("local")
#: The stack's own credentials: the storage port serves requests signed with them, and nobody else.
ACCESS_KEY_ID = "local"
SECRET_ACCESS_KEY = "local"
DEMO_ACCOUNT_ID = "demo"
DEMO_ACCOUNT_NAME = "Demo"
#: Locally nothing sits between the client and the route (no API Gateway 10 MB
#: or Lambda 6 MB cap), so the direct route takes files up to the 50 MB ceiling.
LOCAL_DIRECT_UPLOAD_MAX = 52_428_800
NO_STACK_MESSAGE = "No local stack is running: start the local stack with `make run`, or pass --stage."


def data_dir() -> Path:
    """Where the local stack keeps its state (``MEDIA_LOCAL_DATA`` or ``.data/``)."""
    configured = os.environ.get(DATA_ENV, "").strip()
    return Path(configured).expanduser().resolve() if configured else ROOT / ".data"


def _private_value(path: Path, make: Any) -> str:
    """Read a one-line secret file, creating it (mode 0600) on first use."""
    try:
        value = path.read_text().strip()
    except FileNotFoundError:
        value = ""
    if not value:
        value = str(make())
        write_atomic(path, f"{value}\n".encode())  # mkstemp files are 0600
    return value


def cursor_secret(data: Path) -> str:
    return _private_value(data / "secret", lambda: secrets.token_urlsafe(32))


def environment(moto_url: str, data: Path, api_url: str | None = None) -> dict[str, str]:
    """The environment of a process that talks to the local stack (``api_url``: the
    API's own address, for the links it builds)."""
    env = {
        # Fixed local ones keep real ones unused; the storage port takes no others.
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "MEDIA_REGION": REGION,
        "MEDIA_BUCKET": BUCKET,
        "MEDIA_TABLE_PREFIX": TABLE_PREFIX,
        "MEDIA_S3_ENDPOINT_URL": moto_url,
        "MEDIA_DYNAMODB_ENDPOINT_URL": moto_url,
        # Path-style GETs on moto return the bytes, so `url` works in a browser.
        "MEDIA_PUBLIC_BASE_URL": f"{moto_url}/{BUCKET}",
        "MEDIA_S3_ADDRESSING_STYLE": "path",
        # MEDIA_DIRECT_UPLOAD_MAX_BYTES=4194304 make run: the deployed limit, to try the session route.
        "MEDIA_DIRECT_UPLOAD_MAX_BYTES": os.environ.get("MEDIA_DIRECT_UPLOAD_MAX_BYTES", "").strip()
        or str(LOCAL_DIRECT_UPLOAD_MAX),
        "MEDIA_CURSOR_SECRET": cursor_secret(data),
        # manage.py revokes keys from another process; with no cache the
        # running API sees it at once (lookups against moto cost nothing).
        "MEDIA_KEY_CACHE_SECONDS": "0",
        "MEDIA_BUCKET_EVENTS": "true",
        # The API's and ingest's event lines, readable (deployed they are JSON, for CloudWatch).
        "MEDIA_LOG_FORMAT": "text",
        # A corporate HTTP(S)_PROXY must not swallow calls to the local endpoints.
        "NO_PROXY": _no_proxy("NO_PROXY"),
        "no_proxy": _no_proxy("no_proxy"),
    }
    if api_url:
        env["MEDIA_PUBLIC_API_URL"] = api_url
    return env


def _no_proxy(name: str) -> str:
    hosts = [h for h in os.environ.get(name, "").split(",") if h.strip()]
    return ",".join(hosts + [h for h in ("127.0.0.1", "localhost") if h not in hosts])


def apply_environment(env: dict[str, str]) -> None:
    """Switch this process to ``env`` (and drop credentials that would mix in)."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update(env)
    caches.reset()


def storage_access() -> StorageAccess:
    """Who may use the storage port: the stack's credentials; anyone may read what the
    bucket policy makes public (the deployed stage's policy, so new public prefixes follow)."""
    return StorageAccess(ACCESS_KEY_ID, SECRET_ACCESS_KEY, BUCKET, public_prefixes(public_read_policy(BUCKET), BUCKET))


def storage_origins(api_url: str | None) -> tuple[str, ...]:
    """The origins the bucket's CORS rules allow: MEDIA_CORS_ORIGINS, plus the API's own
    (the page it serves posts its forms to storage), unless every origin is allowed."""
    from chalicelib.config import get_settings

    origins = get_settings().cors_origins
    if api_url and "*" not in origins:
        own = urllib.parse.urlsplit(api_url)
        origin = f"{own.scheme}://{own.netloc}"
        if origin not in origins:
            origins = (*origins, origin)
    return origins


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _answers(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # local: never via a proxy
    try:
        with opener.open(f"{url}/moto-api/config", timeout=2):
            return True
    except OSError:
        return False


def find_running_stack(data: Path | None = None) -> dict[str, Any] | None:
    """The stack.json of a live local stack on this data directory, else None."""
    path = (data or data_dir()) / "stack.json"
    try:
        info = json.loads(path.read_text())
        pid, moto_url = int(info["pid"]), str(info["moto_url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not _pid_alive(pid) or not _answers(moto_url):
        return None
    return dict(info)


def ensure_demo_account(data: Path) -> str:
    """The demo account's API key; the account and key are created once and kept."""
    from chalicelib import accounts, auth, records
    from chalicelib.errors import Unauthenticated

    key_file = data / "demo-key"
    if records.store().get_account(DEMO_ACCOUNT_ID) is None:
        _, issued = accounts.create_account(DEMO_ACCOUNT_NAME, account_id=DEMO_ACCOUNT_ID)
        write_atomic(key_file, f"{issued.api_key}\n".encode())
        return issued.api_key
    saved = key_file.read_text().strip() if key_file.exists() else ""
    if saved:
        try:
            if auth.authenticate(saved) == DEMO_ACCOUNT_ID:
                return saved
        except Unauthenticated:
            pass  # revoked or lost with the data: issue a fresh one below
    issued = accounts.issue_key(DEMO_ACCOUNT_ID)
    write_atomic(key_file, f"{issued.api_key}\n".encode())
    return issued.api_key


class LocalStack:
    """moto + bucket + tables + snapshot + demo account + S3 events, in-process.

    ``start()`` switches this process's environment to the stack (os.environ
    and chalicelib's cached clients), so chalicelib calls made afterwards act
    on it. ``stop()`` writes the final snapshot.
    """

    def __init__(
        self,
        data: Path | None = None,
        *,
        moto_port: int = 0,
        events: bool = True,
        functions: dict[str, EventHandler] | None = None,
        retry_after: int = 5,
        event_delay: int = EVENT_DELAY_SECONDS,
        persist: bool = True,
    ) -> None:
        self.data = data or data_dir()
        # False: the tables and files live only as long as the process (no snapshot is
        # restored or written; the demo key and the secret are still kept on disk).
        self.persist = persist
        self.moto = EmbeddedMotoServer(port=moto_port, access=storage_access())
        self.events = events
        # The Lambda functions the bucket's events go to, by name (the app's own under `serve`;
        # without the app, chalicelib's event dispatcher, which runs the same code).
        self.functions = functions or {route.function: _handle_event for route in ROUTES}
        self.retry_after = retry_after  # seconds before a failed event is delivered again
        self.event_delay = event_delay  # seconds between a write and its event
        self.demo_key = ""
        self.restored: dict[str, int] = {}
        #: (items, files) written by the last save of stop(); None until then.
        self.saved: tuple[int, int] | None = None
        self._snapshotter: Snapshotter | None = None
        self._pump: S3EventPump | None = None
        self._stack_file: Path | None = None

    @property
    def moto_url(self) -> str:
        return self.moto.url

    def start(self, api_url: str | None = None) -> str:
        """Bring everything up; returns the moto URL (``api_url``: where the API answers)."""
        from chalicelib import models

        self.data.mkdir(parents=True, exist_ok=True)
        url = self.moto.start()
        try:
            apply_environment(environment(url, self.data, api_url))
            self._create_bucket(api_url)
            models.create_tables()
            session = local_session()
            snapshot = Snapshot(self.data, url, BUCKET, TABLE_PREFIX, session) if self.persist else None
            self.restored = snapshot.restore() if snapshot is not None else {}
            self.demo_key = ensure_demo_account(self.data)
            if snapshot is not None:
                self._snapshotter = Snapshotter(snapshot, lambda: self.moto.mutations)
                self._snapshotter.flush(force=True)  # the demo account and key are on disk at once
                self._snapshotter.start()
            if self.events:
                self._pump = S3EventPump(
                    url, BUCKET, EVENT_QUEUE, self.functions, session,
                    failures_queue=FAILURES_QUEUE, retry_after=self.retry_after, delay=self.event_delay,
                )  # fmt: skip
                self._pump.start()
        except BaseException:
            self.moto.stop()
            raise
        return url

    def _create_bucket(self, api_url: str | None) -> None:
        from chalicelib import storage
        from chalicelib.storage.configuration import bucket_cors_rules, configure_bucket

        configure_bucket()  # bucket, CORS for browser uploads, lifecycle rules
        s3 = storage.client()
        # The page uploads from the API's own origin: the bucket lets it, besides MEDIA_CORS_ORIGINS.
        rules = bucket_cors_rules(storage_origins(api_url))
        s3.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": rules})
        assert self.moto.guard is not None
        self.moto.guard.set_cors_rules(rules)
        # moto refuses anonymous GETs without a public-read policy (verified): the policy is
        # what makes a file's `url` fetchable. The storage port reads its public prefixes
        # from the same policy (storage_access).
        s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(public_read_policy(BUCKET)))

    def write_stack_file(self, api_url: str | None) -> None:
        """Tell manage.py in other terminals where this stack answers."""
        info = {"pid": os.getpid(), "moto_url": self.moto_url, "api_url": api_url}
        self._stack_file = self.data / "stack.json"
        write_atomic(self._stack_file, json.dumps(info, indent=1).encode())

    def flush(self) -> bool:
        """Write the snapshot now if anything changed."""
        return self._snapshotter.flush() if self._snapshotter else False

    def stop(self) -> None:
        """Stop the events, write the final snapshot (``saved`` then says what is on disk), stop
        moto; a snapshot that could not be written is raised after everything has stopped."""
        if self._pump is not None:
            self._pump.stop()
            self._pump = None
        try:
            if self._snapshotter is not None:
                snapshotter, self._snapshotter = self._snapshotter, None
                snapshotter.stop()
                self.saved = snapshotter.snapshot.totals()
        finally:
            if self._stack_file is not None:
                self._stack_file.unlink(missing_ok=True)
                self._stack_file = None
            self.moto.stop()


def _handle_event(event: dict[str, Any]) -> None:
    from chalicelib import events

    events.handle(event)
