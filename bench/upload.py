"""Throughput of a 50 MB presigned upload on the local stack, end to end
(session, form POST to storage, ``complete``), against a raw presigned POST of
the same bytes to the same storage with a form boto3 makes directly."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import MIB, emit, median

SIZE_MB = 50
ROUNDS = 5


def _raw_client(moto_url: str) -> Any:
    """A plain boto3 S3 client on the stack's storage, for forms the service never saw
    (signed with the stack's own credentials: its storage port takes no others)."""
    import boto3
    from botocore.config import Config

    from ops.local_stack import ACCESS_KEY_ID, SECRET_ACCESS_KEY

    return boto3.session.Session().client(
        "s3",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
    )


def run() -> dict[str, Any]:
    import requests

    from app import app
    from chalicelib import storage
    from ops import local_stack
    from ops.dev_server import create_api_server, serve_in_thread, stop_serving
    from tests.helpers.samples import big_mp4

    video = big_mp4(SIZE_MB * MIB)
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory() as data:
        # No bucket events: the client's `complete` ingests at once. (Locally the
        # event arrives EVENT_DELAY_SECONDS late by design, which would be measured
        # instead of the upload.)
        stack = local_stack.LocalStack(Path(data), events=False)
        stack.start()
        server = create_api_server(app, "127.0.0.1", 0)
        thread = serve_in_thread(server, "api")
        api = f"http://127.0.0.1:{server.port}/api/v1"
        user = requests.Session()
        user.headers["X-Api-Key"] = stack.demo_key
        storage_http = requests.Session()
        raw_s3 = _raw_client(stack.moto_url)
        try:

            def through_api() -> None:
                started = user.post(
                    f"{api}/media/uploads", json={"filename": "clip.mp4", "file_size": len(video)}, timeout=30
                )
                assert started.status_code == 201, started.text
                session = started.json()
                form = session["upload"]
                sent = storage_http.post(
                    form["url"], data=form["fields"], files={"file": ("clip.mp4", video)}, timeout=120
                )
                assert sent.status_code == 204, sent.text
                done = user.post(f"{api}/media/uploads/{session['id']}/complete", timeout=60)
                assert done.status_code == 201 and done.json()["file_size"] == len(video), done.text

            def raw(index: int) -> None:
                form = raw_s3.generate_presigned_post(Bucket=storage.bucket(), Key=f"bench/raw-{index}.bin")
                sent = storage_http.post(
                    form["url"], data=form["fields"], files={"file": ("raw.bin", video)}, timeout=120
                )
                assert sent.status_code == 204, sent.text

            api_s, raw_s = [], []
            for index in range(ROUNDS):  # interleaved, so drift hits both alike
                started = time.perf_counter()
                through_api()
                api_s.append(time.perf_counter() - started)
                started = time.perf_counter()
                raw(index)
                raw_s.append(time.perf_counter() - started)
                storage.store().delete_object(f"bench/raw-{index}.bin")  # keeps the snapshot small
        finally:
            stop_serving(server, thread)
            stack.stop()
            os.environ.clear()
            os.environ.update(saved)
    return {
        "upload_mb_s_local": round(SIZE_MB / median(api_s), 1),
        "upload_raw_mb_s_local": round(SIZE_MB / median(raw_s), 1),
    }


if __name__ == "__main__":
    emit(run())
