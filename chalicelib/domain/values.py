"""The values the use cases work with: an account, an API key, a media file.

Frozen dataclasses: ``records`` builds them from table items and writes them
back; ``presenters`` turn them into the contract's JSON. A change is a new
value (``dataclasses.replace``), written by a conditional write in records.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import channel_rules, channels
from chalicelib.domain.layout import rendition_key, thumbnail_key
from chalicelib.domain.names import DeliveryStatus, FileType, Uploader
from chalicelib.domain.search import Folded
from chalicelib.domain.traits import Traits


@dataclass(frozen=True)
class Account:
    """A customer: its plan (``media_limit``, None = unlimited) and the counters that move
    in the same transaction as its files."""

    account_id: str
    name: str
    created_at: str
    media_limit: int | None = None
    media_count: int = 0
    image_count: int = 0
    video_count: int = 0
    bytes_used: int = 0

    @property
    def remaining(self) -> int | None:
        """Files the plan still allows (None: unlimited; never negative)."""
        return None if self.media_limit is None else max(0, self.media_limit - self.media_count)

    def has_room(self) -> bool:
        """The plan-limit rule. records.record_media enforces the same rule inside the
        transaction that counts the file, so concurrent uploads can never pass it."""
        return self.media_limit is None or self.media_count < self.media_limit


@dataclass(frozen=True)
class ApiKey:
    """An API key as stored: its SHA-256 (the key itself is shown once) and display prefix.

    ``last_used_at`` is when a request last authenticated with it, to within a few minutes
    (chalicelib.auth.LAST_USED_EVERY): None when it never has.
    """

    key_hash: str
    account_id: str
    prefix: str
    created_at: str
    revoked_at: str | None = None
    last_used_at: str | None = None


@dataclass(frozen=True)
class RenditionFile:
    """The one derivative a file gets when a channel cannot take the original."""

    key: str
    mime_type: str
    extension: str
    file_size: int
    metadata: dict[str, Any]

    def described(self) -> channels.Rendition:
        """As the channel rules read it."""
        family = "video" if self.mime_type.startswith("video/") else "image"
        return channels.Rendition(self.mime_type, family, self.file_size, self.metadata, audio_tracks=None)


@dataclass(frozen=True)
class Delivery:
    """Where a file's derivatives stand (domain.names.DeliveryStatus), its rendition once
    made, and why there is none when one cannot be made (``reason``, with the status ready)
    or making it failed (the status failed; ``attempts`` counts the failures)."""

    status: DeliveryStatus = DeliveryStatus.READY
    rendition: RenditionFile | None = None
    reason: str | None = None
    attempts: int = 0


#: The extension of each kind of rendition.
RENDITION_EXTENSIONS = {
    channels.RenditionKind.VIDEO_MP4: "mp4",
    channels.RenditionKind.GIF_MP4: "mp4",
    channels.RenditionKind.IMAGE_JPEG: "jpg",
}


@dataclass(frozen=True)
class MediaFile:
    """One file of an account's library (the contract's MediaFile, before it is JSON)."""

    account_id: str
    media_id: int
    name: str
    original_name: str
    storage_key: str
    upload_id: str
    file_type: FileType
    mime_type: str
    extension: str
    file_size: int
    metadata: dict[str, Any] | None
    uploaded_by: Uploader
    created_at: str
    updated_at: str
    is_active: bool = True
    #: thumbs/{account}/{stem}.webp once made; the attempts that failed so far.
    thumbnail_key: str | None = None
    thumbnail_attempts: int = 0
    #: Bumped by every change of the representation (rename, thumbnail): the ETag's
    #: base, so If-Match is decided inside the conditional write itself.
    version: int = 1
    #: Alt text for people and agents, and tags (lower-cased), both optional.
    description: str | None = None
    tags: tuple[str, ...] = ()
    #: What the probe found that the channel rules need (not part of the public metadata);
    #: None for a file recorded before the probe read them (the reconciler probes it again).
    traits: Traits | None = None
    delivery: Delivery = Delivery()

    @property
    def is_admin_file(self) -> bool:
        return self.uploaded_by == Uploader.ADMIN

    @property
    def folded(self) -> Folded:
        """Its searchable fields as search compares them."""
        return Folded.of(self.name, self.original_name, self.description, self.tags)

    @property
    def original(self) -> channels.Original:
        """The file as the channel rules read it."""
        traits = self.traits or Traits()
        audio = (
            traits.audio_tracks if self.file_type == FileType.VIDEO and "audio_codec" in (self.metadata or {}) else None
        )
        return channels.Original(
            self.mime_type,
            str(self.file_type),
            self.file_size,
            self.metadata or {},
            animated=traits.animated,
            cmyk=traits.cmyk,
            bit_depth=traits.bit_depth,
            audio_tracks=audio,
        )

    @property
    def rendition_kind(self) -> channels.RenditionKind | None:
        """The rendition this file needs (None: every channel takes the original)."""
        return channels.needs_rendition(self.original)

    @property
    def rendition_key(self) -> str | None:
        """Where its rendition is, or would be made (None when it needs none)."""
        if self.delivery.rendition is not None:
            return self.delivery.rendition.key
        kind = self.rendition_kind
        return None if kind is None else rendition_key(self.storage_key, RENDITION_EXTENSIONS[kind])

    def for_channels(self) -> channels.Rendition | channels.NoRendition | None:
        """Its rendition as the channel rules read it, or why there is none yet."""
        made = self.delivery.rendition
        if made is not None:
            return made.described()
        if self.delivery.status == DeliveryStatus.FAILED:
            return channels.NoRendition(channels.RenditionState.FAILED, self.delivery.reason)
        if self.delivery.status == DeliveryStatus.READY and self.delivery.reason:
            return channels.NoRendition(channels.RenditionState.IMPOSSIBLE, self.delivery.reason)
        return channels.NoRendition(channels.RenditionState.PROCESSING)

    def channels(self, url: str, rendition_url: str | None) -> dict[str, channels.ChannelDelivery]:
        """Per channel: the URL to send (the original's or the rendition's) or why there is none."""
        made = self.for_channels()
        return channels.channels_for(self.original, url, made, rendition_url if self.delivery.rendition else None)

    @property
    def deliverable(self) -> tuple[str, ...]:
        """The channels that can take this file now (what ``?channel=`` filters on)."""
        found = self.channels("original", "rendition")
        return tuple(name for name in channel_rules.CHANNELS if found[name].url)

    def with_initial_delivery(self) -> MediaFile:
        """As recorded: processing while a poster (videos) or a rendition is to be made."""
        pending = self.file_type == FileType.VIDEO or self.rendition_kind is not None
        status = DeliveryStatus.PROCESSING if pending else DeliveryStatus.READY
        return dataclasses.replace(self, delivery=Delivery(status))

    @property
    def derived_keys(self) -> list[str]:
        """The public objects made from this file (whether made yet or not): its thumbnail or
        poster and its rendition, what a delete removes besides the file itself."""
        found = [thumbnail_key(self.storage_key), self.rendition_key]
        return [key for key in found if key is not None]


@dataclass(frozen=True)
class HeldKey:
    """An Idempotency-Key another attempt holds: which request it was used with, and that
    request's kept answer once it finished (``status`` None while it still runs)."""

    fingerprint: str
    status: int | None = None
    body: str = ""
    headers: dict[str, str] | None = None


@dataclass(frozen=True)
class MediaChanges:
    """What a PUT changes of a file, already valid: a new name, description (``None`` with
    ``sets_description`` clears it) and tags; ``None`` leaves a field as it is."""

    name: str | None = None
    description: str | None = None
    sets_description: bool = False
    tags: tuple[str, ...] | None = None

    @property
    def only_name(self) -> bool:
        return self.name is not None and not self.sets_description and self.tags is None
