"""The tables' items as PynamoDB models, and the one place that points them at a table.

Only ``records`` uses these classes: it maps each item to the domain value
it stores (chalicelib.domain.values, chalicelib.domain.upload) and back. The
``Item`` suffix keeps them apart from those values. Tables and keys:
docs/architecture.md, "Data".

PynamoDB reads ``Meta.table_name``/``host``/``region`` from the class, so the
classes carry placeholders and :func:`bind` fills them from the settings on
first use (nothing happens at import).
"""

from __future__ import annotations

import threading
from typing import Any

import pynamodb.connection.base
from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.aws import new_session
from chalicelib.config import Settings, get_settings


class _Meta:
    table_name = "unbound"
    region = "us-east-1"
    host: str | None = None
    billing_mode = "PAY_PER_REQUEST"
    max_retry_attempts = 3
    connect_timeout_seconds = 5
    read_timeout_seconds = 10


class AccountItem(Model):
    class Meta(_Meta):
        table_suffix = "accounts"

    account_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    media_limit = NumberAttribute(null=True)
    media_count = NumberAttribute(default=0)
    image_count = NumberAttribute(default=0)
    video_count = NumberAttribute(default=0)
    bytes_used = NumberAttribute(default=0)
    next_media_id = NumberAttribute(default=0)
    created_at = UnicodeAttribute()


class KeysByAccount(GlobalSecondaryIndex["ApiKeyItem"]):
    class Meta:
        index_name = "by-account"
        projection = AllProjection()

    account_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ApiKeyItem(Model):
    """An API key, stored only as its SHA-256 (the key itself is shown once)."""

    class Meta(_Meta):
        table_suffix = "api-keys"

    key_hash = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    prefix = UnicodeAttribute()
    created_at = UnicodeAttribute()
    revoked_at = UnicodeAttribute(null=True)
    # When a request last used the key, written at most every few minutes (chalicelib.auth).
    last_used_at = UnicodeAttribute(null=True)
    by_account = KeysByAccount()


class MediaByType(GlobalSecondaryIndex["MediaItem"]):
    """Newest-first listing of one account's images or videos (``type_key`` = ``{account}#{type}``)."""

    class Meta:
        index_name = "by-type"
        projection = AllProjection()

    type_key = UnicodeAttribute(hash_key=True)
    media_id = NumberAttribute(range_key=True)


#: What a search reads of each file: its folded text and the filters' attributes, a tenth of
#: the item (docs/architecture.md, "Search").
SEARCH_PROJECTION = [
    "name_lower",
    "tags_folded",
    "original_lower",
    "description_folded",
    "file_type",
    "tags",
    "channels",
]


class MediaSearch(GlobalSecondaryIndex["MediaItem"]):
    """One account's files as a search reads them: keys and a compact projection."""

    class Meta:
        index_name = "search"
        projection = IncludeProjection(SEARCH_PROJECTION)

    account_id = UnicodeAttribute(hash_key=True)
    media_id = NumberAttribute(range_key=True)


