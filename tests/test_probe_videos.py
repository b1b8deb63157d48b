"""Videos through chalicelib.probe: displayed sizes, durations (fragmented MP4
included), refusal of audio-only files, hostile box structures, and what each
costs in reads.

Big inputs (a 40-50 MB MP4, fragmented files of many MB) are built in memory
from the small fixtures (tests/helpers/samples.py).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

import pytest

from chalicelib import probe
from chalicelib.probe.fragments import MAX_FRAGMENT_READS
from tests.helpers.media import VIDEOS, fixture_bytes
from tests.helpers.samples import (
    KIB,
    MIB,
    big_mp4,
    box,
    box_list,
    boxes,
    moov_at_end,
    rejected,
    run,
    spread_fragments,
    with_mehd,
)

AUDIO_ONLY = ["audio-only.mp4", "audio-only.wmv", "audio-only.webm", "audio-only.avi", "audio-only.flv"]


@pytest.mark.parametrize("name", sorted(VIDEOS))
def test_video_fixture_type_and_metadata_are_read_exactly(name: str) -> None:
    data = fixture_bytes(name)
    result, source = run(data, "video")
    assert (result.mime_type, result.family, result.metadata) == (VIDEOS[name][0], "video", VIDEOS[name][1])
    assert source.bytes_read == len(data)  # small: read once, in one or two windows
    assert source.reads == (1 if len(data) <= probe.SNIFF_BYTES else 2)


# --- rotation -------------------------------------------------------------------


@pytest.mark.parametrize(("name", "stored"), [("rotated-90.mp4", (64, 36)), ("rotated-270.mov", (80, 48))])
def test_portrait_phone_video_reports_displayed_size(name: str, stored: tuple[int, int]) -> None:
    width, height = stored
    assert run(fixture_bytes(name), "video")[0].metadata == {
        "width": height,
        "height": width,
        "duration": VIDEOS[name][1]["duration"],
    }


def test_video_turned_upside_down_keeps_its_size() -> None:
    data = bytearray(fixture_bytes("rotated-90.mp4"))
    matrix = data.index(b"tkhd") + 4 + 40  # version 0: the matrix follows 40 bytes of fields
    struct.pack_into(">5i", data, matrix, -0x10000, 0, 0, 0, -0x10000)  # 180 degrees: a = d = -1
    assert run(bytes(data), "video")[0].metadata == {"width": 64, "height": 36, "duration": 1.0}


# --- no video stream ------------------------------------------------------------


@pytest.mark.parametrize("name", AUDIO_ONLY)
def test_audio_only_file_is_refused_as_no_video_stream(name: str) -> None:
    error = rejected(fixture_bytes(name), "video")
    assert (error.reason, error.message) == ("no_video_stream", "The file contains no video stream.")


def test_flv_without_the_video_flag_but_with_video_tags_is_accepted() -> None:
    data = bytearray(fixture_bytes("sample.flv"))
    data[4] &= ~0x01  # header flags: audio/video present
    assert run(bytes(data), "video")[0].metadata == VIDEOS["sample.flv"][1]


def test_mp4_whose_tracks_cannot_be_read_is_accepted_not_called_audio_only() -> None:
    assert run(_absurd_trak_size(), "video")[0].metadata is None


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


# --- fragmented MP4 -------------------------------------------------------------


def test_fragmented_mp4_duration_comes_from_its_last_fragment() -> None:
    moov = boxes(fixture_bytes("fragmented.mp4"))[b"moov"]
    assert b"mehd" not in moov  # ffmpeg's empty_moov: mvhd says 0 and nothing else does
    assert run(fixture_bytes("fragmented.mp4"), "video")[0].metadata == VIDEOS["fragmented.mp4"][1]


def test_fragmented_mp4_duration_comes_from_mehd_when_present() -> None:
    data = with_mehd(fixture_bytes("fragmented.mp4"), 3250)  # in mvhd's timescale (1000)
    result, source = run(data, "video")
    assert result.metadata == {"width": 56, "height": 40, "duration": 3.25}
    assert source.reads == 1  # no fragment visited


def test_first_fragment_kept_in_the_moov_is_not_taken_for_the_whole() -> None:
    data = fixture_bytes("fragmented-first-in-moov.mp4")
    mvhd = boxes(data)[b"moov"][8:].split(b"mvhd", 1)[1]
    timescale, duration = struct.unpack(">II", mvhd[12:20])
    assert duration / timescale == 0.5  # the first fragment only
    assert run(data, "video")[0].metadata == VIDEOS["fragmented-first-in-moov.mp4"][1]


def test_big_fragmented_mp4_finds_its_last_fragment_through_its_mfra_index() -> None:
    data = spread_fragments(fixture_bytes("fragmented.mp4"), 2 * MIB)  # 5 fragments of 2 MB
    result, source = run(data, "video")
    assert result.metadata == VIDEOS["fragmented.mp4"][1]
    assert source.reads == 3  # head (moov), the tail (mfra), the last moof
    assert source.bytes_read <= 3 * 8 * KIB


def test_fragmented_mp4_without_an_index_walks_its_fragment_headers() -> None:
    data = spread_fragments(fixture_bytes("fragmented.mp4"), 2 * MIB, index=False)
    result, source = run(data, "video")
    assert result.metadata == VIDEOS["fragmented.mp4"][1]
    assert source.reads == 1 + 1 + 4  # head (moov, first moof), the tail, the 4 other moofs
    assert source.bytes_read <= 6 * 8 * KIB


def test_fragmented_mp4_with_a_broken_index_walks_its_fragment_headers_instead() -> None:
    data = spread_fragments(fixture_bytes("fragmented.mp4"), 2 * MIB)
    broken = data[:-4] + struct.pack(">I", 100)  # mfro: the index's size, now pointing into the last mdat
    assert run(broken, "video")[0].metadata == VIDEOS["fragmented.mp4"][1]


def test_fragment_walk_is_capped_and_then_the_duration_is_unknown() -> None:
    parts = box_list(spread_fragments(fixture_bytes("fragmented.mp4"), 512 * KIB, index=False))
    fragments = [body for kind, body in parts if kind in (b"moof", b"mdat")]
    head = b"".join(body for kind, body in parts[:2])  # ftyp, moov
    data = head + b"".join(fragments * 10)  # 50 fragments
    result, source = run(data, "video")
    assert result.metadata == {"width": 56, "height": 40}  # still a video, of unknown duration
    assert source.reads <= 2 + MAX_FRAGMENT_READS + 1


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
        lambda: boxes(fixture_bytes("sample.mp4"))[b"ftyp"] + box(b"moov", box(b"trak", b"\x00" * 7)),
    ],
    ids=["box-flood", "absurd-box-size", "size-zero-box", "trak-too-short"],
)
def test_hostile_mp4_box_structures_stay_within_the_read_budget(build: Callable[[], bytes]) -> None:
    result, source = run(build(), "video")
    assert (result.mime_type, result.metadata) == ("video/mp4", None)  # still a sniffed video, no metadata
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
