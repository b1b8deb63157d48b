"""How videos end, through chalicelib.probe: every container is walked to its end by
its own headers, as images are. Anything after a complete video is ``trailing_data``;
a file cut short (or declaring more than it holds) is ``corrupt_file``; the walk's
reads stay bounded on big files.

Big files are built in memory from the small fixtures (tests/helpers/big_videos.py,
tests/helpers/samples.py).
"""

from __future__ import annotations

import io
import math
import struct
import zipfile
from collections.abc import Callable

import pytest

from chalicelib import probe
from chalicelib.errors import ContentRejected
from chalicelib.probe.reader import MAX_HOPS, WALK_LARGEST_WINDOW, WINDOW_BYTES
from tests.helpers.big_videos import (
    CLUSTER,
    SEGMENT,
    UNKNOWN_SIZE,
    big_avi,
    big_flv,
    big_webm,
    ebml_id,
    element,
    flv_tags,
    riff,
    riff_chunks,
)
from tests.helpers.media import VIDEOS, fixture_bytes
from tests.helpers.samples import KIB, MIB, CountingSource, big_mp4, box, boxes, moov_at_end, run

TRAILING = ("trailing_data", "The video has data after its end: something else was added to the end of the file.")
CUT_SHORT = ("corrupt_file", "The video file is cut short: its headers declare more data than the file holds.")
CORRUPT = ("corrupt_file", "The video file is corrupt: the sizes in its headers do not add up.")
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
# One valid file of each container, and with audio where the container has it.
CONTAINERS = [
    "sample.mp4",
    "hevc-rotated-90.mov",
    "fragmented.mp4",
    "vp9-opus.webm",
    "mpeg4-mp3.avi",
    "wmv2-wma.wmv",
    "h264-aac.flv",
    "flv1-mp3.flv",
]


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("shell.php", "<?php system($_GET['c']); ?>")
    return buf.getvalue()


def verdict(data: bytes) -> tuple[str, str]:
    source = CountingSource(data)
    with pytest.raises(ContentRejected) as info:
        probe.inspect(source.stream(), len(data), "video")
    return info.value.reason, info.value.message


# --- the three files that used to be accepted and served -------------------------


def test_mp4_with_a_zip_appended_is_trailing_data() -> None:
    assert verdict(fixture_bytes("sample.mp4") + _zip()) == TRAILING


def test_webm_header_followed_by_a_web_page_is_trailing_data() -> None:
    webm = fixture_bytes("sample.webm")
    ebml_header = webm[: 5 + 31]  # ID (4 bytes), size (1 byte), 31 bytes of DocType and versions
    assert ebml_header.endswith(b"webm\x42\x87\x81\x02\x42\x85\x81\x02")
    assert verdict(ebml_header + HTML) == TRAILING
    assert verdict(webm + HTML) == TRAILING  # a whole WebM, then the page


def test_mp4_whose_mdat_claims_2_to_the_63_bytes_is_corrupt() -> None:
    data = moov_at_end("sample.mp4", struct.pack(">I4sQ", 1, b"mdat", 1 << 63) + bytes(64 * KIB))
    assert verdict(data) == CUT_SHORT


# --- every container: accepted whole, refused with something after, refused cut short ---


@pytest.mark.parametrize("name", CONTAINERS)
def test_complete_video_of_each_container_is_accepted(name: str) -> None:
    result, _ = run(fixture_bytes(name), "video")
    assert result.metadata == VIDEOS[name][1]


@pytest.mark.parametrize("name", CONTAINERS)
@pytest.mark.parametrize(
    "appended",
    [HTML, _zip(), b"\n", b"\x00" * 7, bytes(range(256)) * 40],
    ids=["html", "zip", "newline", "7-zero-bytes", "10-kb-binary"],
)
def test_video_with_anything_appended_is_trailing_data(name: str, appended: bytes) -> None:
    assert verdict(fixture_bytes(name) + appended) == TRAILING


@pytest.mark.parametrize("name", CONTAINERS)
@pytest.mark.parametrize("keep", [0.5, 0.9, -1], ids=["half", "90-percent", "last-byte-missing"])
def test_truncated_video_is_corrupt(name: str, keep: float) -> None:
    data = fixture_bytes(name)
    cut = data[:-1] if keep == -1 else data[: int(len(data) * keep)]
    assert verdict(cut) == CUT_SHORT


# --- ISO BMFF -------------------------------------------------------------------


def test_mp4_cut_inside_a_box_header_is_cut_short_not_trailing() -> None:
    data = fixture_bytes("sample.mp4")
    moov_at = data.index(b"moov") - 4
    assert verdict(data[: moov_at + 4]) == CUT_SHORT  # the moov's size, then the end


