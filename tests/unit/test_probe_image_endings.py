"""How images end, through chalicelib.probe: motion photos (a JPEG with its video
appended, declared in XMP) are accepted; anything else after an image's end is
``trailing_data``; files cut short are ``corrupt_file``.
"""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
from collections.abc import Callable

import pytest

from chalicelib import probe
from chalicelib.errors import ContentRejected
from chalicelib.probe import motion
from chalicelib.probe.jpeg import TAIL_SEARCH_BYTES
from tests.helpers.media import fixture_bytes
from tests.helpers.samples import KIB, MIB, CountingSource, five_mb_jpeg, rejected, run, with_segments

CORRUPT = ("corrupt_file", "The image file is truncated or corrupt.")
TRAILING = ("trailing_data", "The image has data after its end marker.")
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
DISPLAYED = {"motion-photo-v1.jpg": {"width": 72, "height": 54}, "motion-photo-v2.jpg": {"width": 44, "height": 60}}


def verdict(data: bytes) -> tuple[str, str]:
    error = rejected(data, "image")
    return error.reason, error.message


# --- motion photos --------------------------------------------------------------


def _video_of(name: str) -> bytes:
    data = fixture_bytes(name)
    return data[data.index(b"ftyp") - 4 :]


@pytest.mark.parametrize("name", ["motion-photo-v1.jpg", "motion-photo-v2.jpg"])
def test_motion_photo_is_accepted_as_the_jpeg_it_is(name: str) -> None:
    data = fixture_bytes(name)
    video = _video_of(name)
    assert len(video) > 1000 and data[: -len(video)].endswith(b"\xff\xd9")  # a real MP4 after the EOI
    result, _ = run(data, "image")
    assert (result.mime_type, result.metadata) == ("image/jpeg", DISPLAYED[name])


def test_big_motion_photo_reads_its_xmp_but_not_its_video() -> None:
    still = fixture_bytes("motion-photo-v2.jpg")
    video = _video_of("motion-photo-v2.jpg")
    big_video = video + struct.pack(">I4s", 8 + 3 * MIB, b"free") + bytes(3 * MIB)
    xmp = re.search(rb"\xff\xe1..http://ns.adobe.com/xap/1.0/\x00.*?</x:xmpmeta>", still, re.S)
    assert xmp is not None
    declared = xmp.group().replace(f'Length="{len(video)}"'.encode(), f'Length="{len(big_video)}"'.encode())
    data = with_segments(five_mb_jpeg(), declared[:2] + struct.pack(">H", len(declared) - 2) + declared[4:])
    result, source = run(data + big_video, "image")
    assert result.metadata == {"width": 2200, "height": 1650}
    assert source.reads == 3  # head (with the XMP and the frame header), trailer, where the video starts
    assert source.bytes_read == 2 * 8 * KIB + probe.TRAILER_BYTES


def test_motion_photo_xmp_without_its_video_is_a_plain_jpeg() -> None:
    data = fixture_bytes("motion-photo-v2.jpg")  # an editor kept the XMP but dropped the video
    assert run(data[: -len(_video_of("motion-photo-v2.jpg"))], "image")[0].metadata == {"width": 44, "height": 60}


def test_motion_photo_declaring_the_wrong_length_is_trailing_data() -> None:
    data = fixture_bytes("motion-photo-v2.jpg")
    length = len(_video_of("motion-photo-v2.jpg"))
    wrong = data.replace(f'Item:Length="{length}"'.encode(), f'Item:Length="{length - 1}"'.encode())
    assert wrong != data and verdict(wrong) == TRAILING


def test_motion_photo_declaring_html_instead_of_a_video_is_trailing_data() -> None:
    data = fixture_bytes("motion-photo-v1.jpg")
    length = len(_video_of("motion-photo-v1.jpg"))
    assert verdict(data[:-length] + HTML.ljust(length)) == TRAILING


