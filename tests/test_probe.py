"""Behaviour of chalicelib.probe: sniffing, metadata, and bounded reads.

Big inputs (multi-MB JPEGs, a 40 MB MP4) are built in memory at test time;
only the small files in tests/fixtures are committed. Every read goes
through ``CountingSource`` so tests can assert how many bytes were fetched,
as an S3 ranged-GET reader would be billed for them.
"""

from __future__ import annotations

import io
import random
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from chalicelib import probe
from chalicelib.errors import ContentRejected
from tests.media_samples import boxes, moov_at_end

FIXTURES = Path(__file__).parent / "fixtures"
KIB, MIB = 1024, 1024 * 1024

# name -> (mime, family, metadata) of the committed fixtures (see README.md there)
EXPECTED = {
    "sample.jpg": ("image/jpeg", "image", {"width": 64, "height": 48}),
    "sample.png": ("image/png", "image", {"width": 50, "height": 40}),
    "sample.gif": ("image/gif", "image", {"width": 32, "height": 20}),
    "sample.mp4": ("video/mp4", "video", {"width": 64, "height": 48, "duration": 2.0}),
    "sample.mov": ("video/quicktime", "video", {"width": 48, "height": 64, "duration": 1.5}),
    "sample.webm": ("video/webm", "video", {"width": 80, "height": 60, "duration": 1.2}),
    "sample.avi": ("video/x-msvideo", "video", {"width": 96, "height": 72, "duration": 0.8}),
    "sample.wmv": ("video/x-ms-wmv", "video", {"width": 64, "height": 32, "duration": 1.0}),
    "sample.flv": ("video/x-flv", "video", {"width": 112, "height": 64, "duration": 0.5}),
}


class CountingSource:
    """Seekable in-memory BinaryIO stand-in that counts bytes and read calls.

    ``max_chunk`` makes it return short reads, like a raw socket would;
    ``fail_after`` makes reads past that many calls raise, like S3 going down.
    """

    def __init__(self, data: bytes, max_chunk: int | None = None, fail_after: int | None = None) -> None:
        self._data, self._pos, self._max_chunk, self._fail_after = data, 0, max_chunk, fail_after
        self.bytes_read = self.reads = 0

    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = [0, self._pos, len(self._data)][whence] + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def read(self, n: int | None = -1) -> bytes:
        if self._fail_after is not None and self.reads >= self._fail_after:
            raise ConnectionError("storage unavailable")
        n = len(self._data) - self._pos if n is None or n < 0 else n
        if self._max_chunk:
            n = min(n, self._max_chunk)
        chunk = self._data[self._pos : self._pos + n]
        self._pos += len(chunk)
        self.bytes_read += len(chunk)
        self.reads += 1
        return chunk


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def run(data: bytes, family: str, size: int | None = None, **kwargs: int) -> tuple[probe.Probed, CountingSource]:
    source = CountingSource(data)
    result = probe.inspect(source, len(data) if size is None else size, family, **kwargs)
    return result, source


def rejected(data: bytes, family: str, **kwargs: int) -> ContentRejected:
    with pytest.raises(ContentRejected) as info:
        run(data, family, **kwargs)
    return info.value


def png(width: int, height: int, idat: bytes = b"") -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def noise_jpeg(size: tuple[int, int], **save: object) -> bytes:
    """A JPEG of random pixels: incompressible, so a few MB for a moderate size."""
    pixels = random.Random(7).randbytes(size[0] * size[1] * 3)
    buf = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buf, "JPEG", quality=97, **save)
    return buf.getvalue()


# --- the committed fixtures -------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_type_and_metadata_are_read_exactly(name: str) -> None:
    data = fixture(name)
    result, source = run(data, EXPECTED[name][1])
    assert (result.mime_type, result.family, result.metadata) == EXPECTED[name]
    assert source.bytes_read == len(data) and source.reads == 1  # small: one fetch
    assert probe.sniff(data[: probe.SNIFF_BYTES]) == probe.Sniffed(*EXPECTED[name][:2])


