"""Thumbnails: what making one costs (time, bytes read, memory).

The real path: a file stored and recorded as ingest leaves it, then
``chalicelib.thumbnails.make(key)`` as the bucket's event runs it. Memory is
measured for the largest image the probe lets through (40 Mpx), in a process
of its own, with moto (holding the file) in another.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from bench.harness import ROOT, AwsCalls, create_storage_and_tables, emit, in_process_aws, new_account, use_environment
from bench.ingest import JPEG_BYTES, MOTO_PROCESS, _reset_peak, _status_kib, noise_jpeg

RUNS = 3


def stored_file(account_id: str, filename: str, data: bytes) -> str:
    """Upload as a client would (direct route, no size cap here) and return the stored key."""
    from chalicelib import records, uploads

    media = uploads.upload_direct(account_id, filename, data)
    record = records.get_media(account_id, int(media["id"]))
    assert record is not None
    return str(record.storage_key)


def big_png(width: int = 8000, height: int = 5000) -> bytes:
    """40 Mpx RGBA (the bomb limit), drawn so it compresses to a few MB: decoding it
    still needs every pixel (160 MB), which is what the memory figure is about."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (width, height), (20, 120, 200, 255))
    draw = ImageDraw.Draw(img)
    for x in range(0, width, 40):
        draw.line([(x, 0), (width - x, height)], fill=(240, 200, 20, 128), width=3)
    out = io.BytesIO()
    img.save(out, "PNG", compress_level=6)
    return out.getvalue()


def time_and_bytes() -> dict[str, Any]:
    from chalicelib import records, thumbnails
    from chalicelib.models import MediaFile

    with in_process_aws():
        account_id, _ = new_account()
        photo = noise_jpeg(JPEG_BYTES)
        counter = AwsCalls().attach()
        seconds, reads = [], []
        for run in range(RUNS):
            key = stored_file(account_id, f"photo-{run}.jpg", photo)
            counter.reset()
            started = time.perf_counter()
            outcome = thumbnails.make(key)
            seconds.append(time.perf_counter() - started)
            assert outcome == thumbnails.ThumbnailOutcome.MADE, outcome
            reads.append(counter.bytes_read)
        record = next(iter(MediaFile.query(account_id)))
        assert records.get_media(account_id, int(record.media_id)) is not None
    return {
        "thumbnail_ms_5mb_jpeg": round(statistics.median(seconds) * 1000, 1),
        "thumbnail_bytes_read_5mb_jpeg": max(reads),
        "_thumbnail_file_bytes_5mb_jpeg": len(photo),
    }


def peak_rss() -> dict[str, Any]:
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
                "NO_PROXY": "127.0.0.1,localhost",
            }
        )
        create_storage_and_tables()
        account_id, _ = new_account()
        data = big_png()
        key = stored_file(account_id, "poster.png", data)
        measured = subprocess.run(
            [sys.executable, "-m", "bench.thumbnails", "--measure-memory", key],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        if measured.returncode != 0:
            raise RuntimeError(f"memory measurement failed:\n{measured.stderr}")
        figures = dict(json.loads(measured.stdout.strip().splitlines()[-1]))
        figures["_thumbnail_file_bytes_40mpx_png"] = len(data)
        return figures
    finally:
        if moto.stdin is not None:
            moto.stdin.close()
        moto.wait(timeout=30)


def measure_memory(key: str) -> None:
    """Child side: warm up (imports, clients), then make the thumbnail and report the peak growth."""
    import resource

    from PIL import Image, WebPImagePlugin  # noqa: F401 - imported before the baseline

    from chalicelib import records, storage, thumbnails

    assert storage.head_object(key) is not None
    records.get_session("0" * 32)
    exact = _reset_peak()
    before = _status_kib("VmRSS") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcome = thumbnails.make(key)
    after = _status_kib("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert outcome == thumbnails.ThumbnailOutcome.MADE, outcome
    print(json.dumps({"thumbnail_peak_rss_mb_40mpx_png": round((after - before) / 1024, 1)}))


def run() -> dict[str, Any]:
    return {**time_and_bytes(), **peak_rss()}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure-memory"]:
        measure_memory(sys.argv[2])
    else:
        emit(run())
