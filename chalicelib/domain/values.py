"""The values the use cases work with: an account, an API key, a media file.

Frozen dataclasses: ``records`` builds them from table items and writes them
back; ``presenters`` turn them into the contract's JSON. A change is a new
value (``dataclasses.replace``), written by a conditional write in records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.layout import thumbnail_key
from chalicelib.domain.names import FileType, Uploader
from chalicelib.domain.search import Folded


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

    @property
    def is_admin_file(self) -> bool:
        return self.uploaded_by == Uploader.ADMIN

    @property
    def folded(self) -> Folded:
        """Its searchable fields as search compares them."""
        return Folded.of(self.name, self.original_name, self.description, self.tags)

    @property
    def derived_keys(self) -> list[str]:
        """The public objects made from this file (whether made yet or not): what a
        delete removes besides the file itself."""
        thumb = thumbnail_key(self.storage_key)
        return [thumb] if thumb is not None and self.file_type == FileType.IMAGE else []


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
