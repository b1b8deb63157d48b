"""The use cases on one file: get, rename, delete, with conditional requests.

Plain functions taking plain values; every one takes the account id from the
authenticated key and uses it as the partition key of every read and write.
Listing lives in ``listing.py``, uploads in ``uploads.py``.

ETags name a record's version (chalicelib.domain.etags); ``If-Match`` becomes a
condition of the write itself, never a read before it (docs/architecture.md,
"Conditional requests").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib import records, storage
from chalicelib.config import get_settings
from chalicelib.domain.clock import now_text
from chalicelib.domain.etags import etag, none_match, parse_entity_tags, version_in_tag
from chalicelib.domain.fields import clean_description, clean_tags, description_errors, name_errors, tags_errors
from chalicelib.domain.values import MediaChanges, MediaFile
from chalicelib.errors import AdminFileProtected, InvalidInput, MediaNotFound, PreconditionFailed


@dataclass(frozen=True)
class Tagged:
    """A MediaFile and its ETag; ``media`` None: the caller's copy is current (304)."""

    media: MediaFile | None
    etag: str


def _etag(account_id: str, media_id: int, version: int) -> str:
    return etag(account_id, media_id, version, get_settings().public_base_url)


def parse_media_id(raw: str) -> int:
    """Path ids that are not positive integers are simply not found (no enumeration hints)."""
    # ASCII only: str.isdigit() also takes "²" and "３" (int("３") is 3).
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18 or int(raw) < 1:
        raise MediaNotFound()
    return int(raw)


def _get_record(account_id: str, raw_id: str) -> MediaFile:
    record = records.store().get_media(account_id, parse_media_id(raw_id))
    if record is None:
        raise MediaNotFound()
    return record


def _tagged(record: MediaFile) -> Tagged:
    return Tagged(record, _etag(record.account_id, record.media_id, record.version))


def get_media(account_id: str, raw_id: str, if_none_match: str | None = None) -> Tagged:
    """The file; with If-None-Match naming its current ETag (or ``*``), no body (304)."""
    found = _tagged(_get_record(account_id, raw_id))
    return Tagged(None, found.etag) if none_match(if_none_match, found.etag) else found


def _expected_versions(account_id: str, media_id: int, if_match: str | None) -> list[int] | None:
    """The versions If-Match allows (None: any); PreconditionFailed when none can match.

    Strong comparison (RFC 9110 §13.1.1): weak tags and tags that are not this
    file's never match; a malformed header cannot match either.
    """
    if if_match is None:
        return None
    tags = parse_entity_tags(if_match)
    if tags is None:
        raise PreconditionFailed("The If-Match header is not a list of entity-tags.")
    if "*" in tags:
        return None
    deployment = get_settings().public_base_url
    versions = {v for t in tags if (v := version_in_tag(t, account_id, media_id, deployment)) is not None}
    if not versions:
        raise PreconditionFailed()
    return sorted(versions)


def _stale_or_gone(account_id: str, media_id: int) -> PreconditionFailed | MediaNotFound:
    """Why a conditional write failed: read once the write has decided."""
    exists = records.store().get_media(account_id, media_id, consistent=True) is not None
    return PreconditionFailed() if exists else MediaNotFound()


def parse_changes(body: Any) -> MediaChanges:
    """A PUT body's changes: any of ``name``, ``description`` (null clears it) and ``tags``, at
    least one; every other field is ignored. InvalidInput names each bad field."""
    if not isinstance(body, dict):
        raise InvalidInput({"name": ["The request body must be a JSON object with a name."]})
    given = {k for k in ("name", "description", "tags") if k in body}
    if not given or body.get("name", "") is None:
        raise InvalidInput({"name": ["The name field is required."]})
    errors: dict[str, list[str]] = {}
    checks: dict[str, Callable[[Any], list[str]]] = {
        "name": name_errors,
        "description": description_errors,
        "tags": tags_errors,
    }
    for field in sorted(given):
        problems = checks[field](body[field])
        if problems:
            errors[field] = problems
    if errors:
        raise InvalidInput(errors)
    return MediaChanges(
        name=body["name"].strip() if "name" in given else None,
        description=clean_description(body["description"]) if "description" in given else None,
        sets_description="description" in given,
        tags=clean_tags(body["tags"]) if "tags" in given else None,
    )


def update_media(account_id: str, raw_id: str, body: Any, if_match: str | None = None) -> Tagged:
    """Change the display name, the description or the tags (a name alone: the contract's
    rename), in one conditional write."""
    media_id = parse_media_id(raw_id)
    changes = parse_changes(body)
    versions = _expected_versions(account_id, media_id, if_match)
    updated = records.store().update_media(account_id, media_id, changes, now_text(), versions=versions)
    if updated is None:
        raise _stale_or_gone(account_id, media_id) if versions else MediaNotFound()
    return _tagged(updated)


def delete_media(account_id: str, raw_id: str, if_match: str | None = None) -> None:
    """Delete the stored object, then the record and its plan slot.

    Object first: if the record delete fails, a retry (the record is still
    there) or the reconciler finishes the job; deleting a missing object
    succeeds, so every retry converges to "no record, no object". With
    If-Match, a conditional write that changes nothing decides first.
    """
    record = _get_record(account_id, raw_id)
    if record.is_admin_file:
        raise AdminFileProtected()
    db, bucket = records.store(), storage.store()
    versions = _expected_versions(account_id, record.media_id, if_match)
    if versions and not db.confirm_version(account_id, record.media_id, versions):
        raise _stale_or_gone(account_id, record.media_id)
    bucket.delete_object(record.storage_key)
    for derived in record.derived_keys:  # made, or maybe being made right now
        bucket.delete_object(derived)
    from chalicelib import cdn  # here, not at import: the API's cold start (bench import_ratio)

    # Before the record goes: a failed send answers 503 and the retry sends again.
    cdn.forget([record.storage_key, *record.derived_keys])
    if not db.delete_media_record(record, client_only=True):
        raise MediaNotFound()
