"""MediaFile rules: allowed types, names, storage keys, sizes and the JSON shape."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
import unicodedata
from datetime import UTC, datetime
from typing import Any, Protocol

from chalicelib.config import get_settings

#: Allowed extensions and the family each belongs to (DESIGN §3.2).
EXTENSIONS: dict[str, str] = {
    "jpg": "image",
    "jpeg": "image",
    "png": "image",
    "gif": "image",
    "mp4": "video",
    "avi": "video",
    "mov": "video",
    "wmv": "video",
    "flv": "video",
    "webm": "video",
}
#: The Content-Type an upload form pins for each extension (the public object
#: gets the sniffed type at ingest, whatever the name said).
MIME_TYPES: dict[str, str] = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "mp4": "video/mp4",
    "avi": "video/x-msvideo",
    "mov": "video/quicktime",
    "wmv": "video/x-ms-wmv",
    "flv": "video/x-flv",
    "webm": "video/webm",
}
#: The extension a sniffed type is stored under when the name's does not fit
#: its content (Laravel's guessExtension(): PNG bytes named photo.jpg -> png).
CANONICAL_EXTENSIONS: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "video/mp4": "mp4",
    "video/x-msvideo": "avi",
    "video/quicktime": "mov",
    "video/x-ms-wmv": "wmv",
    "video/x-flv": "flv",
    "video/webm": "webm",
}
FILE_TYPES = ("image", "video")
ALLOWED_LIST = ", ".join(EXTENSIONS)
NAME_MAX = 255
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

# Bidirectional overrides/isolates make "photo\u202egnp.exe" display as
# "photoexe.png": refused in names, stripped from original filenames.
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)}
#: Public files, their thumbnails, and the private staging area of presigned uploads.
MEDIA_PREFIX = "media/"
THUMBNAIL_PREFIX = "thumbs/"
STAGING_PREFIX = "uploads/"
_MEDIA_RE = re.compile(
    r"^media/(?P<account>[A-Za-z0-9_-]{1,64})/(?P<dir>images|videos)/(?P<stem>\d{1,12}_[a-f0-9]{32})\.[a-z0-9]{1,5}$"
)
_STAGED_RE = re.compile(r"^uploads/(?P<account>[A-Za-z0-9_-]{1,64})/(?P<upload>[a-f0-9]{32})$")


class MediaRecord(Protocol):
    """What to_json reads (PynamoDB numbers come back as floats)."""

    media_id: int | float
    name: str
    original_name: str
    storage_key: str
    file_type: str
    mime_type: str
    extension: str
    file_size: int | float
    metadata: dict[str, Any] | None
    uploaded_by: str
    is_active: bool
    created_at: str
    updated_at: str

    @property
    def thumbnail_key(self) -> str | None: ...


#: An entity-tag of an If-Match / If-None-Match list: "opaque", W/"opaque", or *.
_ENTITY_TAG = re.compile(r'\s*(?:(W/)?"([^"]*)"|(\*))\s*(?:,|$)')


def now_iso() -> str:
    """Current UTC time in the contract's format (microseconds, ``Z``)."""
    return datetime.now(UTC).strftime(TIMESTAMP_FORMAT)


def formatted_size(size: int) -> str:
    """1024-based, at most 2 decimals, trailing zeros dropped: 204800 -> '200 KB'."""
    units = ("B", "KB", "MB", "GB")
    value, index = float(size), 0
    while value >= 1024 and index < len(units) - 1:
        value /= 1024
        index += 1
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return f"{text} {units[index]}"


def extension_of(filename: str) -> str:
    """Lower-case extension without the dot ('' when there is none)."""
    base = filename.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[1].lower() if "." in base else ""


def family_of(extension: str) -> str | None:
    return EXTENSIONS.get(extension)


def _is_unsafe_char(char: str) -> bool:
    return char in _BIDI or unicodedata.category(char) in ("Cc", "Cs")


def clean_original_name(filename: str) -> str:
    """The client's filename made safe to store and show.

    Path components are dropped (``../../etc/passwd.jpg`` -> ``passwd.jpg``),
    control and bidi characters removed, and long names shortened keeping the
    extension. The result is only ever displayed; storage keys never use it.
    """
    base = re.split(r"[\\/]", filename)[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if not _is_unsafe_char(c)).strip()
    base = base.lstrip(".") or "file"
    if len(base) > NAME_MAX:
        ext = extension_of(base)
        keep = NAME_MAX - len(ext) - 1 if ext else NAME_MAX
        base = base[:keep] + (f".{ext}" if ext else "")
    return base


