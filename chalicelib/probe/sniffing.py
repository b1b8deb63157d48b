"""Which allowed type a file is, from its first bytes (magic numbers via ``filetype``)."""

from __future__ import annotations

from dataclasses import dataclass

import filetype

# filetype itself never looks past 8192 bytes; WebM's DocType and an MP4's
# whole ftyp box sit well inside that.
SNIFF_BYTES = 8192

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif"})
VIDEO_TYPES = frozenset(
    {"video/mp4", "video/quicktime", "video/webm", "video/x-msvideo", "video/x-ms-wmv", "video/x-flv"}
)
# An animated PNG is a valid PNG (same signature, extra chunks): accept it
# under the type its extension promises.
_MIME_ALIASES = {"image/apng": "image/png"}


@dataclass(frozen=True)
class Sniffed:
    mime_type: str
    family: str  # "image" | "video"


def sniff(head: bytes) -> Sniffed | None:
    """Type of ``head`` (the file's first bytes) if it is an allowed format.

    None when the bytes are not one of the allowed image/video formats
    (HTML, SVG, PHP, ZIP, PDF, WebP, text, ... -> None). The whole registry
    of filetype is consulted, not only the allowed matchers, so a file is
    given its most specific type first (e.g. HEIC is not taken for MP4).
    """
    kind = filetype.guess(bytes(head[:SNIFF_BYTES]))
    if kind is None:
        return None
    mime = _MIME_ALIASES.get(kind.mime, kind.mime)
    if mime in IMAGE_TYPES:
        return Sniffed(mime, "image")
    return Sniffed(mime, "video") if mime in VIDEO_TYPES else None
