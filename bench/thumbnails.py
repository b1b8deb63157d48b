"""Thumbnails: what making one costs (time, bytes read, memory).

The real path: a file stored and recorded as ingest leaves it, then
``chalicelib.worker.make(key).thumbnail`` as the bucket's event runs it. Memory is
measured for the largest images the probe lets through (40 Mpx): a drawn RGBA
PNG, and two crafted ones that cost the most per byte on disk (16-bit grey,
78 KB; a 1-bit palette with a transparent entry, 10 KB: bench.crafted_images).
Twice each, in processes of their own, with moto (holding the files) in another: the
thumbnail alone (``thumbnails.render`` of the stored file), and the worker's whole job
(``worker.make``: the thumbnail, then a JPEG rendition when the channels need one: the
16-bit PNG's, which WhatsApp and Telegram do not take as it is).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from typing import Any

from bench.crafted_images import grey16_png, palette_alpha_png
from bench.harness import AwsCalls, emit, in_process_aws, new_account
from bench.ingest import JPEG_BYTES, noise_jpeg
from bench.memory import moto_in_own_process, peak_growth, run_child

RUNS = 3


def stored_file(account_id: str, filename: str, data: bytes) -> str:
    """Upload as a client would (direct route, no size cap here) and return the stored key."""
    from chalicelib import uploads

    return uploads.upload_direct(account_id, filename, data).storage_key


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
    from chalicelib import records, worker
    from chalicelib.models import MediaItem

    with in_process_aws():
        account_id, _ = new_account()
        photo = noise_jpeg(JPEG_BYTES)
        counter = AwsCalls().attach()
        seconds, reads = [], []
        for run in range(RUNS):
            key = stored_file(account_id, f"photo-{run}.jpg", photo)
            counter.reset()
            started = time.perf_counter()
            outcome = worker.make(key).thumbnail
            seconds.append(time.perf_counter() - started)
            assert outcome == worker.ThumbnailOutcome.MADE, outcome
            reads.append(counter.bytes_read)
        record = next(iter(MediaItem.query(account_id)))
        assert records.store().get_media(account_id, int(record.media_id)) is not None
    return {
        "thumbnail_ms_5mb_jpeg": round(statistics.median(seconds) * 1000, 1),
        "thumbnail_bytes_read_5mb_jpeg": max(reads),
        "_thumbnail_file_bytes_5mb_jpeg": len(photo),
    }


def peak_rss() -> dict[str, Any]:
    """The peak memory growth per 40 Mpx PNG, each measure in a process of its own."""
    cases = {"40mpx_png": big_png, "40mpx_png_grey16": grey16_png, "40mpx_png_palette_alpha": palette_alpha_png}
    figures: dict[str, Any] = {}
    with moto_in_own_process() as env:
        account_id, _ = new_account()
        for suffix, make in cases.items():
            data = make()
            key = stored_file(account_id, f"{suffix}.png", data)
            for job, row in (("thumbnail", "thumbnail"), ("worker", "worker")):
                growth = run_child("bench.thumbnails", "--measure-memory", job, key, env=env)
                figures[f"{row}_peak_rss_mb_{suffix}"] = growth["rss_mb"]
            figures[f"_thumbnail_file_bytes_{suffix}"] = len(data)
    return figures


def measure_memory(job: str, key: str) -> None:
    """Child side: warm up (imports, clients), then make the thumbnail alone, or run the
    worker's whole job on the file, and report the peak growth."""
    import tempfile

    from PIL import Image, WebPImagePlugin  # noqa: F401 - imported before the baseline

    from chalicelib import records, storage, thumbnails, worker

    assert storage.store().head_object(key) is not None
    records.store().get_session("0" * 32)
    with tempfile.TemporaryFile() as copy:
        if job == "thumbnail":
            storage.store().read_object_into(key, copy)  # as the worker holds it: a local file
            copy.seek(0)
        with peak_growth(python=False) as figures:  # Pillow's buffers are not Python allocations
            if job == "thumbnail":
                assert thumbnails.render(copy)
            else:
                done = worker.make(key)
                assert done.thumbnail == worker.ThumbnailOutcome.MADE, done
    print(json.dumps(figures))


def run() -> dict[str, Any]:
    return {**time_and_bytes(), **peak_rss()}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure-memory"]:
        measure_memory(sys.argv[2], sys.argv[3])
    else:
        emit(run())
