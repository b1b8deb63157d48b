"""Images through chalicelib.probe: displayed sizes, big metadata, PNG and GIF
walked to their end, pixel bombs, and what each costs in reads.

How files end (motion photos, appended data, truncation) is in
test_probe_image_endings.py. Big or hostile inputs are built in memory
(tests/helpers/samples.py); the committed fixtures are described in
tests/fixtures/README.md.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from collections.abc import Callable

import pytest
from PIL import Image

from chalicelib import probe
from tests.helpers.media import IMAGES, fixture_bytes
from tests.helpers.samples import (
    KIB,
    five_mb_jpeg,
    noise_gif,
    noise_jpeg,
    noise_png,
    png,
    rejected,
    run,
    segment,
    with_segments,
    xmp_segments,
)


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_image_fixture_type_and_displayed_size_are_read_exactly(name: str) -> None:
    data = fixture_bytes(name)
    result, source = run(data, "image")
    assert (result.mime_type, result.family, result.metadata) == (IMAGES[name][0], "image", IMAGES[name][1])
    assert source.bytes_read == len(data) and source.reads == 1  # small: one fetch


def test_fixtures_kept_for_thumbnails_are_what_their_names_say() -> None:
    def opened(name: str) -> Image.Image:
        return Image.open(io.BytesIO(fixture_bytes(name)))

    assert opened("cmyk.jpg").mode == "CMYK"
    assert fixture_bytes("rgb16.png")[24:26] == bytes([16, 2])  # IHDR: 16 bits per sample, truecolour
    assert (opened("palette.png").mode, opened("transparent.png").mode) == ("P", "RGBA")
    assert getattr(opened("animated.gif"), "n_frames", 1) == 3


# --- orientation ----------------------------------------------------------------


def test_portrait_phone_photo_reports_displayed_size() -> None:
    data = fixture_bytes("orientation-6.jpg")
    assert Image.open(io.BytesIO(data)).size == (80, 60)  # as stored
    assert run(data, "image")[0].metadata == {"width": 60, "height": 80}  # as shown


def test_orientation_8_swaps_width_and_height_and_orientation_3_does_not() -> None:
    assert run(fixture_bytes("orientation-8.jpg"), "image")[0].metadata == {"width": 40, "height": 96}
    assert run(fixture_bytes("orientation-3.jpg"), "image")[0].metadata == {"width": 70, "height": 50}


def test_orientation_is_read_from_ifd0_without_the_rest_of_a_62_kb_exif_block() -> None:
    # A camera's EXIF (MakerNote, thumbnail) fills most of its 64 KB segment;
    # only its first directory is read, then the segments after it.
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010E] = "camera " * 9000  # ImageDescription: 63,000 bytes
    data = noise_jpeg((2200, 1650), exif=exif.tobytes())
    assert len(data) > 5_000_000
    result, source = run(data, "image")
    assert result.metadata == {"width": 1650, "height": 2200}
    assert source.reads == 3  # head, the window after the EXIF block, trailer
    assert source.bytes_read == 2 * 8 * KIB + probe.TRAILER_BYTES


# --- big metadata before the frame header ---------------------------------------


def _xmp_600_kb() -> list[bytes]:
    return xmp_segments(600_000)


def _icc_and_photoshop() -> list[bytes]:
    icc = bytes(range(256)) * 1200  # a 300 KB profile, split over APP2 segments as the ICC spec says
    chunks = [icc[i : i + 65_000] for i in range(0, len(icc), 65_000)]
    app2 = [segment(0xE2, b"ICC_PROFILE\x00" + bytes([n + 1, len(chunks)]) + c) for n, c in enumerate(chunks)]
    app13 = [segment(0xED, b"Photoshop 3.0\x00" + b"8BIM" + bytes(65_000)) for _ in range(3)]
    return app2 + app13


@pytest.mark.parametrize("build", [_xmp_600_kb, _icc_and_photoshop], ids=["600-kb-xmp", "icc-and-photoshop"])
def test_jpeg_with_large_metadata_before_its_frame_is_read_by_segment_headers(build: Callable[[], list[bytes]]) -> None:
    segments = build()
    data = with_segments(five_mb_jpeg(), *segments)
    assert len(data) > 5_000_000 and sum(map(len, segments)) > 500_000
    result, source = run(data, "image")
    assert result.metadata == {"width": 2200, "height": 1650}
    assert source.bytes_read <= 262_144
    # head; one window per segment header past it (the last one also holds
    # the tables and the frame header); trailer
    assert source.reads == 1 + len(segments) + 1


def test_jpeg_headers_spread_past_the_read_budget_are_corrupt() -> None:
    # 40 full segments (2.6 MB) before the frame: 40 windows exceed 256 KB.
    data = with_segments(noise_jpeg((64, 64)), *[segment(0xE4, bytes(65_000))] * 40)
    error = rejected(data, "image")
    assert (error.reason, error.message) == ("corrupt_file", "The image file is truncated or corrupt.")


def test_plain_multi_megabyte_jpeg_reads_two_small_ranges() -> None:
    result, source = run(five_mb_jpeg(), "image")
    assert result.metadata == {"width": 2200, "height": 1650}
    assert (source.reads, source.bytes_read) == (2, probe.SNIFF_BYTES + probe.TRAILER_BYTES)  # head, trailer


# --- walking PNG and GIF to their end -------------------------------------------


def test_5_mb_png_with_8_kb_idat_chunks_is_walked_in_growing_windows() -> None:
    data = noise_png((1300, 1300), 8 * KIB)  # as libpng writes it: 620 chunks
    assert len(data) > 5_000_000
    result, source = run(data, "image")
    assert result.metadata == {"width": 1300, "height": 1300}
    assert source.reads <= 16  # head + windows of 64 KB, 128 KB, ... 4 MB
    assert source.bytes_read <= len(data)


def test_png_with_one_big_idat_reads_two_small_ranges() -> None:
    data = noise_png((1300, 1300), 1 << 30)
    result, source = run(data, "image")
    assert result.metadata == {"width": 1300, "height": 1300}
    assert (source.reads, source.bytes_read) == (2, probe.SNIFF_BYTES + 12)  # head, IEND


def test_big_gif_is_walked_in_growing_windows() -> None:
    data = noise_gif((2000, 2000))  # 5.5 MB of 255-byte sub-blocks
    result, source = run(data, "image")
    assert result.metadata == {"width": 2000, "height": 2000}
    assert source.reads <= 16 and source.bytes_read <= len(data)


# --- pixel bombs ----------------------------------------------------------------


def test_png_bomb_header_is_refused_as_too_large() -> None:
    # 10000 x 10000 = 100 Mpx of 1-bit zeros compresses to a few KB.
    rows = bytes(10_000 * (1 + 10_000 // 8))
    data = png(10_000, 10_000, zlib.compress(rows, 9))
    assert len(data) < 100 * KIB
    limit_before = Image.MAX_IMAGE_PIXELS
    filters_before = list(warnings.filters)
    assert rejected(data, "image").reason == "image_too_large"
    # Pillow's own DecompressionBombWarning counts as an error too.
    assert rejected(data, "image", max_pixels=200_000_000).reason == "image_too_large"
    # Past twice Pillow's limit it raises DecompressionBombError instead.
    assert rejected(png(30_000, 30_000), "image").reason == "image_too_large"
    assert Image.MAX_IMAGE_PIXELS == limit_before
    assert warnings.filters == filters_before


@pytest.mark.parametrize(
    ("name", "header"),
    [("sample.jpg", b"\xff\xc0"), ("sample.gif", b"GIF89a")],
)
def test_jpeg_and_gif_declaring_60000_x_60000_are_refused_as_too_large(name: str, header: bytes) -> None:
    data = bytearray(fixture_bytes(name))
    at = data.index(header)
    if name.endswith(".jpg"):
        struct.pack_into(">HH", data, at + 5, 60_000, 60_000)  # SOF0: length, precision, height, width
    else:
        struct.pack_into("<HH", data, at + 6, 60_000, 60_000)  # logical screen width, height
    error = rejected(bytes(data), "image")
    assert (error.reason, error.message) == ("image_too_large", "The image has more than 40,000,000 pixels.")


def test_max_pixels_is_checked_locally_below_pillows_limit() -> None:
    data = fixture_bytes("sample.jpg")  # 64 x 48 = 3072 px
    assert rejected(data, "image", max_pixels=3000).reason == "image_too_large"
    assert run(data, "image", max_pixels=3072)[0].metadata == {"width": 64, "height": 48}
