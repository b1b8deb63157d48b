"""Which file each chat channel can take: the channel table, and the decisions made from it.

The table is each platform's published limits, in one place (``CHANNEL_RULES``), each rule
naming the document it comes from, so a platform change is a one-line edit. MB here is
10^6 bytes, as the platforms count.

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

``needs_rendition`` says whether a file needs ONE derivative, made to WhatsApp's rule (the
strictest), so it serves every channel that cannot take the original; ``channels_for``
says, per channel, which URL to send or why there is none. Pure: no I/O, cheap to import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

MB = 1_000_000
CHECKED = "2026-12"

#: What the probe writes for a video whose codec it could not read (the key is absent).
_UNKNOWN = object()


class RenditionKind(StrEnum):
    VIDEO_MP4 = "video_mp4"  # any video -> H.264/AAC MP4 within 16 MB
    IMAGE_JPEG = "image_jpeg"  # a big PNG/JPEG, a static GIF, CMYK or 16-bit -> sRGB JPEG within 5 MB
    GIF_MP4 = "gif_mp4"  # an animated GIF -> an H.264 MP4 of its frames


class RenditionState(StrEnum):
    PROCESSING = "processing"  # being made
    FAILED = "failed"  # making it failed; the file is kept and it is tried again
    IMPOSSIBLE = "impossible"  # it cannot be made at all (too long to fit, say)


@dataclass(frozen=True)
class Original:
    """What the channel rules need to know of a stored file (built from its record).

    ``metadata`` holds what the probe read: width/height, a video's duration,
    ``video_codec`` and ``audio_codec`` (None: no audio). The traits are the probe's
    internal findings: an animated GIF (more than one frame), a CMYK image, the bits per
    channel, and how many audio tracks a video has (None: not counted, taken from
    ``audio_codec``).
    """

    mime_type: str
    file_type: str  # "image" | "video"
    file_size: int
    metadata: Mapping[str, Any] = field(default_factory=dict)
    animated: bool = False
    cmyk: bool = False
    bit_depth: int = 8
    audio_tracks: int | None = None

    @property
    def video_codec(self) -> object:
        return self.metadata.get("video_codec", _UNKNOWN)

    @property
    def audio_codec(self) -> object:
        return self.metadata.get("audio_codec", _UNKNOWN)

    @property
    def audio_stream_count(self) -> int:
        if self.audio_tracks is not None:
            return self.audio_tracks
        return 0 if self.audio_codec is None else 1


@dataclass(frozen=True)
class Rendition(Original):
    """A rendition that exists, described as an original is (its own mime, size, codecs)."""


@dataclass(frozen=True)
class NoRendition:
    """Why a file that needs a rendition has none to offer: it is being made, making it
    failed, or it cannot be made; ``reason`` is the engine's, in words (``DerivativeError``
    or ``CannotFit``)."""

    state: RenditionState
    reason: str | None = None


@dataclass(frozen=True)
class ChannelDelivery:
    url: str | None
    source: str | None  # "original" | "rendition" | None
    reason: str | None  # why the original cannot go (with a rendition), or why nothing can


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

_FORMATS = {JPEG: "JPEG", PNG: "PNG", GIF: "GIF", MP4: "MP4", MOV: "MOV", AVI: "AVI", WEBM: "WebM"}
_FORMATS.update({"video/x-ms-wmv": "WMV", "video/x-flv": "FLV"})
_CODECS = {"h264": "H.264", "hevc": "HEVC", "vp8": "VP8", "vp9": "VP9", "av1": "AV1", "mpeg4": "MPEG-4 Part 2"}
_CODECS.update({"wmv": "WMV", "vc1": "VC-1", "flv": "Sorenson Spark", "vp6": "VP6", "mjpeg": "Motion JPEG"})
_CODECS.update({"aac": "AAC", "mp3": "MP3", "opus": "Opus", "vorbis": "Vorbis", "wma": "WMA", "ac3": "AC-3"})
_CODECS.update({"pcm": "PCM"})


def needs_rendition(original: Original) -> RenditionKind | None:
    """None when the original meets every channel's rule; else the one rendition to make."""
    if all(_problem(CHANNEL_RULES[name], original) is None for name in CHANNELS):
        return None
    if original.file_type == "video":
        return RenditionKind.VIDEO_MP4
    return RenditionKind.GIF_MP4 if original.animated else RenditionKind.IMAGE_JPEG


