"""Where objects live in the bucket, and which function an event under each prefix goes to.

Keys are generated here and only here (a client's filename never reaches a key):

* ``media/{account}/{images|videos}/{unix_ts}_{32 hex}.{ext}``: public files;
* ``thumbs/{account}/{stem}.webp``: their thumbnails, and videos' posters (public);
* ``renditions/{account}/{stem}.{mp4|jpg}``: the one rendition a file gets when a chat
  channel cannot take the original (public);
* ``uploads/{account}/{upload_id}``: the private staging area presigned forms write to.

Storage events carry keys URL-encoded (spaces as ``+``); :func:`event_objects`
decodes them once, and :data:`ROUTES` is the one table that says which
function takes the objects created under each prefix: the deploy template,
post-deploy, the local event pump, the failed-event redrive and the Lambda
handlers all read it (docs/architecture.md, "Events").
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import unquote_plus

from chalicelib.domain.names import FileType

MEDIA_PREFIX = "media/"
THUMBNAIL_PREFIX = "thumbs/"
RENDITION_PREFIX = "renditions/"
STAGING_PREFIX = "uploads/"
#: Prefixes anyone may read (the bucket policy's grant, the CDN's behaviours): the files, their
#: thumbnails or posters, their per-channel renditions; never the staging area.
PUBLIC_PREFIXES = (MEDIA_PREFIX, THUMBNAIL_PREFIX, RENDITION_PREFIX)

_MEDIA_RE = re.compile(
    r"^media/(?P<account>[A-Za-z0-9_-]{1,64})/(?P<dir>images|videos)/(?P<stem>\d{1,12}_[a-f0-9]{32})\.[a-z0-9]{1,5}$"
)
_STAGED_RE = re.compile(r"^uploads/(?P<account>[A-Za-z0-9_-]{1,64})/(?P<upload>[a-f0-9]{32})$")

#: Bucket events that start ingest, on STAGING_PREFIX only: promoted copies
#: and direct uploads land under media/ and never trigger it.
INGEST_EVENTS = (
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:CompleteMultipartUpload",
)
#: Bucket events that start a thumbnail, on MEDIA_PREFIX: a promotion is a copy,
#: a direct upload a PUT.
THUMBNAIL_EVENTS = ("s3:ObjectCreated:Put", "s3:ObjectCreated:Copy")


class Route(NamedTuple):
    """Objects created under ``prefix`` (by one of ``events``) go to the Lambda function ``function``."""

    prefix: str
    events: tuple[str, ...]
    function: str


ROUTES: tuple[Route, ...] = (
    Route(STAGING_PREFIX, INGEST_EVENTS, "ingest"),
    Route(MEDIA_PREFIX, THUMBNAIL_EVENTS, "derivatives"),
)


def route_of(key: str) -> Route | None:
    """The route an object's key belongs to (None: no function takes it)."""
    return next((route for route in ROUTES if key.startswith(route.prefix)), None)


@dataclass(frozen=True)
class EventObject:
    """One object of a storage event: its bucket and its key, decoded."""

    bucket: str
    key: str


def event_objects(event: dict[str, Any]) -> list[EventObject]:
    """The objects an S3 event notification says were created (other records are left out)."""
    found = []
    for record in event.get("Records") or []:
        if not str(record.get("eventName", "ObjectCreated")).startswith("ObjectCreated"):
            continue
        s3 = record.get("s3") or {}
        key = unquote_plus(str((s3.get("object") or {}).get("key", "")))
        found.append(EventObject(str((s3.get("bucket") or {}).get("name", "")), key))
    return found


def media_key(account_id: str, file_type: FileType, extension: str) -> str:
    """A new public key ``media/{account}/{images|videos}/{ts}_{random}.{ext}``.

    Random per call: two ingests of one upload racing each other promote to
    two keys, and the one whose record loses deletes its own copy.
    """
    return f"{MEDIA_PREFIX}{account_id}/{file_type.folder}/{int(time.time())}_{secrets.token_hex(16)}.{extension}"


def parse_media_key(key: str) -> tuple[str, FileType] | None:
    """(account_id, file type) of a public media key we generate, else None."""
    match = _MEDIA_RE.match(key)
    return (match["account"], FileType(match["dir"][:-1])) if match else None


def thumbnail_key(media_key: str) -> str | None:
    """Where the thumbnail of the file at ``media_key`` lives (None: not a public media key)."""
    match = _MEDIA_RE.match(media_key)
    return f"{THUMBNAIL_PREFIX}{match['account']}/{match['stem']}.webp" if match else None


def rendition_key(media_key: str, extension: str) -> str | None:
    """Where the rendition of the file at ``media_key`` lives: ``renditions/{account}/{stem}.{ext}``
    (None when the key is not a public media key)."""
    match = _MEDIA_RE.match(media_key)
    return f"{RENDITION_PREFIX}{match['account']}/{match['stem']}.{extension}" if match else None


def staged_key(account_id: str, upload_id: str) -> str:
    """The private key a session's presigned form writes to."""
    return f"{STAGING_PREFIX}{account_id}/{upload_id}"


def parse_staged_key(key: str) -> tuple[str, str] | None:
    """(account_id, upload_id) of a staging key we issued, else None."""
    match = _STAGED_RE.match(key)
    return (match["account"], match["upload"]) if match else None


def new_upload_id() -> str:
    return secrets.token_hex(16)
