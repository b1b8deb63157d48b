"""What the API answers, as frozen dataclasses: MediaFile and the account.

Each keeps the JSON object it was built from: ``to_dict()`` gives it back exactly
as the API sent it (fields added by a newer API included).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

__all__ = ["Account", "Limits", "MediaFile", "Metadata", "Usage"]

FileType = Literal["image", "video"]


def parse_timestamp(value: str) -> datetime:
    """The API's UTC timestamps (``2026-03-08T10:00:00.000000Z``) as aware datetimes."""
    text = value[:-1] + "+00:00" if value.endswith("Z") else value  # Python 3.10's fromisoformat has no Z
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Metadata:
    """What the API could read from the bytes: size as displayed, and a video's duration in seconds."""

    width: int | None = None
    height: int | None = None
    duration: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Metadata | None:
        """Build from the API's ``metadata`` object; None when the API could read nothing."""
        if not data:
            return None
        duration = data.get("duration")
        return cls(data.get("width"), data.get("height"), float(duration) if duration is not None else None)


@dataclass(frozen=True)
class ChannelDelivery:
    """What to send on one chat channel: a URL (the original's or its rendition's), or why none."""

    url: str | None
    source: str | None  # "original" | "rendition" | None
    reason: str | None


@dataclass(frozen=True)
class Delivery:
    """Where a file can be sent: ``status`` (processing, ready, failed), the rendition's URL
    when one was made, and per channel what to send (``channels["whatsapp"].url``)."""

    status: str
    rendition_url: str | None
    channels: Mapping[str, ChannelDelivery]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Delivery | None:
        if not data:
            return None
        rendition = data.get("rendition") or {}
        channels = {
            str(name): ChannelDelivery(value.get("url"), value.get("source"), value.get("reason"))
            for name, value in (data.get("channels") or {}).items()
        }
        return cls(str(data.get("status", "")), rendition.get("url"), channels)

    @property
    def ready_for(self) -> list[str]:
        """The channels that can take the file now."""
        return [name for name, channel in self.channels.items() if channel.url]


@dataclass(frozen=True)
class MediaFile:
    """One file of the library (the API's MediaFile object, docs/architecture.md, "The MediaFile object")."""

    id: int
    name: str
    original_name: str
    url: str
    file_type: FileType
    mime_type: str
    extension: str
    file_size: int
    formatted_size: str
    metadata: Metadata | None
    uploaded_by: str
    is_active: bool
    created_at: datetime
    updated_at: datetime
    thumbnail_url: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    delivery: Delivery | None = None
    _raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MediaFile:
        """Build from the API's JSON object."""
        return cls(
            id=int(data["id"]),
            name=str(data["name"]),
            original_name=str(data["original_name"]),
            url=str(data["url"]),
            file_type=data["file_type"],
            mime_type=str(data["mime_type"]),
            extension=str(data["extension"]),
            file_size=int(data["file_size"]),
            formatted_size=str(data["formatted_size"]),
            metadata=Metadata.from_dict(data.get("metadata")),
            uploaded_by=str(data["uploaded_by"]),
            is_active=bool(data["is_active"]),
            created_at=parse_timestamp(str(data["created_at"])),
            updated_at=parse_timestamp(str(data["updated_at"])),
            thumbnail_url=data.get("thumbnail_url"),
            description=data.get("description"),
            tags=tuple(str(t) for t in data.get("tags") or ()),
            delivery=Delivery.from_dict(data.get("delivery")),
            _raw=dict(data),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON object exactly as the API sent it."""
        return dict(self._raw)

    @property
    def dimensions(self) -> str:
        """``1920x1080`` (``1920x1080, 12.5 s`` for a video with a duration); empty when unknown."""
        meta = self.metadata
        if meta is None:
            return ""
        parts = [f"{meta.width}x{meta.height}"] if meta.width and meta.height else []
        if meta.duration is not None:
            parts.append(f"{meta.duration:g} s")
        return ", ".join(parts)


@dataclass(frozen=True)
class Usage:
    """How much of the library is in use."""

    files: int
    images: int
    videos: int
    bytes: int
    formatted_bytes: str


@dataclass(frozen=True)
class Limits:
    """What an upload must respect: sizes in bytes and the allowed extensions per type."""

    max_file_size: int
    direct_upload_max_bytes: int
    upload_expires_seconds: int
    image_extensions: tuple[str, ...]
    video_extensions: tuple[str, ...]

    @property
    def extensions(self) -> tuple[str, ...]:
        """Every allowed extension, images first (the API's order)."""
        return self.image_extensions + self.video_extensions


@dataclass(frozen=True)
class Account:
    """The caller's account: plan, usage and limits (``GET /api/v1/account``)."""

    name: str
    media_limit: int | None
    remaining: int | None
    usage: Usage
    limits: Limits
    _raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Account:
        """Build from the API's JSON object."""
        usage, limits = data["usage"], data["limits"]
        extensions = limits.get("extensions") or {}
        return cls(
            name=str(data["name"]),
            media_limit=data.get("media_limit"),
            remaining=data.get("remaining"),
            usage=Usage(
                files=int(usage["files"]),
                images=int(usage["images"]),
                videos=int(usage["videos"]),
                bytes=int(usage["bytes"]),
                formatted_bytes=str(usage["formatted_bytes"]),
            ),
            limits=Limits(
                max_file_size=int(limits["max_file_size"]),
                direct_upload_max_bytes=int(limits["direct_upload_max_bytes"]),
                upload_expires_seconds=int(limits["upload_expires_seconds"]),
                image_extensions=tuple(str(e).lower() for e in extensions.get("image", ())),
                video_extensions=tuple(str(e).lower() for e in extensions.get("video", ())),
            ),
            _raw=dict(data),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON object exactly as the API sent it."""
        return dict(self._raw)