def test_motion_photo_with_data_between_the_image_and_its_video_is_trailing_data() -> None:
    data = fixture_bytes("motion-photo-v1.jpg")
    video = _video_of("motion-photo-v1.jpg")
    assert verdict(data[: -len(video)] + HTML + video) == TRAILING  # the declared offset still finds the video


def test_jpeg_with_an_undeclared_video_appended_is_trailing_data() -> None:
    assert verdict(fixture_bytes("sample.jpg") + _video_of("motion-photo-v1.jpg")) == TRAILING


def test_xmp_with_a_dtd_declares_nothing() -> None:
    packet = b'<!DOCTYPE x [<!ENTITY a "1">]><x:xmpmeta xmlns:x="adobe:ns:meta/"/>'
    assert motion.declared_video_length(packet) is None
    assert motion.declared_video_length(b"<x:xmpmeta") is None  # cut short


# --- the end of the file --------------------------------------------------------


def _png_with_zip_appended() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("shell.php", "<?php system($_GET['c']); ?>")
    return fixture_bytes("sample.png") + buf.getvalue()


@pytest.mark.parametrize(
    "build",
    [
        lambda: fixture_bytes("sample.jpg") + HTML,
        lambda: five_mb_jpeg() + random.Random(3).randbytes(MIB),  # 1 MB of binary appended
        lambda: fixture_bytes("sample.png") + b"<?php system($_GET['c']); ?>",
        _png_with_zip_appended,  # PNG+ZIP polyglot: IEND is not the end
        lambda: fixture_bytes("animated.gif") + HTML + b";",  # ends with the GIF trailer byte
    ],
    ids=["jpeg-html", "jpeg-1-mb-binary", "png-php", "png-zip-polyglot", "gif-html-ending-in-semicolon"],
)
def test_image_with_data_after_its_end_is_refused_as_trailing_data(build: Callable[[], bytes]) -> None:
    assert verdict(build()) == TRAILING


def test_gif_with_appended_html_is_refused_as_trailing_data() -> None:
    data = fixture_bytes("sample.gif") + b"<script>alert(1)</script>;"
    assert data.endswith(b";")  # a last-byte check would take this for the GIF trailer
    assert verdict(data) == TRAILING


@pytest.mark.parametrize(
    "build",
    [
        lambda: fixture_bytes("sample.jpg")[:-10],
        lambda: fixture_bytes("orientation-6.jpg")[:300],  # cut inside the headers
        lambda: fixture_bytes("sample.png")[:-10],
        lambda: fixture_bytes("palette.png")[:-12],  # no IEND at all
        lambda: fixture_bytes("sample.gif")[:-10],
        lambda: fixture_bytes("animated.gif")[:-1],  # no trailer
        lambda: b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4 + b"\xff\xd9",  # unparseable header
    ],
    ids=["jpg", "jpg-headers", "png", "png-before-iend", "gif", "gif-before-trailer", "bad-jpeg-header"],
)
def test_truncated_or_unparseable_image_is_corrupt(build: Callable[[], bytes]) -> None:
    assert verdict(build()) == CORRUPT


def test_truncated_big_jpeg_is_refused_from_head_and_tail_only() -> None:
    data = five_mb_jpeg()[: 3 * MIB]
    source = CountingSource(data)
    with pytest.raises(ContentRejected) as info:
        probe.inspect(source.stream(), len(data), "image")
    assert (info.value.reason, info.value.message) == CORRUPT
    assert source.reads == 3  # head, trailer, the tail searched for an end marker
    assert source.bytes_read == probe.SNIFF_BYTES + TAIL_SEARCH_BYTES


@pytest.mark.parametrize("padding", [b"\x00" * 12, b"\x00" * 2000, b"\xff" * 300, b"\r\n"])
def test_jpeg_padded_after_its_eoi_is_accepted(padding: bytes) -> None:
    result, _ = run(fixture_bytes("sample.jpg") + padding, "image")
    assert result.metadata == {"width": 64, "height": 48}
