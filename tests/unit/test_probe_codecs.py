"""Codecs and traits through chalicelib.probe: ``metadata.video_codec`` / ``audio_codec``
read from each container's headers (real files, and the same files with one code
changed in place), and the internal ``traits`` the delivery rules need.
"""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from chalicelib import probe
from chalicelib.domain.traits import Traits
from chalicelib.probe import codec_names
from chalicelib.probe.jpeg import frame_traits
from chalicelib.probe.streams import Streams
from tests.helpers.media import IMAGES, VIDEOS, fixture_bytes
from tests.helpers.samples import run

# Audio streams of each video fixture (the rest have none).
AUDIO_TRACKS = {"two-audio.mp4": 2} | dict.fromkeys(
    [
        "sample.mp4",
        "fragmented.mp4",
        "hevc-rotated-90.mov",
        "vp9-opus.webm",
        "vp8-vorbis.webm",
        "av1-opus.mp4",
        "h264-mp3.mp4",
        "mpeg4-mp3.avi",
        "h264-pcm.avi",
        "wmv2-wma.wmv",
        "h264-aac.flv",
        "flv1-mp3.flv",
    ],
    1,
)


def codecs(data: bytes) -> tuple[object, object]:
    metadata = run(data, "video")[0].metadata
    assert metadata is not None
    return metadata.get("video_codec", "absent"), metadata.get("audio_codec", "absent")


def patched(name: str, old: bytes, new: bytes, *, after: bytes = b"", count: int = 1) -> bytes:
    """The fixture with ``old`` (found after ``after``) replaced by ``new`` of the same length."""
    data = bytearray(fixture_bytes(name))
    start = data.index(after) if after else 0
    for _ in range(count):
        at = data.index(old, start)
        data[at : at + len(old)] = new
        start = at + len(new)
    return bytes(data)


# --- every fixture --------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VIDEOS))
def test_each_video_fixture_names_its_codecs_and_counts_its_audio_streams(name: str) -> None:
    result, _ = run(fixture_bytes(name), "video")
    expected = VIDEOS[name][1]
    assert result.metadata is not None
    assert (result.metadata["video_codec"], result.metadata["audio_codec"]) == (
        expected["video_codec"],
        expected["audio_codec"],
    )
    assert result.traits == Traits(audio_tracks=AUDIO_TRACKS.get(name, 0))


def test_codec_pairs_the_fixtures_cover() -> None:
    pairs = {(metadata["video_codec"], metadata["audio_codec"]) for _, metadata in VIDEOS.values()}
    assert pairs >= {
        ("hevc", "aac"),
        ("h264", "aac"),
        ("vp9", "opus"),
        ("vp8", "vorbis"),
        ("av1", "opus"),
        ("mpeg4", "mp3"),
        ("wmv", "wma"),
        ("flv", "mp3"),
        ("h264", "mp3"),
        ("h264", "pcm"),
        ("h264", None),
    }


def test_of_two_audio_tracks_the_first_is_named() -> None:
    data = fixture_bytes("two-audio.mp4")
    assert data.count(b"mp4a") == 1 and data.count(b"ac-3") == 1  # AAC first, then AC-3
    result, _ = run(data, "video")
    assert result.metadata is not None and result.metadata["audio_codec"] == "aac"
    assert result.traits.audio_tracks == 2


# --- MP4 / MOV: the stsd sample entry ---------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (b"avc1", b"avc3", ("h264", "aac")),
        (b"avc1", b"hev1", ("hevc", "aac")),
        (b"avc1", b"vp09", ("vp9", "aac")),
        (b"avc1", b"av01", ("av1", "aac")),
        (b"avc1", b"Zq9 ", ("zq9", "aac")),  # unknown: its own text, lower-cased and stripped
        (b"avc1", b"\x00\x01\x02\x03", ("absent", "aac")),  # nothing printable: no key
        (b"mp4a", b"ac-3", ("h264", "ac3")),
        (b"mp4a", b"ec-3", ("h264", "eac3")),
        (b"mp4a", b"Opus", ("h264", "opus")),
        (b"mp4a", b".mp3", ("h264", "mp3")),
        (b"mp4a", b"\x00\x00\x00\x00", ("h264", "absent")),  # an audio track, not named: no key
    ],
)
def test_mp4_codec_comes_from_the_sample_entry_type(old: bytes, new: bytes, expected: tuple[str, str]) -> None:
    assert codecs(patched("sample.mp4", old, new, after=b"stsd")) == expected


def _esds_object_type_at(data: bytes) -> int:
    decoder_config = data.index(b"\x04\x80\x80\x80", data.index(b"esds"))  # FFmpeg writes 4-byte lengths
    return decoder_config + 5  # tag, 4 length bytes, then objectTypeIndication


@pytest.mark.parametrize(("object_type", "expected"), [(0x6B, "mp3"), (0x69, "mp3"), (0x40, "aac"), (0x67, "aac")])
def test_mp4a_entry_is_named_by_its_esds_object_type(object_type: int, expected: str) -> None:
    data = bytearray(fixture_bytes("h264-mp3.mp4"))
    at = _esds_object_type_at(bytes(data))
    assert data[at] == 0x69  # what FFmpeg writes for MP3 at 24 kHz (MPEG-2 audio) in MP4
    data[at] = object_type
    assert codecs(bytes(data)) == ("h264", expected)


