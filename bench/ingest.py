"""What ingest reads from storage to validate a file (every byte is a ranged GET
from S3), and the memory a 50 MB video costs it.

Videos are checked to their end: an MP4 by its top-level boxes, a WebM by its
Segment's children (cluster headers only), an AVI by its RIFF chunks. The WebM
figures are the expensive layouts: 200 clusters of 256 KB (past the walk's
small reads its windows grow: bounded requests, more bytes), and a browser's
streamed recording (clusters of unknown size: every block header, read in
growing windows).

Both run the real path: an upload session, the bytes put at its key, then
``chalicelib.promotion.ingest_staged(key)`` as the bucket's event would call it.
"""

from __future__ import annotations

import io
import json
import random
import sys
from typing import Any

from bench.harness import (
    MIB,
    AwsCalls,
    emit,
    in_process_aws,
    new_account,
)
from bench.memory import moto_in_own_process, peak_growth, run_child

JPEG_BYTES = 5 * MIB
MP4_BYTES = 50 * MIB
# A second interpreter serves moto, so the 50 MB object it holds is not
# counted in the memory of the process that ingests it.


def noise_jpeg(target: int) -> bytes:
    """A real photo-sized JPEG of about ``target`` bytes: noise at high quality
    compresses poorly, so the size follows the pixel count. A ~62 KB EXIF block
    (a camera's, with its thumbnail, is about that) sits before the frame header
    the probe must reach."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010E] = "camera " * 9000  # ImageDescription, filling most of one APP1 segment
    rng = random.Random(7)
    width, height, data = 1000, 750, b""
    for _ in range(3):
        pixels = rng.randbytes(width * height * 3)
        out = io.BytesIO()
        Image.frombytes("RGB", (width, height), pixels).save(
            out, "JPEG", quality=95, subsampling=0, exif=exif.tobytes()
        )
        data = out.getvalue()
        if abs(len(data) - target) < target * 0.02:
            break
        scale = (target / len(data)) ** 0.5
        width, height = int(width * scale), int(height * scale)
    return data


def xmp_jpeg(base: bytes, xmp_bytes: int = 600 * 1024) -> bytes:
    """``base`` with ``xmp_bytes`` of XMP (a standard packet + ExtendedXMP segments, as
    Lightroom writes them) right after its SOI, so all of it precedes the frame header."""
    from tests.helpers.samples import with_segments, xmp_segments

    return with_segments(base, *xmp_segments(xmp_bytes))


def big_mp4(size: int) -> bytes:
    from tests.helpers.samples import big_mp4 as build  # moov at the end, as cameras write it

    return build(size)


def big_webm(size: int, *, streamed: bool) -> bytes:
    from tests.helpers.big_videos import big_webm as build

    # 200 clusters of 256 KB; a recording streamed in clusters of about 1 MB
    return build(size, MIB if streamed else 256 * 1024, streamed=streamed)


def big_avi(size: int) -> bytes:
    from tests.helpers.big_videos import big_avi as build

    return build(size)


def stored_upload(account_id: str, filename: str, data: bytes, content_type: str) -> str:
    """Start an upload session and put ``data`` at its key, as the presigned form would."""
    from chalicelib import storage, uploads

    started = uploads.start_upload(account_id, {"filename": filename, "file_size": len(data)})
    key = str(started.session.staging_key)
    storage.client().put_object(Bucket=storage.bucket(), Key=key, Body=data, ContentType=content_type)
    return key


def ingest(key: str) -> Any:
    from chalicelib.promotion import ingest_staged

    result = ingest_staged(key)
    assert result.outcome == "recorded", (key, result.outcome, result.error)
    return result


def bytes_read() -> dict[str, Any]:
    with in_process_aws():
        account_id, _ = new_account()
        counter = AwsCalls().attach()
        figures: dict[str, Any] = {}
        photo = noise_jpeg(JPEG_BYTES)
        for label, filename, data, mime in (
            ("jpeg_5mb", "photo.jpg", photo, "image/jpeg"),
            ("jpeg_600k_xmp", "edited.jpg", xmp_jpeg(photo), "image/jpeg"),
            ("mp4_50mb", "clip.mp4", big_mp4(MP4_BYTES), "video/mp4"),
            ("webm_50mb", "clip.webm", big_webm(MP4_BYTES, streamed=False), "video/webm"),
            ("webm_50mb_streamed", "recording.webm", big_webm(MP4_BYTES, streamed=True), "video/webm"),
            ("avi_50mb", "clip.avi", big_avi(MP4_BYTES), "video/x-msvideo"),
        ):
            key = stored_upload(account_id, filename, data, mime)
            counter.reset()
            media = ingest(key).media
            figures[f"ingest_bytes_read_{label}"] = counter.bytes_read
            figures[f"_file_bytes_{label}"] = len(data)
            figures[f"_ranged_gets_{label}"] = counter.calls["s3.GetObject"]
            figures[f"ingest_reads_{label}"] = counter.calls["s3.GetObject"]
            figures[f"_metadata_{label}"] = media.metadata
    return figures


def peak_rss_growth(filename: str, data: bytes, mime: str) -> dict[str, float]:
    """MB of peak memory an ingest of ``data`` adds, in an interpreter of its own."""
    with moto_in_own_process() as env:
        account_id, _ = new_account()
        key = stored_upload(account_id, filename, data, mime)
        return run_child("bench.ingest", "--measure-memory", key, env=env, timeout=120)


def measure_memory(key: str) -> None:
    """Child side: warm up (imports, clients, one read), then ingest and report the peak growth."""
    from chalicelib import probe, records, storage  # noqa: F401 - imported before the baseline

    assert storage.store().head_object(key) is not None
    records.store().get_session("0" * 32)
    with peak_growth() as figures:
        ingest(key)
    print(json.dumps(figures))


def run() -> dict[str, Any]:
    figures = bytes_read()
    memory = peak_rss_growth("clip.mp4", big_mp4(MP4_BYTES), "video/mp4")
    figures["ingest_peak_rss_mb_mp4_50mb"] = memory["rss_mb"]
    figures["_python_peak_mb_mp4_50mb"] = memory["python_peak_mb"]
    # The walk over a streamed WebM reads all of it, in windows of up to 8 MB.
    memory = peak_rss_growth("recording.webm", big_webm(MP4_BYTES, streamed=True), "video/webm")
    figures["ingest_peak_rss_mb_webm_50mb_streamed"] = memory["rss_mb"]
    return figures


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure-memory"]:
        measure_memory(sys.argv[2])
    else:
        emit(run())
