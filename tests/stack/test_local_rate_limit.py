"""The local server's request rate limits (ops.rate_limit): per API key, and per IP for
requests without a valid key; a refused request gets 429 rate_limited with Retry-After."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
import requests

from ops.rate_limit import RateLimiter, RateLimits, RateLimitSettingError, SlidingWindow
from tests.helpers.aws import restored_environment
from tests.helpers.manage import run
from tests.helpers.servers import free_port
from tests.helpers.tenants import Tenant

ROOT = Path(__file__).resolve().parents[2]
DEMO_KEY = re.compile(r"Demo key\s+(sk_(?:live|test)_[A-Za-z0-9_-]{43})")
NOBODYS_KEY = "sk_live_" + "N" * 43


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- the window itself, on a clock of the test's own ---------------------------------------------------


def test_a_window_admits_its_limit_then_says_when_the_oldest_request_leaves_it() -> None:
    clock = FakeClock()
    window = SlidingWindow(limit=3, window=60, clock=clock)
    for _ in range(3):
        assert window.admit("key") is None
        clock.now += 10
    assert window.admit("key") == pytest.approx(30)  # the first left at 1060; it is 1030
    assert window.admit("other") is None  # another identity has a window of its own
    clock.now += 29.5
    assert window.admit("key") == pytest.approx(0.5)
    clock.now += 0.5
    assert window.admit("key") is None  # exactly when promised
    assert window.admit("key") == pytest.approx(10)  # the second (1010) leaves at 1070


def test_refused_requests_do_not_count() -> None:
    clock = FakeClock()
    window = SlidingWindow(limit=1, window=10, clock=clock)
    assert window.admit("ip") is None
    for _ in range(50):
        clock.now += 0.1
        assert window.admit("ip") is not None
    clock.now = 1010.0
    assert window.admit("ip") is None


def test_threads_at_once_never_get_more_than_the_limit_through() -> None:
    window = SlidingWindow(limit=25, window=60, clock=FakeClock())
    admitted: list[bool] = []
    barrier = threading.Barrier(8)

    def hammer() -> None:
        barrier.wait(timeout=30)
        for _ in range(20):
            admitted.append(window.admit("key") is None)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(admitted) == 160 and admitted.count(True) == 25


def test_an_invalid_or_revoked_key_counts_against_the_address_a_valid_one_against_itself(tenant: Tenant) -> None:
    from chalicelib import auth

    limiter = RateLimiter(RateLimits(per_key=2, anonymous=2), clock=FakeClock())
    assert limiter.check(tenant.api_key, "10.0.0.1") is None
    assert limiter.check(tenant.api_key, "10.0.0.2") is None
    refused = limiter.check(tenant.api_key, "10.0.0.3")  # the key's window, whatever the address
    assert refused is not None and refused.retry_after == 60 and "this API key" in refused.message
    assert limiter.check(NOBODYS_KEY, "10.0.0.1") is None
    assert limiter.check(None, "10.0.0.1") is None
    made_up = limiter.check(NOBODYS_KEY, "10.0.0.1")
    assert made_up is not None and "without a valid API key" in made_up.message
    assert limiter.check(None, "10.0.0.9") is None  # another address
    auth.revoke(tenant.api_key)
    assert limiter.check(tenant.api_key, "10.0.0.9") is None  # now the address's second request
    assert limiter.check(tenant.api_key, "10.0.0.9") is not None


def test_settings_default_to_600_and_120_and_refuse_what_is_not_a_count() -> None:
    assert RateLimits.from_environment({}) == RateLimits(600, 120, 60.0)
    assert RateLimits.from_environment({"MEDIA_RATE_LIMIT": " 30 ", "MEDIA_RATE_LIMIT_ANONYMOUS": ""}) == RateLimits(
        30, 120
    )
    for name in ("MEDIA_RATE_LIMIT", "MEDIA_RATE_LIMIT_ANONYMOUS"):
        for bad in ("0", "-5", "1.5", "lots", "1e3"):
            with pytest.raises(RateLimitSettingError, match=f"{name} must be a whole number of requests per minute"):
                RateLimits.from_environment({name: bad})


# -- `make run` with MEDIA_RATE_LIMIT=30, over HTTP -------------------------------------------------------


@contextmanager
def serve(data: Path, log: IO[str], **env: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`manage.py serve` as `make run` starts it, with ``env`` on top; yields it and its demo key."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MEDIA_")}
    environ.update({"MEDIA_LOCAL_DATA": str(data), "PYTHONUNBUFFERED": "1", **env})
    port = free_port()
    command = [sys.executable, "manage.py", "serve", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        assert process.stdout is not None
        key = None
        for line in process.stdout:
            found = DEMO_KEY.search(line)
            if found:
                key = found.group(1)
                break
        assert key, f"serve did not start (exit code {process.poll()}); see {log.name}"
        yield process, f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def manage(data: Path, *args: str) -> Any:
    """A manage.py command against that stack, in this process (manage.py in processes of its
    own against `serve` is tests/stack/test_manage_accounts.py's)."""
    with restored_environment():
        result = run(*args, "--json", env={"MEDIA_LOCAL_DATA": str(data)})
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.slow(seconds=4)
def test_the_31st_request_of_a_key_in_a_minute_is_refused_and_another_key_is_not(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with (
        open(tmp_path / "serve.log", "w") as log,
        serve(data, log, MEDIA_RATE_LIMIT="30", MEDIA_RATE_LIMIT_ANONYMOUS="10") as (_, api),
    ):
        first = manage(data, "accounts", "create", "--name", "First")["api_key"]
        second = manage(data, "accounts", "create", "--name", "Second")["api_key"]
        web = requests.Session()
        for _ in range(30):
            assert web.get(f"{api}/api/v1/account", headers={"X-Api-Key": first}, timeout=10).status_code == 200
        refused = web.get(f"{api}/api/v1/account", headers={"X-Api-Key": first, "Origin": "https://x.example"})
        assert refused.status_code == 429
        assert refused.headers["Content-Type"] == "application/json"
        assert refused.json()["code"] == "rate_limited" and "30" in refused.json()["message"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.headers["Access-Control-Allow-Origin"] == "*"  # as the app answers (MEDIA_CORS_ORIGINS=*)
        assert "Retry-After" in refused.headers["Access-Control-Expose-Headers"]
        assert (refused.headers["Cache-Control"], refused.headers["X-Content-Type-Options"]) == ("no-store", "nosniff")
        assert web.get(f"{api}/api/v1/account", headers={"X-Api-Key": second}, timeout=10).status_code == 200
        # A second key of the same account is a key of its own, too.
        third = manage(data, "keys", "issue", manage(data, "accounts", "list")[0]["account_id"])["api_key"]
        assert web.get(f"{api}/api/v1/account", headers={"X-Api-Key": third}, timeout=10).status_code == 200

        # Without a valid key: 10 per address, whatever key is made up; the valid keys go on.
        for index in range(10):
            headers = {"X-Api-Key": NOBODYS_KEY} if index % 2 else {}
            assert web.get(f"{api}/api/v1/media", headers=headers, timeout=10).status_code == 401
        for headers in ({}, {"X-Api-Key": NOBODYS_KEY}, {"X-Api-Key": "sk_live_" + "M" * 43}):
            answer = web.get(f"{api}/api/v1/openapi.json", headers=headers, timeout=10)
            assert answer.status_code == 429 and answer.json()["code"] == "rate_limited", headers
        assert web.get(f"{api}/api/v1/account", headers={"X-Api-Key": second}, timeout=10).status_code == 200
        # A key sent as a bearer token (remote agents on /mcp) is counted as the key, not as the address.
        bearer = {"Authorization": f"Bearer {second}", "Accept": "application/json"}
        ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        assert web.post(f"{api}/mcp", json=ping, headers=bearer, timeout=10).status_code == 200
        preflight = web.options(f"{api}/api/v1/media", headers={"Origin": "https://x.example"}, timeout=10)
        assert preflight.status_code != 429  # the browser's own preflights are not counted


@pytest.mark.slow(seconds=2)
def test_a_bad_limit_stops_make_run_at_once_saying_which(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MEDIA_")}
    environ.update({"MEDIA_LOCAL_DATA": str(tmp_path), "MEDIA_RATE_LIMIT_ANONYMOUS": "many"})
    done = subprocess.run(
        [sys.executable, "manage.py", "serve", "--port", str(free_port())],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "Error: MEDIA_RATE_LIMIT_ANONYMOUS must be a whole number of requests per minute, 1 or more (not 'many')."
    )
    assert not (tmp_path / "stack.json").exists()


# -- the Python client against a limited stack ------------------------------------------------------------


class SeenStatuses(httpx.HTTPTransport):
    """The client's own transport, noting every status it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[int] = []
        self.retry_after: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.statuses.append(response.status_code)
        if response.status_code == 429:
            self.retry_after.append(response.headers["Retry-After"])
        return response


@pytest.mark.slow(seconds=3)
def test_the_python_client_waits_out_429s_and_completes_a_burst_over_the_limit(tmp_path: Path) -> None:
    from app import app
    from media_client import Client, RetryPolicy
    from ops import local_stack
    from ops.dev_server import create_api_server, serving
    from tests.helpers.media import png_bytes

    limits = RateLimits(per_key=4, anonymous=50, window_seconds=1.0)  # a minute would make a slow test
    with restored_environment():
        stack = local_stack.LocalStack(tmp_path / "data", events=False)
        stack.start()
        server = create_api_server(app, "127.0.0.1", 0, limits)
        seen = SeenStatuses()
        retry = RetryPolicy(max_retries=4, backoff_base=0.01, backoff_max=0.05)
        try:
            photo = tmp_path / "photo.png"
            photo.write_bytes(png_bytes())
            with (
                serving(server),
                Client(stack.demo_key, f"http://127.0.0.1:{server.port}", retry=retry, transport=seen) as media,
            ):
                uploaded = [media.upload(photo, name=f"Burst {index}") for index in range(4)]  # 2 requests each
                fetched = [media.get(file.id) for file in uploaded]
                account = media.account()
        finally:
            stack.stop()
    assert [file.name for file in fetched] == [f"Burst {index}" for index in range(4)]
    assert account.usage.files == 4
    answered = [status for status in seen.statuses if status != 429]
    assert len(answered) > limits.per_key  # more calls than the window takes...
    assert set(answered) <= {200, 201}  # ...every one of them done...
    assert seen.statuses.count(429) >= 1, seen.statuses  # ...after at least one refusal waited out
    assert all(value == "1" for value in seen.retry_after)  # whole seconds, rounded up
