"""How a MediaFile is stored: the item that holds it, and the value an item holds.

Besides the file's own fields an item carries what is derived from them when it is
written: the by-type index key, the folded search copies, and the channels that can take
the file now (the list's ``?channel=`` filter reads them).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from chalicelib.domain.names import DeliveryStatus, FileType, Uploader
from chalicelib.domain.traits import Traits
from chalicelib.domain.values import Delivery, MediaFile, RenditionFile
from chalicelib.models import MediaItem

#: MediaFile fields stored in attributes of their own shape (see media_of / item_of).
_SHAPED = ("traits", "delivery")


def media_of(item: MediaItem) -> MediaFile:
    """The value a stored item holds (PynamoDB numbers come back as floats)."""
    raw = {f.name: getattr(item, f.name) for f in dataclasses.fields(MediaFile) if f.name not in _SHAPED}
    return MediaFile(
        **{
            **raw,
            "media_id": int(raw["media_id"]),
            "file_size": int(raw["file_size"]),
            "file_type": FileType(raw["file_type"]),
            "uploaded_by": Uploader(raw["uploaded_by"]),
            "metadata": raw["metadata"] or None,
            "is_active": bool(raw["is_active"]),
            "thumbnail_attempts": int(raw["thumbnail_attempts"] or 0),
            "version": int(raw["version"] or 1),
            "tags": tuple(raw["tags"] or ()),
        },
        traits=None if item.traits is None else Traits.from_json(item.traits),
        delivery=Delivery(
            DeliveryStatus(item.delivery_status or DeliveryStatus.READY),
            None if not item.rendition else RenditionFile(**item.rendition),
            item.delivery_reason,
            int(item.delivery_attempts or 0),
        ),
    )


def item_of(media: MediaFile) -> MediaItem:
    """The item that stores ``media``, with its index key, folded copies and deliverable channels."""
    values = {k: v for k, v in dataclasses.asdict(media).items() if k not in _SHAPED}
    del values["account_id"], values["media_id"]
    values["thumbnail_attempts"] = media.thumbnail_attempts or None
    values["tags"] = list(media.tags) or None
    folded = media.folded
    return MediaItem(
        media.account_id,
        media.media_id,
        type_key=type_key(media.account_id, media.file_type),
        name_lower=folded.name,
        original_lower=folded.original_name,
        description_folded=folded.description or None,
        tags_folded=folded.tags or None,
        **values,
        **facts_of(media),
    )


def facts_of(media: MediaFile) -> dict[str, Any]:
    """The attributes the probe's findings and the derivatives set (and the channels they give)."""
    delivery = media.delivery
    return {
        "traits": None if media.traits is None else media.traits.to_json(),
        "delivery_status": str(delivery.status),
        "delivery_reason": delivery.reason,
        "delivery_attempts": delivery.attempts or None,
        "rendition": None if delivery.rendition is None else dataclasses.asdict(delivery.rendition),
        "channels": list(media.deliverable) or None,
    }


def type_key(account_id: str, file_type: FileType) -> str:
    """The by-type index's partition key: one account's images, or its videos."""
    return f"{account_id}#{file_type}"