def test_mp4_box_smaller_than_its_header_is_corrupt() -> None:
    assert verdict(fixture_bytes("sample.mp4") + struct.pack(">I4s", 4, b"free")) == CORRUPT


def test_unknown_top_level_box_that_fits_is_skipped_as_the_format_says() -> None:
    data = fixture_bytes("sample.mp4") + box(b"Xtra", b"vendor data")
    assert run(data, "video")[0].metadata == VIDEOS["sample.mp4"][1]


def test_last_box_of_size_zero_runs_to_the_end_of_the_file() -> None:
    parts = boxes(fixture_bytes("sample.mov"))  # faststart: moov, then mdat last
    mdat = parts[b"mdat"]
    data = b"".join(body for kind, body in parts.items() if kind != b"mdat") + struct.pack(">I4s", 0, b"mdat")
    assert run(data + mdat[8:], "video")[0].metadata == VIDEOS["sample.mov"][1]


def test_50_mb_mp4_with_data_appended_is_refused_within_the_read_budget() -> None:
    data = big_mp4(50 * MIB) + _zip()
    source = CountingSource(data)
    with pytest.raises(ContentRejected) as info:
        probe.inspect(source.stream(), len(data), "video")
    assert info.value.reason == "trailing_data"
    assert source.reads == 2  # head, the moov's window (which holds what follows it)
    assert source.bytes_read <= probe.VIDEO_READ_BUDGET


def test_50_mb_mp4_cut_short_is_refused_from_its_head() -> None:
    data = big_mp4(50 * MIB)[: 30 * MIB]
    source = CountingSource(data)
    with pytest.raises(ContentRejected) as info:
        probe.inspect(source.stream(), len(data), "video")
    assert (info.value.reason, info.value.message) == CUT_SHORT
    assert (source.reads, source.bytes_read) == (1, probe.SNIFF_BYTES)  # the free box's size says it all


# --- WebM -----------------------------------------------------------------------


