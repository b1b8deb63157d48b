"""The client's tests run against a real local stack over HTTP: the API and its storage in a
process of their own (tests/client/stack_server.py), as `make run` serves them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from media_client import Client, RetryPolicy
from tests.helpers.aws import restored_environment

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024
#: The direct route's limit deployed (API Gateway + Lambda), which the main test stack uses.
DEPLOYED_DIRECT_MAX = 4 * MIB
#: Retries as the client makes them, with waits short enough for tests (Retry-After still wins).
FAST_RETRIES = RetryPolicy(max_retries=3, backoff_base=0.01, backoff_max=0.05)


@dataclass
class Tenant:
    account_id: str
    api_key: str


@dataclass
class Stack:
    """A running local stack: where it answers, and helpers that act on it as an operator would."""

    api_url: str
    moto_url: str
    demo_key: str
    data: Path
    process: subprocess.Popen[str] = field(repr=False)
    log: IO[str] = field(repr=False)

    @contextmanager
    def operator(self) -> Iterator[None]:
        """This process pointed at the stack's storage and tables (as manage.py is), for setup only."""
        from ops.local_stack import apply_environment, environment

        with restored_environment():
            apply_environment(environment(self.moto_url, self.data, self.api_url))
            yield

    def new_tenant(self, name: str = "Tenant", media_limit: int | None = None) -> Tenant:
        from chalicelib import accounts

        with self.operator():
            account, issued = accounts.create_account(name, media_limit)
        return Tenant(account.account_id, issued.api_key)

    def admin_upload(self, tenant: Tenant, filename: str, data: bytes) -> int:
        """A file uploaded by an administrator (ops), which the API must not delete."""
        from chalicelib import uploads
        from chalicelib.domain.names import Uploader

        with self.operator():
            media = uploads.upload_direct(tenant.account_id, filename, data, uploaded_by=Uploader.ADMIN)
        return media.media_id

    def client(self, tenant: Tenant, **options: Any) -> Client:
        options.setdefault("retry", FAST_RETRIES)
        return Client(api_key=tenant.api_key, base_url=self.api_url, **options)

    def files(self, tenant: Tenant) -> list[dict[str, Any]]:
        """The account's files, read with plain HTTP (not through the client under test)."""
        answer = httpx.get(
            f"{self.api_url}/api/v1/media", params={"per_page": 100}, headers={"X-Api-Key": tenant.api_key}
        )
        assert answer.status_code == 200, answer.text
        return list(answer.json()["data"])

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def start_stack(data: Path, direct_max: int | None = None, presign: str = "post") -> Stack:
    data.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "tests.client.stack_server", str(data), "--presign", presign]
    if direct_max is not None:
        command += ["--direct-max", str(direct_max)]
    env = {name: value for name, value in os.environ.items() if not name.startswith("MEDIA_")}
    log = (data / "server.log").open("w")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=30)
        log.close()
        raise RuntimeError(f"the test stack did not start:\n{(data / 'server.log').read_text()[-3000:]}")
    info = json.loads(line)
    return Stack(info["api_url"], info["moto_url"], info["demo_key"], data, process, log)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Direct uploads up to 4 MB, as deployed; larger files need a session."""
    running = start_stack(tmp_path_factory.mktemp("stack"), DEPLOYED_DIRECT_MAX)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack exactly as `make run` starts it: direct uploads up to 50 MB."""
    running = start_stack(tmp_path_factory.mktemp("local-stack"))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def put_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Sessions hand out presigned PUT URLs (MEDIA_PRESIGN_METHOD=put), direct uploads up to 4 MB."""
    running = start_stack(tmp_path_factory.mktemp("put-stack"), DEPLOYED_DIRECT_MAX, presign="put")
    yield running
    running.stop()


@pytest.fixture
def tenant(stack: Stack) -> Tenant:
    """A fresh account on the stack, so counts of files are this test's alone."""
    return stack.new_tenant()


def mp4_file(path: Path, size: int) -> Path:
    """A real MP4 (its moov at the end) of exactly ``size`` bytes."""
    from tests.helpers.samples import big_mp4

    path.write_bytes(big_mp4(size))
    return path


def png_file(path: Path) -> Path:
    from tests.helpers.media import png_bytes

    path.write_bytes(png_bytes())
    return path