def name_errors(value: Any, field: str = "name") -> list[str]:
    """Messages for a display name that cannot be accepted (empty when valid)."""
    if not isinstance(value, str):
        return [f"The {field} field must be a string."]
    text = value.strip()
    if not text:
        return [f"The {field} field is required."]
    if len(text) > NAME_MAX:
        return [f"The {field} field must not be greater than {NAME_MAX} characters."]
    if any(_is_unsafe_char(c) for c in text):
        return [f"The {field} field must not contain control characters."]
    return []


def new_upload_id() -> str:
    return secrets.token_hex(16)


def extension_for(mime_type: str, declared: str) -> str:
    """The stored extension: the name's when it fits the content, else the content's own."""
    return declared if MIME_TYPES.get(declared) == mime_type else CANONICAL_EXTENSIONS[mime_type]


def media_key(account_id: str, file_type: str, extension: str) -> str:
    """A new public key ``media/{account}/{images|videos}/{ts}_{random}.{ext}``.

    Random per call: two ingests of one upload racing each other promote to
    two keys, and the one whose record loses deletes its own copy.
    """
    return f"{MEDIA_PREFIX}{account_id}/{file_type}s/{int(time.time())}_{secrets.token_hex(16)}.{extension}"


def thumbnail_key(media_key: str) -> str | None:
    """Where the thumbnail of the file at ``media_key`` lives: ``thumbs/{account}/{name}.webp``
    (None when the key is not a public media key)."""
    match = _MEDIA_RE.match(media_key)
    return f"{THUMBNAIL_PREFIX}{match['account']}/{match['stem']}.webp" if match else None


def parse_media_key(key: str) -> tuple[str, str] | None:
    """(account_id, file type) of a public media key we generate, else None."""
    match = _MEDIA_RE.match(key)
    return (match["account"], match["dir"][:-1]) if match else None


def staged_key(account_id: str, upload_id: str) -> str:
    """The private key a session's presigned form writes to."""
    return f"{STAGING_PREFIX}{account_id}/{upload_id}"


def parse_staged_key(key: str) -> tuple[str, str] | None:
    """(account_id, upload_id) of a staging key we issued, else None."""
    match = _STAGED_RE.match(key)
    return (match["account"], match["upload"]) if match else None


def media_json(record: MediaRecord) -> dict[str, Any]:
    """The MediaFile object of DESIGN §3.1, field for field."""
    public_base_url = get_settings().public_base_url
    return {
        "id": int(record.media_id),
        "name": record.name,
        "original_name": record.original_name,
        "url": f"{public_base_url}/{record.storage_key}",
        "file_type": record.file_type,
        "mime_type": record.mime_type,
        "extension": record.extension,
        "file_size": int(record.file_size),
        "formatted_size": formatted_size(int(record.file_size)),
        "metadata": record.metadata or None,
        "uploaded_by": record.uploaded_by,
        "is_active": bool(record.is_active),
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "thumbnail_url": f"{public_base_url}/{record.thumbnail_key}" if record.thumbnail_key else None,
    }


def etag(account_id: str, media_id: int, version: int) -> str:
    """A strong ETag of a MediaFile's representation: its record's version (bumped by
    every change), with a digest that ties it to this file and this deployment."""
    digest = hashlib.sha256(f"{account_id}/{media_id}/{version}/{get_settings().public_base_url}".encode())
    return f'"{version}-{digest.hexdigest()[:16]}"'


def parse_entity_tags(header: str) -> list[str] | None:
    """The strong tags of an If-Match / If-None-Match value (quotes kept; ``*`` as itself),
    weak ones prefixed ``W/``; None when the header is not a list of entity-tags."""
    tags, pos = [], 0
    while pos < len(header):
        match = _ENTITY_TAG.match(header, pos)
        if match is None or match.end() == pos:
            return None
        tags.append("*" if match[3] else f'{match[1] or ""}"{match[2]}"')
        pos = match.end()
    return tags or None


def none_match(if_none_match: str | None, current: str) -> bool:
    """Whether If-None-Match names ``current`` (weak comparison, RFC 9110 §13.1.2) or is ``*``."""
    tags = (parse_entity_tags(if_none_match) if if_none_match else None) or []
    return "*" in tags or current in {t.removeprefix("W/") for t in tags}


def version_in_tag(tag: str, account_id: str, media_id: int) -> int | None:
    """The record version a strong tag of ours names (None: not one of this file's tags)."""
    head = tag.strip('"').split("-", 1)[0]
    if not (head.isascii() and head.isdigit()) or len(head) > 12:
        return None
    version = int(head)
    return version if etag(account_id, media_id, version) == tag else None
