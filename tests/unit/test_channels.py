"""The channel table and its decisions (chalicelib/channels.py): which file each chat channel
takes, which originals need a rendition and of which kind, and the reasons people read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.domain.channel_rules import CHANNEL_RULES, CHANNELS
from chalicelib.domain.channels import (
    ChannelDelivery,
    NoRendition,
    Original,
    Rendition,
    RenditionKind,
    RenditionState,
    channels_for,
    needs_rendition,
)

MB = 1_000_000
ORIGINAL_URL = "https://cdn.example.test/media/7/videos/1741430012_ab12.mov"
RENDITION_URL = "https://cdn.example.test/renditions/7/1741430012_ab12.mp4"
ORI, REN = "original", "rendition"  # what each channel is given


def video(mime: str, size: float, video_codec: str | None, audio_codec: str | None, **traits: Any) -> Original:
    metadata = {"width": 1080, "height": 1920, "duration": 21.4, "video_codec": video_codec, "audio_codec": audio_codec}
    return Original(mime, "video", int(size * MB), metadata, **traits)


def image(mime: str, size: float, **traits: Any) -> Original:
    return Original(mime, "image", int(size * MB), {"width": 4000, "height": 3000}, **traits)


MP4_RENDITION = Rendition("video/mp4", "video", 9_123_456, {"video_codec": "h264", "audio_codec": "aac"})
SILENT_MP4_RENDITION = Rendition("video/mp4", "video", 412_000, {"video_codec": "h264", "audio_codec": None})
JPEG_RENDITION = Rendition("image/jpeg", "image", 1_900_000, {"width": 4000, "height": 3000})


@dataclass(frozen=True)
class Case:
    name: str
    original: Original
    kind: RenditionKind | None
    rendition: Rendition | None
    # whatsapp, messenger, instagram, telegram, web
    sources: tuple[str, str, str, str, str]


CASES = [
    Case("HEVC MOV phone video, 21 s, 12 MB", video("video/quicktime", 12, "hevc", "aac"),
         RenditionKind.VIDEO_MP4, MP4_RENDITION, (REN, REN, ORI, REN, REN)),
    Case("H.264/AAC MP4, 20 MB", video("video/mp4", 20, "h264", "aac"),
         RenditionKind.VIDEO_MP4, MP4_RENDITION, (REN, ORI, ORI, ORI, ORI)),
    Case("H.264/AAC MP4, 10 MB", video("video/mp4", 10, "h264", "aac"), None, None, (ORI, ORI, ORI, ORI, ORI)),
    Case("silent H.264 MP4, 3 MB", video("video/mp4", 3, "h264", None), None, None, (ORI, ORI, ORI, ORI, ORI)),
    Case("H.264 MP4 with two audio tracks, 10 MB", video("video/mp4", 10, "h264", "aac", audio_tracks=2),
         RenditionKind.VIDEO_MP4, MP4_RENDITION, (REN, ORI, ORI, ORI, ORI)),
    Case("H.264/MP3 MP4, 4 MB", video("video/mp4", 4, "h264", "mp3"),
         RenditionKind.VIDEO_MP4, MP4_RENDITION, (REN, ORI, ORI, REN, REN)),
    Case("HEVC MP4, 30 MB", video("video/mp4", 30, "hevc", "aac"),
         RenditionKind.VIDEO_MP4, MP4_RENDITION, (REN, REN, REN, REN, REN)),
    Case("MP4 whose codecs could not be read", Original("video/mp4", "video", 5 * MB, {"duration": 3.0}),
         RenditionKind.VIDEO_MP4, MP4_RENDITION, (REN, ORI, ORI, REN, REN)),
    Case("AVI, MPEG-4 Part 2 + MP3, 8 MB", video("video/x-msvideo", 8, "mpeg4", "mp3"),
         RenditionKind.VIDEO_MP4, MP4_RENDITION, (REN, REN, ORI, REN, REN)),
    Case("WMV + WMA, 5 MB", video("video/x-ms-wmv", 5, "wmv", "wma"),
         RenditionKind.VIDEO_MP4, MP4_RENDITION, (REN, REN, REN, REN, REN)),
    Case("FLV + MP3, 3 MB", video("video/x-flv", 3, "flv", "mp3"),
         RenditionKind.VIDEO_MP4, MP4_RENDITION, (REN, REN, REN, REN, REN)),
    Case("WebM VP9/Opus, 6 MB", video("video/webm", 6, "vp9", "opus"),
         RenditionKind.VIDEO_MP4, MP4_RENDITION, (REN, REN, ORI, REN, ORI)),
    Case("PNG, 9 MB", image("image/png", 9), RenditionKind.IMAGE_JPEG, JPEG_RENDITION, (REN, REN, REN, REN, ORI)),
    Case("PNG, 6 MB", image("image/png", 6), RenditionKind.IMAGE_JPEG, JPEG_RENDITION, (REN, ORI, ORI, REN, ORI)),
    Case("PNG, 3 MB", image("image/png", 3), None, None, (ORI, ORI, ORI, ORI, ORI)),
    Case("JPEG, 2 MB", image("image/jpeg", 2), None, None, (ORI, ORI, ORI, ORI, ORI)),
    Case("animated GIF, 2 MB", image("image/gif", 2, animated=True),
         RenditionKind.GIF_MP4, SILENT_MP4_RENDITION, (REN, ORI, ORI, ORI, ORI)),
    Case("animated GIF, 12 MB", image("image/gif", 12, animated=True),
         RenditionKind.GIF_MP4, SILENT_MP4_RENDITION, (REN, REN, REN, ORI, ORI)),
    Case("static GIF, 0.4 MB", image("image/gif", 0.4),
         RenditionKind.IMAGE_JPEG, JPEG_RENDITION, (REN, ORI, ORI, ORI, ORI)),
    Case("CMYK JPEG, 1 MB", image("image/jpeg", 1, cmyk=True),
         RenditionKind.IMAGE_JPEG, JPEG_RENDITION, (REN, REN, REN, REN, ORI)),
    Case("16-bit PNG, 1 MB", image("image/png", 1, bit_depth=16),
         RenditionKind.IMAGE_JPEG, JPEG_RENDITION, (REN, REN, REN, REN, ORI)),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_channel_takes_the_original_or_the_rendition(case: Case) -> None:
    assert needs_rendition(case.original) == case.kind
    delivery = channels_for(case.original, ORIGINAL_URL, case.rendition, RENDITION_URL if case.rendition else None)
    assert list(delivery) == list(CHANNELS)
    for name, expected in zip(CHANNELS, case.sources, strict=True):
        url = ORIGINAL_URL if expected == ORI else RENDITION_URL
        assert delivery[name] == ChannelDelivery(url, expected, None), name


@pytest.mark.parametrize("case", [c for c in CASES if c.kind], ids=[c.name for c in CASES if c.kind])
def test_while_the_rendition_is_made_only_the_originals_channels_have_a_url(case: Case) -> None:
    delivery = channels_for(case.original, ORIGINAL_URL)
    for name, expected in zip(CHANNELS, case.sources, strict=True):
        got = delivery[name]
        if expected == ORI:
            assert got == ChannelDelivery(ORIGINAL_URL, "original", None)
        else:
            assert got.url is None and got.source is None
            assert got.reason is not None and got.reason.endswith("; a rendition is being made"), got.reason
            assert_sentence(got.reason)


def test_reasons_name_the_channel_the_rule_and_the_file() -> None:
    phone = video("video/quicktime", 12, "hevc", "aac")
    assert channels_for(phone, ORIGINAL_URL)["whatsapp"].reason == (
        "WhatsApp plays only H.264 video with AAC audio in MP4; this is HEVC with AAC audio in MOV; "
        "a rendition is being made"
    )
    assert channels_for(phone, ORIGINAL_URL)["messenger"].reason == (
        "Messenger takes only MP4 videos, not MOV; a rendition is being made"
    )
    big = video("video/mp4", 23.4, "h264", "aac")
    assert channels_for(big, ORIGINAL_URL)["whatsapp"].reason == (
        "Too large for WhatsApp (16 MB): 23.4 MB; a rendition is being made"
    )
    webm = video("video/webm", 6, "vp9", "opus")
    assert channels_for(webm, ORIGINAL_URL)["telegram"].reason == (
        "Telegram plays only H.264 video with AAC audio in MP4; this is VP9 with Opus audio in WebM; "
        "a rendition is being made"
    )
    wmv = video("video/x-ms-wmv", 5, "wmv", "wma")
    assert channels_for(wmv, ORIGINAL_URL)["web"].reason == (
        "A web browser plays only H.264 video with AAC audio in MP4 or VP8, VP9 or AV1 with Opus or Vorbis in "
        "WebM; this is WMV with WMA audio in WMV; a rendition is being made"
    )
    gif = image("image/gif", 0.4)
    assert channels_for(gif, ORIGINAL_URL)["whatsapp"].reason == (
        "WhatsApp takes only JPEG or PNG images, not GIF; a rendition is being made"
    )
    cmyk = image("image/jpeg", 1, cmyk=True)
    assert channels_for(cmyk, ORIGINAL_URL)["telegram"].reason == (
        "Telegram does not reliably show CMYK images; this JPEG is CMYK; a rendition is being made"
    )
    deep = image("image/png", 1, bit_depth=16)
    assert channels_for(deep, ORIGINAL_URL)["instagram"].reason == (
        "Instagram takes 8-bit images; this PNG has 16 bits per channel; a rendition is being made"
    )
    tracks = video("video/mp4", 10, "h264", "aac", audio_tracks=3)
    assert channels_for(tracks, ORIGINAL_URL)["whatsapp"].reason == (
        "WhatsApp takes one audio track at most; this video has 3; a rendition is being made"
    )


def test_a_rendition_that_cannot_be_made_says_why_and_the_original_still_goes_where_it_can() -> None:
    long_phone_video = video("video/quicktime", 24, "hevc", "aac")
    why = "too long to fit 16 MB at a watchable quality (about 6 minutes at most)"
    delivery = channels_for(long_phone_video, ORIGINAL_URL, NoRendition(RenditionState.IMPOSSIBLE, why))
    assert delivery["instagram"] == ChannelDelivery(ORIGINAL_URL, "original", None)
    whatsapp = delivery["whatsapp"]
    assert whatsapp.url is None and whatsapp.source is None
    assert whatsapp.reason == (
        "WhatsApp plays only H.264 video with AAC audio in MP4; this is HEVC with AAC audio in MOV; "
        f"no rendition can be made: {why}"
    )


def test_a_failed_rendition_is_told_apart_from_one_being_made() -> None:
    png = image("image/png", 9)
    failed = channels_for(png, ORIGINAL_URL, NoRendition(RenditionState.FAILED, "the image could not be decoded"))
    assert failed["whatsapp"].reason == (
        "Too large for WhatsApp (5 MB): 9.0 MB; making a rendition failed (the image could not be decoded) "
        "and will be tried again"
    )
    assert failed["web"] == ChannelDelivery(ORIGINAL_URL, "original", None)
    processing = channels_for(png, ORIGINAL_URL, NoRendition(RenditionState.PROCESSING))
    assert processing == channels_for(png, ORIGINAL_URL)


def test_a_rendition_that_misses_a_channels_rule_is_not_offered_to_it() -> None:
    # A rendition over Telegram's 20 MB could come only from a bug or a changed rule: say so.
    oversized = Rendition("video/mp4", "video", 21 * MB, {"video_codec": "h264", "audio_codec": "aac"})
    delivery = channels_for(video("video/x-ms-wmv", 40, "wmv", "wma"), ORIGINAL_URL, oversized, RENDITION_URL)
    assert delivery["web"] == ChannelDelivery(RENDITION_URL, "rendition", None)
    assert delivery["telegram"].url is None
    assert delivery["telegram"].reason == (
        "Telegram plays only H.264 video with AAC audio in MP4; this is WMV with WMA audio in WMV; "
        "its rendition does not fit either: too large for Telegram (20 MB): 21.0 MB"
    )


def test_a_rendition_without_its_url_is_refused() -> None:
    with pytest.raises(ValueError, match="URL"):
        channels_for(image("image/png", 9), ORIGINAL_URL, JPEG_RENDITION, None)


def test_the_table_matches_the_published_limits_and_names_its_sources() -> None:
    assert CHANNELS == ("whatsapp", "messenger", "instagram", "telegram", "web")
    assert set(CHANNEL_RULES) == set(CHANNELS)
    limits = {name: (dict(rule.images), rule.video_max_bytes) for name, rule in CHANNEL_RULES.items()}
    assert limits["whatsapp"] == ({"image/jpeg": 5 * MB, "image/png": 5 * MB}, 16 * MB)
    assert limits["telegram"] == ({"image/jpeg": 5 * MB, "image/png": 5 * MB, "image/gif": 20 * MB}, 20 * MB)
    assert limits["messenger"][1] == limits["instagram"][1] == 25 * MB
    for rule in CHANNEL_RULES.values():
        assert rule.sources and all(
            s.url.startswith("https://") and s.title and s.checked == "2026-12" for s in rule.sources
        )


def test_a_video_at_exactly_the_limit_is_taken() -> None:
    at_limit = Original("video/mp4", "video", 16 * MB, {"video_codec": "h264", "audio_codec": "aac"})
    assert needs_rendition(at_limit) is None
    over = Original("video/mp4", "video", 16 * MB + 1, {"video_codec": "h264", "audio_codec": "aac"})
    assert needs_rendition(over) == RenditionKind.VIDEO_MP4


def assert_sentence(reason: str) -> None:
    """Words a person reads: a capital first, no codes, mime types or Python values."""
    assert reason[0].isupper(), reason
    assert not re.search(r"[a-z]+_[a-z]+|[a-z]+/[a-z]|None|\{|\}", reason), reason
    assert any(rule.label.lower() in reason.lower() for rule in CHANNEL_RULES.values()), reason
