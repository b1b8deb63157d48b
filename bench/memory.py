"""Memory figures: a measurement runs in an interpreter of its own, against an embedded
moto server in yet another process, so neither the parent's imports nor moto's copy of
the stored bytes count towards it."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.harness import MIB, ROOT, create_storage_and_tables, use_environment

MOTO_PROCESS = (
    "import sys; from ops.moto_server import EmbeddedMotoServer; "
    "server = EmbeddedMotoServer(port=0); print(server.start(), flush=True); sys.stdin.read(); server.stop()"
)
#: A configured proxy must not carry local calls.
LOCAL = {"NO_PROXY": "127.0.0.1,localhost"}


@contextmanager
def moto_in_own_process() -> Iterator[dict[str, str]]:
    """Point this process at a moto server of its own process, with the bucket and tables
    made; yields the environment a measuring child needs to use it too."""
    moto = subprocess.Popen(
        [sys.executable, "-c", MOTO_PROCESS], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert moto.stdout is not None
        url = moto.stdout.readline().strip()
        env = use_environment(
            {
                "MEDIA_S3_ENDPOINT_URL": url,
                "MEDIA_DYNAMODB_ENDPOINT_URL": url,
                "MEDIA_S3_ADDRESSING_STYLE": "path",
                **LOCAL,
            }
        )
        create_storage_and_tables()
        yield env
    finally:
        if moto.stdin is not None:
            moto.stdin.close()
        moto.wait(timeout=30)


def run_child(module: str, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> dict[str, Any]:
    """``python -m module args...``; the JSON object it prints last."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env={**os.environ, **LOCAL, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args[:1])} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith(field + ":")).split()[1])


def _reset_peak() -> bool:
    """Restart the kernel's peak-RSS mark (Linux >= 4.0), so an earlier peak (imports,
    client setup) cannot hide the measured one; False where unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


@contextmanager
def peak_growth(*, python: bool = True) -> Iterator[dict[str, float]]:
    """Child side, around the measured work: fills ``rss_mb`` (the kernel's peak RSS growth)
    and, with ``python``, ``python_peak_mb`` (tracemalloc's peak, a second opinion) when the
    block ends. Imports and warm-up belong before it."""
    exact = _reset_peak()
    before = _status_kib("VmRSS") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures: dict[str, float] = {}
    if python:
        tracemalloc.start()
    try:
        yield figures
    finally:
        if python:
            figures["python_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / MIB, 2)
            tracemalloc.stop()
    after = _status_kib("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures["rss_mb"] = round((after - before) / 1024, 1)
