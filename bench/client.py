"""The Python client uploading 50 MB on the local stack: its throughput against a raw
presigned POST, and the memory it costs.

The stack (API + storage) runs in this process with the deployed direct-upload
limit (4 MiB), so the client takes an upload session as it would deployed. The
client runs in an interpreter of its own, as a user's program would:

- ``client_upload_ratio``: the client's POST of the file to storage (streamed
  from disk in chunks, progress counted, timed from the request to storage's
  answer) against a raw presigned POST of the same 50 MB held in memory
  (``requests``, as the README's curl flow does), to the same kind of form.
- ``client_flow_ratio``: ``Client.upload()`` end to end (``/account`` read
  once before, then start, POST, ``complete``) against the same three calls made
  by hand with ``requests`` and the bytes in memory.
- Each ratio is the median of the five rounds' own ratios (``harness.paired_ratio``):
  a round runs the raw POST, the by-hand flow and ``upload()`` back to back.
- ``client_upload_peak_rss_mb_50mb``: the kernel's peak RSS of the client's
  process during ``upload()``, minus its RSS just before (imports and the
  connection already made).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import MIB, emit, median, paired_ratio
from bench.memory import peak_growth, run_child

SIZE_MB = 50
ROUNDS = 5  # pairs for each ratio (harness.MIN_PAIRS)
DEPLOYED_DIRECT_MAX = 4 * MIB


def _post_form(http: Any, form: dict[str, Any], data: bytes) -> float:
    started = time.perf_counter()
    sent = http.post(form["url"], data=form["fields"], files={"file": ("clip.mp4", data)}, timeout=120)
    elapsed = time.perf_counter() - started
    assert sent.status_code == 204, sent.text
    return elapsed


def measure_rounds(api_url: str, api_key: str, path: Path) -> dict[str, Any]:
    """Child side: the three ways, interleaved so drift on a shared machine hits them alike."""
    import httpx
    import requests

    from media_client import Client

    data = path.read_bytes()
    api = f"{api_url}/api/v1"
    user = requests.Session()
    user.headers["X-Api-Key"] = api_key
    storage = requests.Session()
    storage_s: list[float] = []

    class TimedStorage(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            started = time.perf_counter()
            response = super().handle_request(request)
            if request.method == "POST" and not request.url.path.startswith("/api/"):
                storage_s.append(time.perf_counter() - started)
            return response

    def start() -> dict[str, Any]:
        started = user.post(f"{api}/media/uploads", json={"filename": "clip.mp4", "file_size": len(data)}, timeout=30)
        assert started.status_code == 201, started.text
        return dict(started.json())

    def complete_and_delete(session_id: str, delete: bool = True) -> None:
        # A 503 is retried after Retry-After, as the API asks and as the client does.
        for _ in range(5):
            done = user.post(f"{api}/media/uploads/{session_id}/complete", timeout=120)
            if done.status_code != 503:
                break
            time.sleep(float(done.headers.get("Retry-After", "1")))
        assert done.status_code == 201 and done.json()["file_size"] == len(data), done.text
        if delete:
            assert user.delete(f"{api}/media/{done.json()['id']}", timeout=60).status_code == 204

    raw_s, by_hand_s, client_s = [], [], []
    with Client(api_key, api_url, transport=TimedStorage()) as client:
        client.account()  # the limits, read once per client
        for _ in range(ROUNDS):
            session = start()
            raw_s.append(_post_form(storage, session["upload"], data))
            complete_and_delete(session["id"])  # keeps the storage small; not timed

            began = time.perf_counter()
            session = start()
            _post_form(storage, session["upload"], data)
            complete_and_delete(session["id"], delete=False)
            by_hand_s.append(time.perf_counter() - began)
            listed = user.get(f"{api}/media", params={"per_page": 1}, timeout=30).json()["data"]
            user.delete(f"{api}/media/{listed[0]['id']}", timeout=60)

            began = time.perf_counter()
            media = client.upload(path)
            client_s.append(time.perf_counter() - began)
            assert media.file_size == len(data) and client.account().usage.files == 1
            client.delete(media.id)
    assert len(storage_s) == ROUNDS, storage_s
    # Seconds per round, in round order: round i's raw POST, by-hand flow and client upload
    # ran back to back, so the ratios pair them by round.
    return {"client_post_s": storage_s, "raw_post_s": raw_s, "client_flow_s": client_s, "by_hand_flow_s": by_hand_s}


def measure_memory(api_url: str, api_key: str, path: Path) -> dict[str, Any]:
    """Child side: warm up (imports, connection, limits), then one upload; the peak RSS growth."""
    from media_client import Client

    with Client(api_key, api_url) as client:
        client.account()
        with peak_growth() as figures:
            media = client.upload(path)
        client.delete(media.id)
    return figures


def _child(mode: str, api_url: str, api_key: str, path: Path) -> dict[str, Any]:
    return run_child("bench.client", mode, api_url, api_key, str(path), timeout=600)


def run() -> dict[str, Any]:
    from app import app
    from chalicelib import config
    from ops import local_stack
    from ops.dev_server import create_api_server, serve_in_thread, stop_serving
    from tests.helpers.samples import big_mp4

    saved = dict(os.environ)
    with tempfile.TemporaryDirectory() as scratch:
        video = Path(scratch) / "clip.mp4"
        video.write_bytes(big_mp4(SIZE_MB * MIB))
        # No bucket events: `complete` ingests at once, as in bench/upload.py.
        stack = local_stack.LocalStack(Path(scratch) / "data", events=False)
        stack.start()
        os.environ["MEDIA_DIRECT_UPLOAD_MAX_BYTES"] = str(DEPLOYED_DIRECT_MAX)
        config.reset_settings()
        server = create_api_server(app, "127.0.0.1", 0)
        thread = serve_in_thread(server, "api")
        api_url = f"http://127.0.0.1:{server.port}"
        try:
            rounds = _child("--rounds", api_url, stack.demo_key, video)
            memory = _child("--measure-memory", api_url, stack.demo_key, video)
        finally:
            stop_serving(server, thread)
            stack.stop()
            os.environ.clear()
            os.environ.update(saved)
    seconds = {name: [float(value) for value in values] for name, values in rounds.items()}
    return {
        # Ratios of speeds: the other side's seconds over the client's, round by round.
        "client_upload_ratio": round(paired_ratio(seconds["raw_post_s"], seconds["client_post_s"]), 3),
        "client_post_mb_s": round(SIZE_MB / median(seconds["client_post_s"]), 1),
        "client_raw_post_mb_s": round(SIZE_MB / median(seconds["raw_post_s"]), 1),
        "client_flow_ratio": round(paired_ratio(seconds["by_hand_flow_s"], seconds["client_flow_s"]), 3),
        "client_flow_mb_s": round(SIZE_MB / median(seconds["client_flow_s"]), 1),
        "client_by_hand_flow_mb_s": round(SIZE_MB / median(seconds["by_hand_flow_s"]), 1),
        "client_upload_peak_rss_mb_50mb": memory["rss_mb"],
        "_client_python_peak_mb_50mb": memory["python_peak_mb"],
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--rounds"]:
        print(json.dumps(measure_rounds(sys.argv[2], sys.argv[3], Path(sys.argv[4]))))
    elif sys.argv[1:2] == ["--measure-memory"]:
        print(json.dumps(measure_memory(sys.argv[2], sys.argv[3], Path(sys.argv[4]))))
    else:
        emit(run())
