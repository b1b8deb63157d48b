"""Videos through chalicelib.probe: sizes, durations, hostile box structures,
and what each costs in reads.

Big inputs (a 40-50 MB MP4, fragmented files of many MB) are built in memory
from the small fixtures (tests/media_samples.py).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

import pytest

from chalicelib import probe
from tests.conftest import fixture_bytes
from tests.media_samples import (
    KIB,
    MIB,
    big_mp4,
    boxes,
    moov_at_end,
    run,
)

# name -> (mime, metadata) of the committed videos (see fixtures/README.md)
VIDEOS = {
    "sample.mp4": ("video/mp4", {"width": 64, "height": 48, "duration": 2.0}),
    "sample.mov": ("video/quicktime", {"width": 48, "height": 64, "duration": 1.5}),
    "sample.webm": ("video/webm", {"width": 80, "height": 60, "duration": 1.2}),
    "sample.avi": ("video/x-msvideo", {"width": 96, "height": 72, "duration": 0.8}),
    "sample.wmv": ("video/x-ms-wmv", {"width": 64, "height": 32, "duration": 1.0}),
    "sample.flv": ("video/x-flv", {"width": 112, "height": 64, "duration": 0.5}),
}


@pytest.mark.parametrize("name", sorted(VIDEOS))
def test_video_fixture_type_and_metadata_are_read_exactly(name: str) -> None:
    data = fixture_bytes(name)
    result, source = run(data, "video")
    assert (result.mime_type, result.family, result.metadata) == (VIDEOS[name][0], "video", VIDEOS[name][1])
    assert source.bytes_read == len(data)  # small: read once, in one or two windows
    assert source.reads == (1 if len(data) <= probe.SNIFF_BYTES else 2)


# --- bounded reads --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("sample.mp4", struct.pack(">I4s", 8 + 40 * MIB, b"mdat")),
        ("sample.mov", struct.pack(">I4s", 8 + 40 * MIB, b"mdat")),
        ("sample.mp4", struct.pack(">I4sQ", 1, b"mdat", 16 + 40 * MIB)),
    ],  # 64-bit box size
    ids=["mp4", "mov", "mp4-64-bit-mdat"],
)
def test_mp4_with_moov_at_end_reads_two_small_ranges(name: str, header: bytes) -> None:
    data = moov_at_end(name, header + bytes(40 * MIB))
    result, source = run(data, "video")
    assert result.metadata == VIDEOS[name][1]
    assert source.reads == 2  # head; the moov, whole in one window
    assert source.bytes_read <= 2 * 8 * KIB


def test_50_mb_camera_mp4_reads_about_10_kb() -> None:
    data = big_mp4(50 * MIB)
    result, source = run(data, "video")
    assert result.metadata == VIDEOS["sample.mp4"][1]
    assert (source.reads, source.bytes_read) == (
        2,
        probe.SNIFF_BYTES + len(boxes(fixture_bytes("sample.mp4"))[b"moov"]),
    )


# --- hostile or broken MP4 ------------------------------------------------------


def _absurd_trak_size() -> bytes:
    parts = boxes(fixture_bytes("sample.mp4"))
    moov = parts[b"moov"]
    return parts[b"ftyp"] + moov[:8] + struct.pack(">I4s", 0xFFFFFFFF, b"trak") + moov[16:] + bytes(10 * MIB)


@pytest.mark.parametrize(
    "build",
    [  # 32 MB of 8-byte boxes: cheap to fetch, millions of boxes to walk
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
    data = boxes(fixture_bytes("sample.mp4"))[b"ftyp"] + bytes(range(256)) * 64
    result, _ = run(data, "video")
    assert (result.mime_type, result.metadata) == ("video/mp4", None)
    assert capfd.readouterr() == ("", "")  # nothing printed


def test_webm_with_unreadable_metadata_is_accepted_silently(capfd: pytest.CaptureFixture[str]) -> None:
    result, _ = run(fixture_bytes("sample.webm")[:200], "video")
    assert result.mime_type == "video/webm"
    assert capfd.readouterr() == ("", "")  # hachoir's warnings stay silent


def test_mp4_cut_before_its_moov_has_no_metadata() -> None:
    result, _ = run(fixture_bytes("sample.mp4")[:3000], "video")
    assert (result.mime_type, result.metadata) == ("video/mp4", None)