def test_50_mb_webm_of_200_clusters_is_walked_by_cluster_headers_in_bounded_reads() -> None:
    data = big_webm(50 * MIB, 256 * KIB)
    result, source = run(data, "video")
    assert result.metadata == VIDEOS["vp9-opus.webm"][1]
    growing = (WALK_LARGEST_WINDOW // WINDOW_BYTES).bit_length() - 1
    assert source.reads <= 1 + MAX_HOPS + growing + math.ceil(len(data) / WALK_LARGEST_WINDOW)


def test_50_mb_webm_of_clusters_far_apart_costs_a_small_read_per_cluster() -> None:
    data = big_webm(50 * MIB, 2 * MIB)
    clusters = data.count(ebml_id(CLUSTER) + b"\x01")  # each with its 8-byte size
    assert clusters == 25
    result, source = run(data, "video")
    assert result.metadata == VIDEOS["vp9-opus.webm"][1]
    assert source.reads == clusters  # the head (with the first cluster's header), then one read per cluster
    assert source.bytes_read <= probe.VIDEO_READ_BUDGET


def test_streamed_webm_of_unknown_sizes_is_walked_block_by_block_in_growing_windows() -> None:
    data = big_webm(20 * MIB, MIB, streamed=True)  # a browser's MediaRecorder file
    result, source = run(data, "video")
    assert result.metadata == VIDEOS["vp9-opus.webm"][1]
    assert source.reads <= 16  # windows doubling from 8 KB to 8 MB, then 8 MB at a time
    assert source.bytes_read <= len(data)


@pytest.mark.parametrize("appended", [HTML, _zip()], ids=["html", "zip"])
def test_streamed_webm_with_data_appended_is_trailing_data(appended: bytes) -> None:
    assert verdict(big_webm(MIB, 64 * KIB, streamed=True) + appended) == TRAILING


def test_streamed_webm_cut_inside_a_block_is_cut_short() -> None:
    assert verdict(big_webm(MIB, 64 * KIB, streamed=True)[:-100]) == CUT_SHORT


def test_webm_cluster_running_past_its_segment_is_corrupt() -> None:
    data = bytearray(big_webm(MIB, 64 * KIB))
    cluster = data.index(ebml_id(CLUSTER))
    size = int.from_bytes(data[cluster + 5 : cluster + 12], "big")
    data[cluster + 5 : cluster + 12] = (size + 1).to_bytes(7, "big")  # one byte more than there is before the next
    assert verdict(bytes(data)) == CORRUPT


def test_webm_with_a_void_element_before_its_segment_is_accepted() -> None:
    data = fixture_bytes("vp9-opus.webm")
    void = element(0xEC, bytes(10))
    assert run(data[:36] + void + data[36:], "video")[0].metadata == VIDEOS["vp9-opus.webm"][1]


def test_webm_with_a_second_segment_is_trailing_data() -> None:
    data = fixture_bytes("vp9-opus.webm")
    assert verdict(data + data[36:]) == TRAILING  # WebM allows one Segment


def test_webm_element_of_unknown_size_other_than_a_cluster_is_corrupt() -> None:
    head = fixture_bytes("vp9-opus.webm")[:36]
    tracks = ebml_id(0x1654AE6B) + UNKNOWN_SIZE + bytes(16)
    assert verdict(head + ebml_id(SEGMENT) + UNKNOWN_SIZE + tracks) == CORRUPT


# --- AVI ------------------------------------------------------------------------


def test_50_mb_avi_is_read_to_its_end_in_three_small_reads() -> None:
    data = big_avi(50 * MIB)
    result, source = run(data, "video")
    assert result.metadata == VIDEOS["mpeg4-mp3.avi"][1]
    assert source.reads == 3  # head (hdrl, movi's header), the rest of hdrl, idx1 at the end
    assert source.bytes_read <= 3 * 8 * KIB


def test_avi_2_extension_chunks_are_part_of_the_file() -> None:
    data = big_avi(20 * MIB, extensions=2)  # RIFF AVI, then two RIFF AVIX
    result, source = run(data, "video")
    assert result.metadata == VIDEOS["mpeg4-mp3.avi"][1]
    assert source.reads <= 5


@pytest.mark.parametrize(
    "build",
    [
        lambda avi: avi + riff(b"AVI ", riff_chunks(avi, 12, len(avi))[0][1]),  # a second AVI: not an extension
        lambda avi: avi + riff(b"WAVE", b"fmt " + struct.pack("<I", 0)),
        lambda avi: avi + b"RIFF",  # four bytes of a header
    ],
    ids=["second-avi", "wave", "riff-tag-only"],
)
def test_avi_followed_by_anything_but_an_avix_chunk_is_trailing_data(build: Callable[[bytes], bytes]) -> None:
    assert verdict(build(fixture_bytes("mpeg4-mp3.avi"))) == TRAILING


def test_avi_chunk_running_past_its_riff_is_corrupt() -> None:
    data = bytearray(fixture_bytes("mpeg4-mp3.avi"))
    idx1 = data.rindex(b"idx1")
    length = struct.unpack_from("<I", data, idx1 + 4)[0]
    struct.pack_into("<I", data, idx1 + 4, length + 2)
    assert verdict(bytes(data)) == CORRUPT


# --- WMV ------------------------------------------------------------------------


def test_wmv_object_of_an_unknown_kind_after_its_data_is_trailing_data() -> None:
    unknown = bytes(range(16)) + struct.pack("<Q", 24 + 8) + bytes(8)
    assert verdict(fixture_bytes("wmv2-wma.wmv") + unknown) == TRAILING


def test_wmv_header_without_its_data_object_is_cut_short() -> None:
    data = fixture_bytes("wmv2-wma.wmv")
    header_size = struct.unpack_from("<Q", data, 16)[0]
    assert verdict(data[:header_size]) == CUT_SHORT


# --- FLV ------------------------------------------------------------------------


def test_big_flv_is_checked_from_its_head_and_its_tail() -> None:
    data = big_flv(20 * MIB)
    result, source = run(data, "video")
    assert result.metadata is not None and result.metadata["video_codec"] == "h264"
    assert source.reads == 2  # the first tags, the last 64 KB (PreviousTagSize back through the tags)
    assert source.bytes_read <= probe.SNIFF_BYTES + 64 * KIB


def test_big_flv_with_data_appended_is_walked_to_tell_it_from_a_cut_one() -> None:
    data = big_flv(5 * MIB)
    assert verdict(data + HTML) == TRAILING
    assert verdict(data[:-100]) == CUT_SHORT


def test_flv_whose_last_previous_tag_size_is_wrong_but_whose_tags_tile_is_accepted() -> None:
    header, tags = flv_tags(fixture_bytes("h264-aac.flv"))
    last = tags[-1][:-4] + struct.pack(">I", 7)  # some writers get the last one wrong
    data = header + b"".join(tags[:-1]) + last
    assert run(data, "video")[0].metadata == VIDEOS["h264-aac.flv"][1]


def test_flv_tail_forged_to_look_consistent_is_accepted_as_the_format_allows() -> None:
    # The tail check sees tags, not where they came from: a script tag of any bytes,
    # sized right, is a tag like any other (a payload could as well sit inside one).
    data = fixture_bytes("h264-aac.flv")
    script = b"\x12" + len(HTML).to_bytes(3, "big") + bytes(7) + HTML
    result, _ = run(data + script + struct.pack(">I", len(script)), "video")
    assert result.metadata == VIDEOS["h264-aac.flv"][1]
