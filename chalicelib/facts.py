"""A stored file probed again: the codecs and traits the probe reads today, for files recorded
before it read them (the reconciler's pass and ``manage.py media backfill``).

The object is read with the same bounded, ranged reads as at ingest (never the whole
object); what changes is the record's metadata, its traits, and so its delivery: a file a
channel cannot take now waits for its rendition (status ``processing``), which the
derivatives worker makes on the reconciler's next pass or at once with ``--make``.
"""

from __future__ import annotations

import dataclasses

from chalicelib import records, storage
from chalicelib.domain.values import MediaFile
from chalicelib.errors import ContentRejected


def needs_refresh(media: MediaFile) -> bool:
    """Recorded before the probe read its traits (and, for a video, its codecs)."""
    return media.traits is None


def refresh(media: MediaFile) -> MediaFile | None:
    """Probe the stored object again and record what it says (safe to repeat); the new
    record, or None when the object is gone, no longer passes the probe, or the record
    changed meanwhile."""
    from chalicelib import probe

    bucket = storage.store()
    info = bucket.head_object(media.storage_key)
    if info is None:
        return None
    reader = storage.RangedReader(bucket, media.storage_key, info.size, etag=info.etag)
    try:
        probed = probe.inspect(reader, info.size, media.file_type)  # type: ignore[arg-type]
    except ContentRejected:
        return None  # checked at ingest; what a newer probe refuses stays for people to decide
    refreshed = dataclasses.replace(media, metadata=probed.metadata, traits=probed.traits)
    if not media.thumbnail_key or refreshed.rendition_kind is not None:
        refreshed = refreshed.with_initial_delivery()  # a poster or a rendition is to be made
    return refreshed if records.store().save_facts(refreshed) else None
