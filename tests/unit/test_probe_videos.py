"""Videos through chalicelib.probe: displayed sizes, durations (fragmented MP4
included), refusal of audio-only files, hostile box structures, and what each
costs in reads. How videos end is in test_probe_video_endings.py, codecs in
test_probe_codecs.py.

Big inputs (a 40-50 MB MP4, fragmented files of many MB) are built in memory
from the small fixtures (tests/helpers/samples.py).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable

import pytest

from chalicelib import probe
from chalicelib.errors import ContentRejected
from chalicelib.probe import ebml
from chalicelib.probe.reader import MAX_HOPS, WALK_LARGEST_WINDOW, WINDOW_BYTES
from tests.helpers.media import VIDEOS, fixture_bytes
from tests.helpers.samples import (
    KIB,
    MIB,
    CountingSource,
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
    assert source.bytes_read <= len(data)  # small: read once, in one or two windows
    assert source.reads == (1 if len(data) <= probe.SNIFF_BYTES else 2)


# --- rotation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "stored"),
    [("rotated-90.mp4", (64, 36)), ("rotated-270.mov", (80, 48)), ("hevc-rotated-90.mov", (72, 40))],
)
def test_portrait_phone_video_reports_displayed_size(name: str, stored: tuple[int, int]) -> None:
    width, height = stored
    metadata = run(fixture_bytes(name), "video")[0].metadata
    assert metadata is not None and (metadata["width"], metadata["height"]) == (height, width)
    assert metadata == VIDEOS[name][1]


def test_video_turned_upside_down_keeps_its_size() -> None:
    data = bytearray(fixture_bytes("rotated-90.mp4"))
    matrix = data.index(b"tkhd") + 4 + 40  # version 0: the matrix follows 40 bytes of fields
    struct.pack_into(">5i", data, matrix, -0x10000, 0, 0, 0, -0x10000)  # 180 degrees: a = d = -1
    assert run(bytes(data), "video")[0].metadata == {**VIDEOS["rotated-90.mp4"][1], "width": 64, "height": 36}


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
    assert result.metadata == {**VIDEOS["fragmented.mp4"][1], "duration": 3.25}
    assert source.reads == 2  # the head, then the rest of the file (its last box headers)


def test_first_fragment_kept_in_the_moov_is_not_taken_for_the_whole() -> None:
    data = fixture_bytes("fragmented-first-in-moov.mp4")
    mvhd = boxes(data)[b"moov"][8:].split(b"mvhd", 1)[1]
    timescale, duration = struct.unpack(">II", mvhd[12:20])
    assert duration / timescale == 0.5  # the first fragment only
    assert run(data, "video")[0].metadata == VIDEOS["fragmented-first-in-moov.mp4"][1]


@pytest.mark.parametrize("index", [True, False], ids=["with-mfra", "without-mfra"])
def test_big_fragmented_mp4_finds_its_last_fragment_by_walking_its_box_headers(index: bool) -> None:
    data = spread_fragments(fixture_bytes("fragmented.mp4"), 2 * MIB, index=index)  # 5 fragments of 2 MB
    result, source = run(data, "video")
    assert result.metadata == VIDEOS["fragmented.mp4"][1]
    # head (moov, first moof), one window at each of the 4 other moofs: the walk
    # that checks the file's end finds the last moof, no index needed
    assert source.reads == 1 + 4 + (1 if index else 0)  # and the mfra index, 2 MB after the last moof
    assert source.bytes_read <= 6 * 8 * KIB


def test_fragmented_mp4_with_a_broken_index_still_finds_its_last_fragment() -> None:
    data = spread_fragments(fixture_bytes("fragmented.mp4"), 2 * MIB)
    broken = data[:-4] + struct.pack(">I", 100)  # mfro: the index's size, now pointing into the last mdat
    assert run(broken, "video")[0].metadata == VIDEOS["fragmented.mp4"][1]


def _many_fragments(count: int, spacing: int) -> bytes:
    parts = box_list(spread_fragments(fixture_bytes("fragmented.mp4"), spacing, index=False))
    fragments = [body for kind, body in parts if kind in (b"moof", b"mdat")]
    head = b"".join(body for kind, body in parts[:2])  # ftyp, moov
    return head + b"".join(fragments * (count // 5))  # the fixture has 5 fragments


def test_fragments_far_apart_cost_one_small_read_each() -> None:
    result, source = run(_many_fragments(50, 512 * KIB), "video")  # 25 MB
    assert result.metadata == VIDEOS["fragmented.mp4"][1]  # the last fragment of the last copy ends at 2.4 s
    assert source.reads == 50
    assert source.bytes_read <= 50 * 8 * KIB


def test_walk_over_many_fragments_stays_within_a_bounded_number_of_reads() -> None:
    # 400 fragments 128 KB apart (51 MB): past MAX_HOPS small reads, the windows
    # grow, so the walk reads more bytes in fewer requests than one per fragment.
    data = _many_fragments(400, 128 * KIB)
    result, source = run(data, "video")
    assert result.metadata == VIDEOS["fragmented.mp4"][1]
    growing = (WALK_LARGEST_WINDOW // WINDOW_BYTES).bit_length() - 1  # windows doubling up to the largest
    assert source.reads <= 1 + MAX_HOPS + growing + math.ceil(len(data) / WALK_LARGEST_WINDOW)
    assert source.bytes_read <= len(data)


# --- hostile or broken MP4 ------------------------------------------------------


def _absurd_trak_size() -> bytes:
    parts = boxes(fixture_bytes("sample.mp4"))
    moov = parts[b"moov"]
    trak = struct.pack(">I4s", 0xFFFFFFFF, b"trak")
    return parts[b"ftyp"] + moov[:8] + trak + moov[16:] + box(b"free", bytes(10 * MIB))


@pytest.mark.parametrize(
    "build",
    [
        _absurd_trak_size,  # a child box claiming 4 GB
        lambda: moov_at_end("sample.mp4", struct.pack(">I4s", 0, b"mdat")),  # "to end of file", swallowing the moov
        lambda: boxes(fixture_bytes("sample.mp4"))[b"ftyp"] + box(b"moov", box(b"trak", b"\x00" * 7)),
    ],
    ids=["absurd-box-size", "size-zero-box", "trak-too-short"],
)
def test_hostile_mp4_box_structures_stay_within_the_read_budget(build: Callable[[], bytes]) -> None:
    result, source = run(build(), "video")
    assert (result.mime_type, result.metadata) == ("video/mp4", None)  # still a sniffed video, no metadata
    assert source.bytes_read <= probe.VIDEO_READ_BUDGET


def test_flood_of_tiny_top_level_boxes_is_refused_within_the_read_budget() -> None:
    # 32 MB of 8-byte boxes: cheap to fetch, millions of boxes to walk
    data = moov_at_end("sample.mp4", struct.pack(">I4s", 8, b"free") * (4 * MIB))
    source = CountingSource(data)
    with pytest.raises(ContentRejected) as info:
        probe.inspect(source.stream(), len(data), "video")
    assert info.value.reason == "corrupt_file"
    assert source.bytes_read <= probe.VIDEO_READ_BUDGET


def test_mp4_with_unreadable_metadata_is_accepted_without_metadata(capfd: pytest.CaptureFixture[str]) -> None:
    data = boxes(fixture_bytes("sample.mp4"))[b"ftyp"] + box(b"moov", bytes(range(256)) * 64)
    result, _ = run(data, "video")
    assert (result.mime_type, result.metadata) == ("video/mp4", None)
    assert capfd.readouterr() == ("", "")  # nothing printed


def test_webm_whose_tracks_cannot_be_read_is_accepted_silently(capfd: pytest.CaptureFixture[str]) -> None:
    data = bytearray(fixture_bytes("sample.webm"))
    tracks = data.rindex(bytes.fromhex("1654AE6B"))  # the element itself, after the SeekHead's pointer to it
    header = ebml.header(bytes(data), tracks)
    assert header is not None and header.size is not None and header.size > 40
    body = tracks + header.length
    data[body : body + 40] = b"\xff" * 40  # Tracks of the same size, holding no element that parses
    result, _ = run(bytes(data), "video")
    assert result.mime_type == "video/webm" and result.metadata is not None
    assert "video_codec" not in result.metadata  # the stream list was not read: no codec keys
    assert capfd.readouterr() == ("", "")  # hachoir's warnings stay silent
