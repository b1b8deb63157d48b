"""Each chat channel's published limits, in one table (``CHANNEL_RULES``): one entry per
channel, each limit beside the document that publishes it, so a platform change is a
one-line edit. MB here is 10^6 bytes, as the platforms count. chalicelib.domain.channels
makes the decisions from it.

Interpretations where a document is silent (each one is a choice, written down):

- "MP4" alone (Messenger; Instagram's MP4, MOV, AVI, WebM) means the container only, any
  codec: Meta transcodes what it receives for Messenger and Instagram, while WhatsApp
  forwards the file as it is and so names its codecs.
- "H.264" means ``video_codec == "h264"``; "AAC" means ``audio_codec == "aac"``. A video
  with no audio track is fine wherever codecs are named: WhatsApp says "or none", and a
  silent H.264 MP4 plays in Telegram and every browser. Unknown codecs (the probe could not
  read them: the key is missing from the metadata) never count as the named ones.
- WhatsApp takes one audio stream at most; the others take the file and play its first.
- CMYK and 16-bit images go as they are to web browsers only (every engine decodes CMYK
  JPEGs and 16-bit PNGs); WhatsApp and many phone clients show CMYK JPEGs with wrong
  colours or not at all, and the Meta and Telegram documents promise only ordinary images.
- Telegram sends a GIF up to 20 MB as an animation (``sendAnimation``), animated or not;
  its photos are JPEG or PNG up to 5 MB.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MB = 1_000_000
CHECKED = "2026-12"


@dataclass(frozen=True)
class Codecs:
    """Codecs a channel plays in one container. ``None`` in ``audio``: no audio is fine."""

    video: frozenset[str]
    audio: frozenset[str | None]
    words: str  # as a person reads it: "H.264 video with AAC audio"


@dataclass(frozen=True)
class Source:
    url: str
    title: str
    checked: str = CHECKED


@dataclass(frozen=True)
class ChannelRule:
    name: str
    label: str  # as it reads inside a sentence
    images: Mapping[str, int | None]  # image mime -> max bytes (None: no limit)
    videos: Mapping[str, Codecs | None]  # video mime -> the codecs it must hold (None: any)
    video_max_bytes: int | None
    sources: tuple[Source, ...]
    one_audio_stream: bool = False
    cmyk_and_16_bit: bool = False  # shows CMYK and 16-bit images as they are


H264_AAC = Codecs(frozenset({"h264"}), frozenset({"aac", None}), "H.264 video with AAC audio")
VP_OPUS = Codecs(
    frozenset({"vp8", "vp9", "av1"}), frozenset({"opus", "vorbis", None}), "VP8, VP9 or AV1 with Opus or Vorbis"
)
JPEG, PNG, GIF = "image/jpeg", "image/png", "image/gif"
MP4, MOV, AVI, WEBM = "video/mp4", "video/quicktime", "video/x-msvideo", "video/webm"

META = "https://developers.facebook.com/docs/"
MDN = "https://developer.mozilla.org/en-US/docs/Web/Media/Guides/Formats/"
TELEGRAM = "https://core.telegram.org/bots/api"

#: The table: one channel per entry, each limit beside the document that publishes it.
CHANNEL_RULES: Mapping[str, ChannelRule] = {
    rule.name: rule
    for rule in (
        ChannelRule(
            "whatsapp", "WhatsApp", {JPEG: 5 * MB, PNG: 5 * MB}, {MP4: H264_AAC}, 16 * MB, one_audio_stream=True,
            sources=(
                Source(f"{META}whatsapp/cloud-api/reference/media#supported-media-types", "WhatsApp Cloud API: Media"),
            ),
        ),
        ChannelRule(
            "messenger", "Messenger", {JPEG: 8 * MB, PNG: 8 * MB, GIF: 8 * MB}, {MP4: None}, 25 * MB,
            sources=(
                Source(f"{META}messenger-platform/reference/attachment-upload-api", "Messenger: Attachment Upload API"),
                Source(f"{META}messenger-platform/send-messages/saving-assets", "Messenger Platform: Saving assets"),
            ),
        ),
        ChannelRule(
            "instagram", "Instagram", {JPEG: 8 * MB, PNG: 8 * MB, GIF: 8 * MB},
            {MP4: None, MOV: None, AVI: None, WEBM: None}, 25 * MB,
            sources=(
                Source(f"{META}messenger-platform/instagram/features/upload-attachment", "Upload Media for Instagram"),
            ),
        ),
        ChannelRule(
            "telegram", "Telegram", {JPEG: 5 * MB, PNG: 5 * MB, GIF: 20 * MB}, {MP4: H264_AAC}, 20 * MB,
            sources=(
                Source(f"{TELEGRAM}#sending-files", "Telegram Bot API: Sending files"),
                Source(f"{TELEGRAM}#sendvideo", "Telegram Bot API: sendVideo"),
                Source(f"{TELEGRAM}#sendanimation", "Telegram Bot API: sendAnimation"),
            ),
        ),
        ChannelRule(
            "web", "a web browser", {JPEG: None, PNG: None, GIF: None}, {MP4: H264_AAC, WEBM: VP_OPUS}, None,
            cmyk_and_16_bit=True,
            sources=(
                Source(f"{MDN}Containers", "MDN: Media container formats (file types)"),
                Source(f"{MDN}Video_codecs", "MDN: Web video codec guide"),
                Source(f"{MDN}Image_types", "MDN: Image file type and format guide"),
            ),
        ),
    )
}  # fmt: skip
CHANNELS: tuple[str, ...] = ("whatsapp", "messenger", "instagram", "telegram", "web")

#: Formats and codecs as a person reads them, for the reasons channels_for writes.
FORMAT_NAMES = {JPEG: "JPEG", PNG: "PNG", GIF: "GIF", MP4: "MP4", MOV: "MOV", AVI: "AVI", WEBM: "WebM"}
FORMAT_NAMES.update({"video/x-ms-wmv": "WMV", "video/x-flv": "FLV"})
CODEC_NAMES = {"h264": "H.264", "hevc": "HEVC", "vp8": "VP8", "vp9": "VP9", "av1": "AV1", "mpeg4": "MPEG-4 Part 2"}
CODEC_NAMES.update({"wmv": "WMV", "vc1": "VC-1", "flv": "Sorenson Spark", "vp6": "VP6", "mjpeg": "Motion JPEG"})
CODEC_NAMES.update({"aac": "AAC", "mp3": "MP3", "opus": "Opus", "vorbis": "Vorbis", "wma": "WMA", "ac3": "AC-3"})
CODEC_NAMES.update({"pcm": "PCM"})