def test_encrypted_sample_entry_is_named_by_its_original_format() -> None:
    from chalicelib.probe.sample_entries import entry_codec

    def sample_box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I4s", 8 + len(payload), kind) + payload

    frma = sample_box(b"frma", b"hvc1")
    entry = sample_box(b"encv", bytes(78) + sample_box(b"sinf", frma + sample_box(b"schm", bytes(12))))
    assert entry_codec(entry, b"vide") == "hevc"


# --- WebM: CodecID --------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (b"V_VP9", b"V_AV1", ("av1", "opus")),
        (b"V_VP9", b"V_VP8", ("vp8", "opus")),
        (b"V_VP9", b"V_XYZ", ("v_xyz", "opus")),  # unknown: the CodecID, lower-cased
        (b"A_OPUS", b"A_FLAC", ("vp9", "flac")),
    ],
)
def test_webm_codec_comes_from_the_track_codec_id(old: bytes, new: bytes, expected: tuple[str, str]) -> None:
    assert codecs(patched("vp9-opus.webm", old, new)) == expected


@pytest.mark.parametrize(
    ("codec_id", "expected"),
    [
        ("V_MPEG4/ISO/AVC", "h264"),  # Chrome's MediaRecorder records H.264 in WebM
        ("V_MPEGH/ISO/HEVC", "hevc"),
        ("V_MPEG4/ISO/ASP", "mpeg4"),
        ("A_AAC", "aac"),
        ("A_AAC/MPEG4/LC/SBR", "aac"),
        ("A_MPEG/L3", "mp3"),
        ("A_AC3/BSID9", "ac3"),
        ("A_PCM/INT/LIT", "pcm"),
    ],
)
def test_matroska_codec_ids(codec_id: str, expected: str) -> None:
    assert codec_names.from_matroska(codec_id) == expected


# --- AVI: strh / strf -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fourcc", "expected"),
    [(b"XVID", "mpeg4"), (b"DIVX", "mpeg4"), (b"DX50", "mpeg4"), (b"MJPG", "mjpeg"), (b"H264", "h264")]
    + [(b"x264", "h264"), (b"ABCD", "abcd")],
)
def test_avi_video_codec_comes_from_the_stream_format(fourcc: bytes, expected: str) -> None:
    data = patched("mpeg4-mp3.avi", b"XVID", fourcc, count=2)  # strh's handler and strf's biCompression
    assert codecs(data) == (expected, "mp3")


def test_avi_stream_format_wins_over_an_unknown_handler() -> None:
    data = patched("mpeg4-mp3.avi", b"XVID", b"none")  # strh's handler only (it comes first)
    assert codecs(data) == ("mpeg4", "mp3")


@pytest.mark.parametrize(
    ("format_tag", "expected"),
    [(0x0055, "mp3"), (0x00FF, "aac"), (0x1610, "aac"), (0x2000, "ac3"), (0x0001, "pcm"), (0x1234, "wave_0x1234")],
)
def test_avi_audio_codec_comes_from_wformattag(format_tag: int, expected: str) -> None:
    data = bytearray(fixture_bytes("mpeg4-mp3.avi"))
    strf = data.index(b"strf", data.index(b"auds")) + 8
    assert struct.unpack_from("<H", data, strf)[0] == 0x0055
    struct.pack_into("<H", data, strf, format_tag)
    assert codecs(bytes(data)) == ("mpeg4", expected)


# --- WMV: stream properties -------------------------------------------------------


@pytest.mark.parametrize(("fourcc", "expected"), [(b"WMV2", "wmv"), (b"WMV3", "wmv"), (b"WVC1", "vc1")])
def test_wmv_video_codec_comes_from_the_bitmap_header(fourcc: bytes, expected: str) -> None:
    assert codecs(patched("wmv2-wma.wmv", b"WMV2", fourcc)) == (expected, "wma")


@pytest.mark.parametrize(("format_tag", "expected"), [(0x0161, "wma"), (0x0162, "wma"), (0x0055, "mp3")])
def test_wmv_audio_codec_comes_from_its_wave_format(format_tag: int, expected: str) -> None:
    data = bytearray(fixture_bytes("wmv2-wma.wmv"))
    audio_media = bytes.fromhex("409e69f84d5bcf11a8fd00805f5c442b")  # the audio stream type GUID
    wave_format = data.index(audio_media) + 16 + 38  # after the type and error correction GUIDs and 22 bytes
    assert struct.unpack_from("<H", data, wave_format)[0] == 0x0161  # WMA 2
    struct.pack_into("<H", data, wave_format, format_tag)
    assert codecs(bytes(data)) == ("wmv", expected)


# --- FLV: the first tags ------------------------------------------------------------


def _first_tag_data(data: bytes, kind: int) -> int:
    """Offset of the first data byte of the first tag of ``kind`` (8 audio, 9 video)."""
    pos = int.from_bytes(data[5:9], "big") + 4
    while data[pos] != kind:
        pos += 11 + int.from_bytes(data[pos + 1 : pos + 4], "big") + 4
    return pos + 11