def test_animated_png_is_sniffed_as_png() -> None:
    frames = [Image.new("RGB", (8, 8), colour) for colour in ("red", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "PNG", save_all=True, append_images=frames[1:])
    assert probe.sniff(buf.getvalue()) == probe.Sniffed("image/png", "image")


# --- content that is not an allowed image/video -----------------------------

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


@pytest.mark.parametrize("kind", ["html", "svg", "php", "zip", "webp"])
def test_html_svg_php_zip_webp_named_jpg_are_unsupported(kind: str) -> None:
    error = rejected(NOT_MEDIA[kind], "image")
    assert error.reason == "unsupported_content"
    assert error.message == (
        "The file content is not a supported image or video (jpg, jpeg, png, gif, mp4, avi, mov, wmv, flv, webm)."
    )


@pytest.mark.parametrize("claimed_size", [0, 5 * MIB])  # 5 MiB claimed, no bytes behind it
def test_empty_file_is_rejected(claimed_size: int) -> None:
    with pytest.raises(ContentRejected) as info:
        run(b"", "video", size=claimed_size)
    assert (info.value.reason, info.value.message) == ("empty_file", "The file is empty.")


@pytest.mark.parametrize(
    ("name", "named_as", "words"),
    [
        ("sample.mp4", "image", ("an image", "a video (video/mp4)")),
        ("sample.png", "video", ("a video", "an image (image/png)")),
    ],
)
def test_content_of_the_other_family_is_a_type_mismatch(name: str, named_as: str, words: tuple[str, str]) -> None:
    error = rejected(fixture(name), named_as)
    assert error.reason == "type_mismatch"
    assert all(word in error.message for word in words)


# --- images -----------------------------------------------------------------


def test_jpeg_with_200_kb_of_app_segments_reads_under_256_kib() -> None:
    # One APPn segment holds at most 64 KiB, so ~200 KB of metadata is several
    # segments: a 60 KB EXIF MakerNote plus a 150 KB ICC profile (3 APP2s).
    exif = Image.Exif()
    exif[0x927C] = b"M" * 60_000
    data = noise_jpeg((2048, 1536), exif=exif.tobytes(), icc_profile=bytes(150_000))
    assert len(data) > 4 * MIB
    assert data.index(b"\xff\xc0") > 200_000  # the frame header really is past 200 KB
    result, source = run(data, "image")
    assert result.metadata == {"width": 2048, "height": 1536}
    assert source.bytes_read <= 256 * KIB


def test_plain_multi_megabyte_jpeg_reads_two_small_ranges() -> None:
    data = noise_jpeg((2048, 1536))
    result, source = run(data, "image")
    assert result.metadata == {"width": 2048, "height": 1536}
    assert source.bytes_read <= probe.SNIFF_BYTES + probe.TRAILER_BYTES
    assert source.reads == 2  # head, trailer


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


def test_max_pixels_is_checked_locally_below_pillows_limit() -> None:
    data = fixture("sample.jpg")  # 64 x 48 = 3072 px
    assert rejected(data, "image", max_pixels=3000).reason == "image_too_large"
    assert run(data, "image", max_pixels=3072)[0].metadata == {"width": 64, "height": 48}


def _png_with_zip_appended() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("shell.php", "<?php system($_GET['c']); ?>")
    return fixture("sample.png") + buf.getvalue()


def _jpeg_with_300_kb_of_headers() -> bytes:
    app = b"\xff\xe4" + struct.pack(">H", 60_002) + bytes(60_000)
    data = noise_jpeg((256, 256))
    return data[:2] + app * 5 + data[2:]  # frame header past the read budget


@pytest.mark.parametrize(
    "build",
    [
        lambda: fixture("sample.jpg")[:-10],
        lambda: fixture("sample.png")[:-10],
        lambda: fixture("sample.gif")[:-10],
        _png_with_zip_appended,  # polyglot: no IEND at the end
        lambda: b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4 + b"\xff\xd9",  # unparseable header
        _jpeg_with_300_kb_of_headers,
    ],
    ids=[
        "truncated-jpg",
        "truncated-png",
        "truncated-gif",
        "png-zip-polyglot",
        "bad-jpeg-header",
        "jpeg-headers-over-budget",
    ],
)
def test_truncated_polyglot_or_unparseable_image_is_corrupt(build: Callable[[], bytes]) -> None:
    error = rejected(build(), "image")
    assert (error.reason, error.message) == ("corrupt_file", "The image file is truncated or corrupt.")


def test_truncated_big_jpeg_is_refused_from_head_and_trailer_only() -> None:
    data = noise_jpeg((2048, 1536))[: 3 * MIB]
    source = CountingSource(data)
    with pytest.raises(ContentRejected) as info:
        probe.inspect(source, len(data), "image")
    assert info.value.reason == "corrupt_file"
    assert source.bytes_read <= probe.SNIFF_BYTES + probe.TRAILER_BYTES


def test_jpeg_with_a_few_padding_bytes_after_eoi_is_accepted() -> None:
    result, _ = run(fixture("sample.jpg") + b"\x00" * 12, "image")
    assert result.metadata == {"width": 64, "height": 48}


# --- videos -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("sample.mp4", struct.pack(">I4s", 8 + 40 * MIB, b"mdat")),
        ("sample.mov", struct.pack(">I4s", 8 + 40 * MIB, b"mdat")),
        ("sample.mp4", struct.pack(">I4sQ", 1, b"mdat", 16 + 40 * MIB)),
    ],  # 64-bit box size
    ids=["mp4", "mov", "mp4-64-bit-mdat"],
)
def test_mp4_with_moov_at_end_reads_under_2_mib(name: str, header: bytes) -> None:
    data = moov_at_end(name, header + bytes(40 * MIB))
    result, source = run(data, "video")
    assert result.metadata == EXPECTED[name][2]
    assert source.bytes_read <= 2 * MIB
    assert source.reads <= 4  # cached windows, not one request per field


