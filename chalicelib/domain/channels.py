"""Which file each chat channel can take, decided from the channel table
(chalicelib.domain.channel_rules).

``needs_rendition`` says whether a file needs ONE derivative, made to WhatsApp's rule (the
strictest), so it serves every channel that cannot take the original; ``channels_for``
says, per channel, which URL to send or why there is none. Pure: no I/O, cheap to import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from chalicelib.domain.channel_rules import CHANNEL_RULES, CHANNELS, CODEC_NAMES, FORMAT_NAMES, MB, ChannelRule

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
    kind = FORMAT_NAMES.get(media.mime_type, media.mime_type)
    if media.mime_type.startswith("image/"):
        if media.mime_type not in rule.images:
            return f"{rule.label} takes only {_listed(FORMAT_NAMES[m] for m in rule.images)} images, not {kind}"
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
        accepted.append(f"{codecs.words} in {FORMAT_NAMES[mime]}" if codecs else FORMAT_NAMES[mime])
    if all(codecs is None for codecs in rule.videos.values()):
        return f"{rule.label} takes only {_listed(accepted)} videos, not {kind}"
    return f"{rule.label} plays only {_listed(accepted)}; this is {_codec_words(media)} in {kind}"


def _codec_words(media: Original) -> str:
    video, audio = media.video_codec, media.audio_codec
    if video is _UNKNOWN:
        return "video of a codec that could not be read"
    words = CODEC_NAMES.get(str(video), str(video).upper())
    if audio is None:
        return f"{words} without audio"
    if audio is _UNKNOWN:
        return f"{words} with audio of a codec that could not be read"
    return f"{words} with {CODEC_NAMES.get(str(audio), str(audio).upper())} audio"


def _listed(words: Any) -> str:
    items = list(words)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _mb(size: int, exact: bool = False) -> str:
    if not exact and size % MB == 0:
        return f"{size // MB} MB"
    return f"{size / MB:.1f} MB"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