@pytest.mark.parametrize(
    ("first_bytes", "expected"),
    [
        (b"\x12", "flv"),
        (b"\x14", "vp6"),
        (b"\x15", "vp6"),
        (b"\x19", "flv_video_9"),
        (b"\x90hvc1", "hevc"),  # enhanced FLV: the ExHeader bit, then a FourCC
        (b"\x90av01", "av1"),
        (b"\x90vp09", "vp9"),
    ],
)
def test_flv_video_codec_comes_from_the_first_video_tag(first_bytes: bytes, expected: str) -> None:
    data = bytearray(fixture_bytes("h264-aac.flv"))
    at = _first_tag_data(bytes(data), 9)
    data[at : at + len(first_bytes)] = first_bytes
    assert codecs(bytes(data))[0] == expected


@pytest.mark.parametrize(
    ("first_bytes", "expected"),
    [(b"\x2f", "mp3"), (b"\xbf", "speex"), (b"\xef", "mp3"), (b"\x90Opus", "opus"), (b"\x90fLaC", "flac")],
)
def test_flv_audio_codec_comes_from_the_first_audio_tag(first_bytes: bytes, expected: str) -> None:
    data = bytearray(fixture_bytes("h264-aac.flv"))
    at = _first_tag_data(bytes(data), 8)
    data[at : at + len(first_bytes)] = first_bytes
    assert codecs(bytes(data)) == ("h264", expected)


def test_flv_without_audio_says_so() -> None:
    data = fixture_bytes("sample.flv")
    assert data[4] == 0x01  # the header announces video only
    assert codecs(data) == ("flv", None)


# --- what the keys say ----------------------------------------------------------


def test_keys_that_could_not_be_read_are_left_out_and_no_audio_is_null() -> None:
    assert Streams(video=True, video_codec="h264").codec_keys() == {"video_codec": "h264", "audio_codec": None}
    assert Streams(video=True, audio_tracks=1).codec_keys() == {}
    assert Streams(video=True, video_codec="vp9", audio_codec="opus", audio_tracks=2).codec_keys() == {
        "video_codec": "vp9",
        "audio_codec": "opus",
    }


def test_codec_text_keeps_printable_characters_only() -> None:
    assert codec_names.text_of(b" Ab1\x00") == "ab1"
    assert codec_names.text_of("V_" + "X" * 100) == "v_" + "x" * 30
    assert codec_names.text_of(b"\x00\xff") is None


# --- traits ---------------------------------------------------------------------

IMAGE_TRAITS = {
    "sample.gif": Traits(animated=True),  # 2 frames
    "animated.gif": Traits(animated=True),  # 3 frames
    "cmyk.jpg": Traits(cmyk=True),
    "rgb16.png": Traits(bit_depth=16),
}


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_image_traits(name: str) -> None:
    assert run(fixture_bytes(name), "image")[0].traits == IMAGE_TRAITS.get(name, Traits())


def test_gif_of_one_frame_is_not_animated() -> None:
    buf = io.BytesIO()
    Image.new("P", (12, 10)).save(buf, "GIF")
    assert run(buf.getvalue(), "image")[0].traits == Traits(animated=False)


def test_jpeg_precision_and_components_come_from_its_frame_header() -> None:
    # SOF0: marker, length, precision, height, width, components (id, sampling, table each)
    twelve_bit = b"\xff\xc0\x00\x11\x0c" + struct.pack(">HH", 48, 64) + b"\x03" + bytes(9)
    assert frame_traits(twelve_bit) == Traits(bit_depth=12)
    four_components = b"\xff\xc0\x00\x14\x08" + struct.pack(">HH", 48, 64) + b"\x04" + bytes(12)
    assert frame_traits(four_components) == Traits(cmyk=True)


def test_traits_are_stored_as_plain_json_and_read_back() -> None:
    traits = Traits(animated=True, cmyk=False, bit_depth=16, audio_tracks=2)
    stored = traits.to_json()
    assert stored == {"animated": True, "cmyk": False, "bit_depth": 16, "audio_tracks": 2}
    assert Traits.from_json(stored) == traits
    assert Traits.from_json(None) == Traits()
    assert Traits.from_json({"audio_tracks": 1}) == Traits(audio_tracks=1)  # older records: defaults
    assert Traits.from_json({**stored, "added_later": "x"}) == traits  # newer keys: ignored


@pytest.mark.parametrize(
    "stored", [{"animated": "yes"}, {"bit_depth": 8.0}, {"audio_tracks": -1}, {"cmyk": 1}, {"audio_tracks": True}]
)
def test_traits_of_the_wrong_type_are_refused(stored: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Traits.from_json(stored)


def test_probed_keeps_its_fields_and_defaults_its_traits() -> None:
    probed = probe.Probed("image/png", "image", {"width": 1, "height": 1})
    assert (probed.mime_type, probed.family, probed.metadata, probed.traits) == (
        "image/png",
        "image",
        {"width": 1, "height": 1},
        Traits(),
    )