def channels_for(
    original: Original,
    original_url: str,
    rendition: Rendition | NoRendition | None = None,
    rendition_url: str | None = None,
) -> dict[str, ChannelDelivery]:
    """Per channel (in ``CHANNELS`` order): the original when it meets the rule, else the
    rendition when that does, else no URL and a reason a person can read.

    ``rendition``: the one that exists (with ``rendition_url``), or why there is none;
    None reads as "being made" when one is needed (the state right after ingest).
    """
    if isinstance(rendition, Rendition) and not rendition_url:
        raise ValueError("a rendition needs its URL")
    delivery = {}
    for name in CHANNELS:
        rule = CHANNEL_RULES[name]
        problem = _problem(rule, original)
        if problem is None:
            delivery[name] = ChannelDelivery(original_url, "original", None)
        elif isinstance(rendition, Rendition):
            unfit = _problem(rule, rendition)
            if unfit is None:
                delivery[name] = ChannelDelivery(rendition_url, "rendition", None)
            else:
                delivery[name] = ChannelDelivery(
                    None, None, _sentence(f"{problem}; its rendition does not fit either: {unfit}")
                )
        else:
            delivery[name] = ChannelDelivery(None, None, _sentence(f"{problem}; {_without(rendition)}"))
    return delivery


def _without(rendition: NoRendition | None) -> str:
    state = rendition.state if rendition is not None else RenditionState.PROCESSING
    reason = rendition.reason if rendition is not None else None
    if state == RenditionState.PROCESSING:
        return "a rendition is being made"
    if state == RenditionState.FAILED:
        return (
            f"making a rendition failed ({reason}) and will be tried again" if reason else "making a rendition failed"
        )
    return f"no rendition can be made: {reason}" if reason else "no rendition can be made"


def _problem(rule: ChannelRule, media: Original) -> str | None:
    """Why ``rule``'s channel cannot take ``media`` as it is, or None when it can."""
    kind = _FORMATS.get(media.mime_type, media.mime_type)
    if media.mime_type.startswith("image/"):
        if media.mime_type not in rule.images:
            return f"{rule.label} takes only {_listed(_FORMATS[m] for m in rule.images)} images, not {kind}"
        limit = rule.images[media.mime_type]
        if limit is not None and media.file_size > limit:
            return f"too large for {rule.label} ({_mb(limit)}): {_mb(media.file_size, exact=True)}"
        if media.cmyk and not rule.cmyk_and_16_bit:
            return f"{rule.label} does not reliably show CMYK images; this {kind} is CMYK"
        if media.bit_depth > 8 and not rule.cmyk_and_16_bit:
            return f"{rule.label} takes 8-bit images; this {kind} has {media.bit_depth} bits per channel"
        return None
    if media.mime_type not in rule.videos:
        return _plays_only(rule, media, kind)
    codecs = rule.videos[media.mime_type]
    if codecs is not None and (media.video_codec not in codecs.video or media.audio_codec not in codecs.audio):
        return _plays_only(rule, media, kind)
    if rule.video_max_bytes is not None and media.file_size > rule.video_max_bytes:
        return f"too large for {rule.label} ({_mb(rule.video_max_bytes)}): {_mb(media.file_size, exact=True)}"
    if rule.one_audio_stream and media.audio_stream_count > 1:
        return f"{rule.label} takes one audio track at most; this video has {media.audio_stream_count}"
    return None


def _plays_only(rule: ChannelRule, media: Original, kind: str) -> str:
    accepted = []
    for mime, codecs in rule.videos.items():
        accepted.append(f"{codecs.words} in {_FORMATS[mime]}" if codecs else _FORMATS[mime])
    if all(codecs is None for codecs in rule.videos.values()):
        return f"{rule.label} takes only {_listed(accepted)} videos, not {kind}"
    return f"{rule.label} plays only {_listed(accepted)}; this is {_codec_words(media)} in {kind}"


def _codec_words(media: Original) -> str:
    video, audio = media.video_codec, media.audio_codec
    if video is _UNKNOWN:
        return "video of a codec that could not be read"
    words = _CODECS.get(str(video), str(video).upper())
    if audio is None:
        return f"{words} without audio"
    if audio is _UNKNOWN:
        return f"{words} with audio of a codec that could not be read"
    return f"{words} with {_CODECS.get(str(audio), str(audio).upper())} audio"


def _listed(words: Any) -> str:
    items = list(words)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _mb(size: int, exact: bool = False) -> str:
    if not exact and size % MB == 0:
        return f"{size // MB} MB"
    return f"{size / MB:.1f} MB"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
