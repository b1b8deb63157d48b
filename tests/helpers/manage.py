"""`manage.py` as an operator uses it: in-process through click's runner against a local
stack that it finds through stack.json, or `manage.py serve` in a process of its own
(as `make run` starts it)."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from click.testing import CliRunner, Result

from manage import cli
from ops import local_stack
from tests.helpers.aws import restored_environment

KEY_RE = re.compile(r"^sk_(live|test)_[A-Za-z0-9_-]{43}$")

ROOT = Path(__file__).resolve().parent.parent.parent
DEMO_KEY_RE = re.compile(r"Demo key\s+(sk_(?:live|test)_[A-Za-z0-9_-]{43})")
START_TIMEOUT = 20


class Serve:
    """`python manage.py serve --port N` in a subprocess, data in ``data``."""

    def __init__(self, port: int, data: Path, log: IO[str]) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIA_")}
        self.env[local_stack.DATA_ENV] = str(data)
        self.env["PYTHONUNBUFFERED"] = "1"
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        self.output: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def wait_for_demo_key(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.output.append(line)
            found = DEMO_KEY_RE.search(line)
            if found:
                return found.group(1)
        raise AssertionError(f"serve did not print a demo key; output so far: {''.join(self.output)!r}")

    def interrupt(self) -> int:
        """Ctrl-C, as a user stops it; the exit code."""
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=20)

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`python manage.py ...` in another process, as in a second terminal."""
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
        )

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@contextmanager
def stack_for_manage(data: Path) -> Iterator[local_stack.LocalStack]:
    """A running local stack on ``data`` (no bucket events) that manage.py finds through
    stack.json; this process's environment, which start() switched to it, is restored after."""
    with restored_environment():
        running = local_stack.LocalStack(data, events=False)
        try:
            running.start()
            running.write_stack_file(None)
            yield running
        finally:
            running.stop()


def stack_client(stack: local_stack.LocalStack, service: str) -> Any:
    """A boto3 client of the stack's moto server, signed with the stack's own credentials
    (the server refuses any other); named here, since a boto3 default session made earlier
    in the process keeps whatever credentials the environment held then."""
    import boto3

    return boto3.session.Session().client(
        service,
        region_name=local_stack.REGION,
        endpoint_url=stack.moto_url,
        aws_access_key_id=local_stack.ACCESS_KEY_ID,
        aws_secret_access_key=local_stack.SECRET_ACCESS_KEY,
    )


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    """manage.py as a user runs it; whatever happens, no traceback (an exception
    that escaped the command would show up here as something other than an exit)."""
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def run_json(*args: str) -> Any:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