class MediaItem(Model):
    class Meta(_Meta):
        table_suffix = "media"

    account_id = UnicodeAttribute(hash_key=True)
    media_id = NumberAttribute(range_key=True)
    type_key = UnicodeAttribute()
    name = UnicodeAttribute()
    original_name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    tags = ListAttribute(of=UnicodeAttribute, null=True)
    # The searchable fields folded (lower-cased, accents removed: domain.search.Folded), each
    # beside its field, so a change rewrites only its own copy.
    name_lower = UnicodeAttribute()
    original_lower = UnicodeAttribute()
    description_folded = UnicodeAttribute(null=True)
    tags_folded = UnicodeAttribute(null=True)
    storage_key = UnicodeAttribute()
    upload_id = UnicodeAttribute()
    file_type = UnicodeAttribute()
    mime_type = UnicodeAttribute()
    extension = UnicodeAttribute()
    file_size = NumberAttribute()
    metadata = JSONAttribute(null=True)
    uploaded_by = UnicodeAttribute()
    is_active = BooleanAttribute(default=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # thumbs/{account}/{name}.webp once made; attempts that failed so far.
    thumbnail_key = UnicodeAttribute(null=True)
    thumbnail_attempts = NumberAttribute(null=True)
    # Bumped by every change of the representation (rename, thumbnail): the ETag's
    # base, so If-Match is decided inside the conditional write.
    version = NumberAttribute(default=1)
    # What the probe found for the channel rules (domain.traits), and where the file's
    # derivatives stand (domain.values.Delivery): status, the rendition, why not, failures;
    # ``channels``: the ones that can take it now, for ``?channel=`` (derived when written).
    traits = JSONAttribute(null=True)
    delivery_status = UnicodeAttribute(null=True)
    delivery_reason = UnicodeAttribute(null=True)
    delivery_attempts = NumberAttribute(null=True)
    rendition = JSONAttribute(null=True)
    channels = ListAttribute(of=UnicodeAttribute, null=True)
    by_type = MediaByType()
    search = MediaSearch()


class SessionsByAccount(GlobalSecondaryIndex["UploadItem"]):
    class Meta:
        index_name = "by-account"
        projection = KeysOnlyProjection()

    account_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class UploadItem(Model):
    """One object's way in: created before the bytes arrive, closed by ingest."""

    class Meta(_Meta):
        table_suffix = "uploads"

    upload_id = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    # The public key of the file: set at creation for a direct upload, when the
    # file is recorded for a presigned one (its bytes wait at a staging key).
    storage_key = UnicodeAttribute(null=True)
    filename = UnicodeAttribute()
    name = UnicodeAttribute()
    extension = UnicodeAttribute()
    file_type = UnicodeAttribute()
    declared_size = NumberAttribute(null=True)
    content_type = UnicodeAttribute(null=True)
    uploaded_by = UnicodeAttribute()
    status = UnicodeAttribute()  # names.SessionStatus
    flow = UnicodeAttribute(default="direct")  # names.UploadFlow
    acknowledged_at = UnicodeAttribute(null=True)  # first successful `complete` answer
    media_id = NumberAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    reason_message = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    expires_ttl = TTLAttribute(null=True)
    by_account = SessionsByAccount()


class IdempotencyItem(Model):
    """The first answer to a POST with an Idempotency-Key, kept 24 h."""

    class Meta(_Meta):
        table_suffix = "idempotency"

    account_id = UnicodeAttribute(hash_key=True)
    idempotency_key = UnicodeAttribute(range_key=True)
    fingerprint = UnicodeAttribute()  # SHA-256 of method, route and body
    status = UnicodeAttribute()  # in_progress | done
    locked_until = NumberAttribute()  # epoch seconds: an in-progress record older than this was abandoned
    response_status = NumberAttribute(null=True)
    response_body = UnicodeAttribute(null=True)
    response_headers = JSONAttribute(null=True)
    created_at = UnicodeAttribute()
    expires_ttl = TTLAttribute()


MODELS: tuple[type[Model], ...] = (AccountItem, ApiKeyItem, MediaItem, UploadItem, IdempotencyItem)

_lock = threading.Lock()
_bound: Settings | None = None
_connection: Connection | None = None


def bind(settings: Settings | None = None) -> Settings:
    """Point every model at the configured tables (idempotent, thread-safe)."""
    global _bound, _connection
    settings = settings or get_settings()
    if _bound is settings:
        return settings
    with _lock:
        if _bound is not settings:
            # PynamoDB has no hook for its botocore session; point the name it
            # calls at ours so every connection shares the parsed service models.
            pynamodb.connection.base.get_session = new_session
            for model in MODELS:
                meta: Any = model.Meta
                meta.table_name = settings.table_name(meta.table_suffix)
                meta.region = settings.region
                meta.host = settings.dynamodb_endpoint_url
                model._connection = None
            _connection = Connection(
                region=settings.region,
                host=settings.dynamodb_endpoint_url,
                max_retry_attempts=_Meta.max_retry_attempts,
                connect_timeout_seconds=_Meta.connect_timeout_seconds,
                read_timeout_seconds=_Meta.read_timeout_seconds,
            )
            _bound = settings
    return settings


def unbind() -> None:
    """Forget the binding (tests and the local stack switch endpoints)."""
    global _bound, _connection
    with _lock:
        _bound = None
        _connection = None
        for model in MODELS:
            model._connection = None


def transaction() -> TransactWrite:
    """A TransactWrite on the bound connection."""
    bind()
    assert _connection is not None
    return TransactWrite(connection=_connection)


def create_tables() -> list[str]:
    """Create every missing table and wait for it (bootstrap, local stack, tests).

    PynamoDB turns on the TTL of UploadSession.expires_ttl as part of it.
    """
    bind()
    created = []
    for model in MODELS:
        if not model.exists():
            model.create_table(wait=True)
            created.append(model.Meta.table_name)
    return created
