"""Behaviour of chalicelib.probe common to images and videos: sniffing, refusals
before any parsing, the budgeted reader, and storage failures.

Images are in test_probe_images.py, videos in test_probe_videos.py. Every
read goes through ``CountingSource`` so tests can assert how many bytes and
requests were fetched, as an S3 ranged-GET reader would be billed for them.
"""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from chalicelib import probe
from chalicelib.errors import ContentRejected
from tests.helpers.media import VIDEOS, fixture_bytes
from tests.helpers.samples import MIB, CountingSource, moov_at_end, noise_jpeg, rejected, run

# --- sniffing -------------------------------------------------------------------

SNIFFED = {
    "sample.jpg": ("image/jpeg", "image"),
    "sample.png": ("image/png", "image"),
    "sample.gif": ("image/gif", "image"),
    "motion-photo-v2.jpg": ("image/jpeg", "image"),
    "sample.mp4": ("video/mp4", "video"),
    "fragmented.mp4": ("video/mp4", "video"),
    "sample.mov": ("video/quicktime", "video"),
    "sample.webm": ("video/webm", "video"),
    "sample.avi": ("video/x-msvideo", "video"),
    "sample.wmv": ("video/x-ms-wmv", "video"),
    "audio-only.wmv": ("video/x-ms-wmv", "video"),  # ASF either way; refused later for its streams
    "sample.flv": ("video/x-flv", "video"),
}


@pytest.mark.parametrize("name", sorted(SNIFFED))
def test_fixture_is_sniffed_from_its_first_bytes(name: str) -> None:
    assert probe.sniff(fixture_bytes(name)[: probe.SNIFF_BYTES]) == probe.Sniffed(*SNIFFED[name])


def test_animated_png_is_sniffed_as_png() -> None:
    frames = [Image.new("RGB", (8, 8), colour) for colour in ("red", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "PNG", save_all=True, append_images=frames[1:])
    assert probe.sniff(buf.getvalue()) == probe.Sniffed("image/png", "image")


NOT_MEDIA = {
    "html": b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    "svg": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "php": b"<?php system($_GET['cmd']); ?>",
    "text": b"just some text\n",
    "pdf": b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n",
    "zip": b"PK\x05\x06" + bytes(18),  # an empty archive
    "webp": b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + bytes(24),
    "mkv": b"\x1a\x45\xdf\xa3\x93\x42\x82\x88matroska" + bytes(64),
    "heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64),
}


@pytest.mark.parametrize("kind", sorted(NOT_MEDIA))
def test_non_media_content_is_not_sniffed(kind: str) -> None:
    assert probe.sniff(NOT_MEDIA[kind]) is None


# --- refused before any parsing -------------------------------------------------


@pytest.mark.parametrize("kind", ["html", "svg", "php", "zip", "webp"])
def test_html_svg_php_zip_webp_named_jpg_are_unsupported(kind: str) -> None:
    error = rejected(NOT_MEDIA[kind], "image")
    assert error.reason == "unsupported_content"
    assert error.message == (
        "The file's content is not an image or a video (jpg, jpeg, png, gif, mp4, avi, mov, wmv, flv, webm)."
    )


@pytest.mark.parametrize("claimed_size", [0, 5 * MIB])  # 5 MiB claimed, no bytes behind it
def test_empty_file_is_rejected(claimed_size: int) -> None:
    with pytest.raises(ContentRejected) as info:
        run(b"", "video", size=claimed_size)
    assert (info.value.reason, info.value.message) == ("empty_file", "The file is empty.")


@pytest.mark.parametrize(
    ("name", "named_as", "message"),
    [
        ("sample.mp4", "image", "The file name indicates an image, but its content is a video (video/mp4)."),
        ("sample.png", "video", "The file name indicates a video, but its content is an image (image/png)."),
    ],
)
def test_content_of_the_other_family_is_a_type_mismatch(name: str, named_as: str, message: str) -> None:
    error = rejected(fixture_bytes(name), named_as)
    assert (error.reason, error.message) == ("type_mismatch", message)


def test_unknown_family_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        run(fixture_bytes("sample.jpg"), "audio")


# --- the source reader ----------------------------------------------------------


def test_source_position_does_not_matter() -> None:
    data = fixture_bytes("sample.webm")
    source = CountingSource(data)
    source.seek(1234)
    assert probe.inspect(source.stream(), len(data), "video").metadata == VIDEOS["sample.webm"][1]


@pytest.mark.parametrize(
    ("name", "family", "metadata"),
    [
        ("orientation-6.jpg", "image", {"width": 60, "height": 80}),
        ("animated.gif", "image", {"width": 40, "height": 24}),
        ("sample.avi", "video", VIDEOS["sample.avi"][1]),
        ("rotated-90.mp4", "video", VIDEOS["rotated-90.mp4"][1]),
    ],
)
def test_short_reads_from_the_source_are_completed(name: str, family: str, metadata: dict[str, object]) -> None:
    data = fixture_bytes(name)
    assert probe.inspect(CountingSource(data, max_chunk=100).stream(), len(data), family).metadata == metadata


def test_size_claiming_more_than_the_source_holds_is_handled() -> None:
    # Small file: the head read hits the real end, which then bounds reads.
    result, _ = run(fixture_bytes("sample.wmv"), "video", size=50 * MIB)
    assert result.metadata == VIDEOS["sample.wmv"][1]
    assert run(fixture_bytes("sample.png"), "image", size=50 * MIB)[0].metadata == {"width": 50, "height": 40}
    # Bigger file: the end is looked for where ``size`` says; it is not there.
    data = noise_jpeg((256, 256))
    assert len(data) > probe.SNIFF_BYTES
    with pytest.raises(ContentRejected) as info:
        run(data, "image", size=50 * MIB)
    assert info.value.reason == "corrupt_file"


def _exif_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x927C] = b"M" * 60_000
    return noise_jpeg((256, 256), exif=exif.tobytes())


def _moov_after_1_mib() -> bytes:
    return moov_at_end("sample.mp4", struct.pack(">I4s", 8 + MIB, b"mdat") + bytes(MIB))


@pytest.mark.parametrize(
    ("name", "family", "fail_after"),
    [
        ("exif", "image", 0),  # the head
        ("exif", "image", 1),  # the segment headers after the 60 KB EXIF block
        ("exif", "image", 2),  # the trailer
        ("moov", "video", 1),  # the moov, past the mdat
        ("audio-only.avi", "video", 1),  # inside hachoir, which swallows errors: not "no video stream"
    ],
    ids=["head", "jpeg-segments", "jpeg-trailer", "mp4-moov", "hachoir"],
)
def test_storage_errors_propagate_instead_of_rejecting_the_file(name: str, family: str, fail_after: int) -> None:
    # A failing storage read must surface as itself (retryable), never be
    # swallowed by Pillow/hachoir and reported as a corrupt or bare video.
    data = {"exif": _exif_jpeg, "moov": _moov_after_1_mib}.get(name, lambda: fixture_bytes(name))()
    source = CountingSource(data)
    try:  # fine when storage works: a verdict, after more reads than the failing source allows
        assert probe.inspect(source.stream(), len(data), family).metadata is not None
    except ContentRejected as refusal:
        assert refusal.reason == "no_video_stream"
    assert source.reads > fail_after
    with pytest.raises(ConnectionError):
        probe.inspect(CountingSource(data, fail_after=fail_after).stream(), len(data), family)
