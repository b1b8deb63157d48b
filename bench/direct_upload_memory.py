"""Peak memory of the local stack for 43 MB direct uploads sent with an Idempotency-Key.

    .venv/bin/python -m bench.direct_upload_memory

`manage.py serve` runs in a process of its own, as `make run` starts it (the API, its
storage and tables in one process). After a warm-up upload (imports, first calls), the
kernel's peak-RSS mark of that process is reset (``/proc/PID/clear_refs``), then one
43 MB MP4 is uploaded on the direct route, then three at once; each figure is the peak
RSS over the resting RSS before it, in MB. The stored files themselves cost little:
moto keeps an object's bytes in a temporary file past 5 MB.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from bench.harness import MIB, ROOT

SIZE = 43 * 1000 * 1000
DEMO_KEY = re.compile(r"Demo key\s+(sk_(?:live|test)_[A-Za-z0-9_-]{43})")
LOCAL = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def _kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        return int(next(line for line in status if line.startswith(field + ":")).split()[1])


def _reset_peak(pid: int) -> None:
    with open(f"/proc/{pid}/clear_refs", "w") as refs:
        refs.write("5")


@contextmanager
def local_stack(data: Path, port: int) -> Iterator[tuple[int, str, str]]:
    """`manage.py serve`: yields its pid, the API's root and the demo key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIA_")}
    env.update({"MEDIA_LOCAL_DATA": str(data), "PYTHONUNBUFFERED": "1", **LOCAL})
    command = [sys.executable, "manage.py", "serve", "--port", str(port)]
    with open(data.parent / "serve.log", "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            assert process.stdout is not None
            key = next((m.group(1) for line in process.stdout if (m := DEMO_KEY.search(line))), None)
            if key is None:
                raise RuntimeError(f"serve did not start: {(data.parent / 'serve.log').read_text()[-2000:]}")
            yield process.pid, f"http://127.0.0.1:{port}", key
        finally:
            process.terminate()
            process.wait(timeout=60)


def _upload(api: str, key: str, video: bytes, name: str) -> None:
    import requests

    answer = requests.post(
        f"{api}/api/v1/media",
        headers={"X-Api-Key": key, "Idempotency-Key": f"bench-{name}"},
        files={"file": (f"{name}.mp4", video, "video/mp4")},
        timeout=300,
    )
    if answer.status_code != 201:
        raise RuntimeError(f"upload {name}: {answer.status_code} {answer.text[:300]}")


def _peak_growth_mb(pid: int, work: list[str], api: str, key: str, video: bytes) -> float:
    time.sleep(1.0)  # the snapshotter's round after the previous uploads settles
    resting = _kib(pid, "VmRSS")
    _reset_peak(pid)
    with ThreadPoolExecutor(len(work)) as pool:
        list(pool.map(lambda name: _upload(api, key, video, name), work))
    return round((_kib(pid, "VmHWM") - resting) / 1024, 1)


def run() -> dict[str, float]:
    from tests.helpers.samples import big_mp4
    from tests.helpers.servers import free_port

    video = big_mp4(SIZE)
    with tempfile.TemporaryDirectory() as scratch, local_stack(Path(scratch) / "data", free_port()) as running:
        pid, api, key = running
        _upload(api, key, big_mp4(2 * MIB), "warm-up")
        one = _peak_growth_mb(pid, ["one"], api, key, video)
        three = _peak_growth_mb(pid, ["a", "b", "c"], api, key, video)
    return {"direct_43mb_one_rss_mb": one, "direct_43mb_three_rss_mb": three}


if __name__ == "__main__":
    print(json.dumps(run()))