def _absurd_trak_size() -> bytes:
    parts = boxes(fixture("sample.mp4"))
    moov = parts[b"moov"]
    return parts[b"ftyp"] + moov[:8] + struct.pack(">I4s", 0xFFFFFFFF, b"trak") + moov[16:] + bytes(10 * MIB)


@pytest.mark.parametrize(
    "build",
    [  # 32 MB of 8-byte boxes: cheap to fetch, millions of fields to walk
        lambda: moov_at_end("sample.mp4", struct.pack(">I4s", 8, b"free") * (4 * MIB)),
        _absurd_trak_size,  # a child box claiming 4 GB
        lambda: moov_at_end("sample.mp4", struct.pack(">I4s", 0, b"mdat")),  # "to end of file"
    ],
    ids=["box-flood", "absurd-box-size", "size-zero-box"],
)
def test_hostile_mp4_box_structures_stay_within_the_read_budget(build: Callable[[], bytes]) -> None:
    result, source = run(build(), "video")
    assert result.mime_type == "video/mp4"  # still a sniffed video, metadata or not
    assert source.bytes_read <= probe.VIDEO_READ_BUDGET


def test_mp4_with_unreadable_metadata_is_accepted_without_metadata(capfd: pytest.CaptureFixture[str]) -> None:
    data = boxes(fixture("sample.mp4"))[b"ftyp"] + bytes(range(256)) * 64
    result, _ = run(data, "video")
    assert (result.mime_type, result.metadata) == ("video/mp4", None)
    assert capfd.readouterr() == ("", "")  # hachoir's warnings stay silent


def test_mp4_cut_before_its_moov_has_no_metadata() -> None:
    result, _ = run(fixture("sample.mp4")[:3000], "video")
    assert (result.mime_type, result.metadata) == ("video/mp4", None)


# --- the source reader ------------------------------------------------------


def test_source_position_does_not_matter() -> None:
    data = fixture("sample.webm")
    source = CountingSource(data)
    source.seek(1234)
    assert probe.inspect(source, len(data), "video").metadata == EXPECTED["sample.webm"][2]


@pytest.mark.parametrize("name", ["sample.jpg", "sample.avi"])
def test_short_reads_from_the_source_are_completed(name: str) -> None:
    data = fixture(name)
    result = probe.inspect(CountingSource(data, max_chunk=100), len(data), EXPECTED[name][1])
    assert result.metadata == EXPECTED[name][2]


def test_size_claiming_more_than_the_source_holds_is_handled() -> None:
    # Small file: the head read hits the real end, which then bounds reads.
    result, _ = run(fixture("sample.wmv"), "video", size=50 * MIB)
    assert result.metadata == EXPECTED["sample.wmv"][2]
    assert run(fixture("sample.png"), "image", size=50 * MIB)[0].metadata == {"width": 50, "height": 40}
    # Bigger file: the trailer is looked for where ``size`` says; not there.
    data = noise_jpeg((256, 256))
    assert len(data) > probe.SNIFF_BYTES
    with pytest.raises(ContentRejected) as info:
        run(data, "image", size=50 * MIB)
    assert info.value.reason == "corrupt_file"


def _exif_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x927C] = b"M" * 60_000
    return noise_jpeg((256, 256), exif=exif.tobytes())


@pytest.mark.parametrize(
    ("case", "family", "fail_after"),
    [("head", "image", 0), ("trailer", "image", 1), ("pillow", "image", 2), ("hachoir", "video", 1)],
)
def test_storage_errors_propagate_instead_of_rejecting_the_file(case: str, family: str, fail_after: int) -> None:
    # A failing storage read must surface as itself (retryable), never be
    # swallowed by Pillow/hachoir and reported as a corrupt or bare video.
    if family == "image":
        data = _exif_jpeg()
    else:
        data = moov_at_end("sample.mp4", struct.pack(">I4s", 8 + MIB, b"mdat") + bytes(MIB))
    assert run(data, family)[0].metadata is not None  # fine when storage works
    with pytest.raises(ConnectionError):
        probe.inspect(CountingSource(data, fail_after=fail_after), len(data), family)


def test_unknown_family_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        run(fixture("sample.jpg"), "audio")
