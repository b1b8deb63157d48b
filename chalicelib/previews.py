"""A file's thumbnail as bytes, for a reader that cannot fetch a URL: an agent's vision model
looking at a file before it sends it (the MCP tool ``get_media`` with ``include_thumbnail``).

Thumbnails are small WebPs (longest side 480 px), but what is read is bounded all
the same: an object over the limit is not read at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib import storage
from chalicelib.domain.values import MediaFile
from chalicelib.errors import ObjectChanged

#: The largest thumbnail read (a 480 px WebP is tens of KB).
PREVIEW_MAX_BYTES = 1024 * 1024
THUMBNAIL_TYPE = "image/webp"


@dataclass(frozen=True)
class Preview:
    data: bytes
    mime_type: str


def read_preview(media: MediaFile, limit: int = PREVIEW_MAX_BYTES) -> Preview | None:
    """The file's thumbnail; None when it has none yet, its object is gone, or it is over ``limit`` bytes."""
    if media.thumbnail_key is None:
        return None
    bucket = storage.store()
    info = bucket.head_object(media.thumbnail_key)
    if info is None or info.size > limit:
        return None
    try:
        data = bucket.read_range(media.thumbnail_key, 0, info.size)
    except ObjectChanged:  # deleted with its file since the HEAD
        return None
    # Thumbnails (and video posters) are WebP by construction: thumbs/{account}/{stem}.webp.
    return Preview(data, THUMBNAIL_TYPE) if data else None
