"""The derivatives worker: what a new public file needs made off the request path
(docs/architecture.md, "Delivery").

On AWS its own Lambda function (with PyAV in a layer of its own) takes the bucket's
ObjectCreated events of ``media/`` keys: a promotion's copy or a direct upload's PUT;
locally the event pump runs it; the reconciler runs it again for any file whose work is
not done. For each file, read once into a working directory:

1. its thumbnail (images) or poster (videos): a WebP, longest side 480 px, as displayed;
2. its rendition, when a chat channel cannot take the original (domain.channels): made
   to WhatsApp's rule, the strictest, published under ``renditions/`` and recorded with
   the delivery status ``ready``; or, when none can be made (too long to fit 16 MB at a
   watchable quality), ``ready`` with the reason; or, when making it failed, ``failed``
   with the reason (the file is kept, the failure counted, the reconciler tries again).

Everything is safe to repeat: a repeated event finds the work done and does nothing.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from chalicelib import records, renditions, storage, telemetry, thumbnails
from chalicelib.domain.layout import parse_media_key, thumbnail_key
from chalicelib.domain.names import DeliveryStatus, FileType
from chalicelib.domain.values import Delivery, MediaFile

log = logging.getLogger(__name__)
#: Failures after which the reconciler stops trying (thumbnails, posters and renditions each).
MAX_ATTEMPTS = 3
#: A file's event may arrive a moment before its record is written: wait this long for it.
RECORD_WAIT_SECONDS = (0.2, 0.5, 1.0, 2.0)


class ThumbnailOutcome(StrEnum):
    MADE = "made"
    EXISTING = "existing"  # the record names a thumbnail already
    FAILED = "failed"  # the picture could not be rendered (counted; retried later)
    PENDING = "pending"  # made, but the record did not appear in time: the reconciler attaches it
    IGNORED = "ignored"  # not a file we store, or gone since


class RenditionOutcome(StrEnum):
    MADE = "made"
    EXISTING = "existing"  # made before
    NOT_NEEDED = "not_needed"  # every channel takes the original
    IMPOSSIBLE = "impossible"  # none can be made (recorded with its reason)
    FAILED = "failed"  # making it failed (counted; retried later)
    WAITING = "waiting"  # no record for it yet, or another file's: nothing done


@dataclass(frozen=True)
class Done:
    thumbnail: ThumbnailOutcome
    rendition: RenditionOutcome = RenditionOutcome.NOT_NEEDED

    def __str__(self) -> str:
        if self.thumbnail == ThumbnailOutcome.IGNORED:
            return str(ThumbnailOutcome.IGNORED)  # not a file of ours: nothing else was looked at
        return f"thumbnail {self.thumbnail}, rendition {self.rendition}"


def needs_work(record: MediaFile) -> bool:
    """A file whose thumbnail, poster or rendition is still to be made, and that has not
    failed too often (the reconciler's list)."""
    thumbnail = not record.thumbnail_key and record.thumbnail_attempts < MAX_ATTEMPTS
    delivery = record.delivery
    pending = delivery.status == DeliveryStatus.PROCESSING
    retry = delivery.status == DeliveryStatus.FAILED and delivery.attempts < MAX_ATTEMPTS
    return thumbnail or pending or retry


def make(key: str, media_id: int | None = None, *, deadline: float | None = None) -> Done:
    """Make what the file stored at ``key`` still needs (safe to repeat).

    ``media_id``: the record's id when known (the reconciler); else it is read from the
    object's metadata, which ingest writes with the file. ``deadline``: a
    ``time.monotonic()`` value to give up a transcode by (Lambda's remaining time).
    """
    parsed = parse_media_key(key)
    thumb = thumbnail_key(key)
    if parsed is None or thumb is None:
        return Done(ThumbnailOutcome.IGNORED)
    account_id, family = parsed
    with tempfile.TemporaryDirectory(prefix="derivatives-") as work:
        source = Path(work) / f"source{Path(key).suffix}"
        with source.open("wb") as sink:
            metadata = storage.store().read_object_into(key, sink)
        if metadata is None:
            return Done(ThumbnailOutcome.IGNORED)  # deleted since
        media_id = media_id or _media_id(metadata)
        if media_id is None:
            log.warning("derivatives: %s carries no media id", key)
            return Done(ThumbnailOutcome.IGNORED)
        thumbnail = _thumbnail(account_id, media_id, key, thumb, family, source)
        if thumbnail in (ThumbnailOutcome.IGNORED, ThumbnailOutcome.PENDING):
            return Done(thumbnail, RenditionOutcome.WAITING)
        return Done(thumbnail, _rendition(account_id, media_id, key, source, Path(work), deadline))


def _media_id(metadata: dict[str, str]) -> int | None:
    raw = metadata.get("media-id", "")
    return int(raw) if raw.isascii() and raw.isdigit() else None


def _thumbnail(
    account_id: str, media_id: int, key: str, thumb: str, family: FileType, source: Path
) -> ThumbnailOutcome:
    record = records.store().get_media(account_id, media_id, consistent=True)
    if record is not None and record.storage_key == key and record.thumbnail_key:
        return ThumbnailOutcome.EXISTING
    try:
        with source.open("rb") as picture:
            data = thumbnails.render(picture) if family == FileType.IMAGE else renditions.poster(source)
    except thumbnails.RenderError as exc:
        log.warning("derivatives: no thumbnail for %s: %s", key, exc)
        records.store().note_thumbnail_failure(account_id, media_id)
        return ThumbnailOutcome.FAILED
    storage.store().put_object(thumb, data, "image/webp")
    return _attach(account_id, media_id, key, thumb)


def _attach(account_id: str, media_id: int, key: str, thumb: str) -> ThumbnailOutcome:
    db, bucket = records.store(), storage.store()
    for pause in (*RECORD_WAIT_SECONDS, None):
        if db.set_thumbnail(account_id, media_id, key, thumb):
            return ThumbnailOutcome.MADE
        record = db.get_media(account_id, media_id, consistent=True)
        if record is not None:
            if record.storage_key == key and not record.thumbnail_key:
                continue  # written just after the update was refused: attach it again, at once
            if record.storage_key == key and record.thumbnail_key == thumb:
                return ThumbnailOutcome.EXISTING
            bucket.delete_object(thumb)  # the id holds another file: this thumbnail is nobody's
            return ThumbnailOutcome.IGNORED
        if bucket.head_object(key) is None:  # the file was refused or deleted: so is its thumbnail
            bucket.delete_object(thumb)
            return ThumbnailOutcome.IGNORED
        if pause is not None:
            time.sleep(pause)
    return ThumbnailOutcome.PENDING


def _rendition(
    account_id: str, media_id: int, key: str, source: Path, work: Path, deadline: float | None
) -> RenditionOutcome:
    db = records.store()
    record = db.get_media(account_id, media_id, consistent=True)
    if record is None or record.storage_key != key:
        return RenditionOutcome.WAITING
    kind, delivery = record.rendition_kind, record.delivery
    if kind is None or delivery.rendition is not None:
        if delivery.status != DeliveryStatus.READY:
            db.save_facts(
                dataclasses.replace(record, delivery=dataclasses.replace(delivery, status=DeliveryStatus.READY))
            )
        return RenditionOutcome.NOT_NEEDED if kind is None else RenditionOutcome.EXISTING
    if delivery.status == DeliveryStatus.READY and delivery.reason:
        return RenditionOutcome.IMPOSSIBLE
    if delivery.status == DeliveryStatus.FAILED and delivery.attempts >= MAX_ATTEMPTS:
        return RenditionOutcome.FAILED
    target = record.rendition_key
    assert target is not None
    try:
        made = renditions.make(kind, source, work, deadline=deadline)
    except renditions.RenditionFailed as exc:
        log.warning("derivatives: no rendition of %s: %s", key, exc.reason)
        failed = Delivery(DeliveryStatus.FAILED, None, exc.reason, delivery.attempts + 1)
        db.save_facts(dataclasses.replace(record, delivery=failed))
        return RenditionOutcome.FAILED
    if isinstance(made, renditions.Impossible):
        db.save_facts(dataclasses.replace(record, delivery=Delivery(DeliveryStatus.READY, None, made.reason)))
        return RenditionOutcome.IMPOSSIBLE
    rendition = made.file(target)
    ready = dataclasses.replace(record, delivery=Delivery(DeliveryStatus.READY, rendition))
    if ready.channels("original", "rendition")["whatsapp"].source != "rendition":
        # The engine checks its own limits; a rendition that misses the rule it was made to
        # (WhatsApp's, the strictest) is never published.
        failed = Delivery(
            DeliveryStatus.FAILED, None, "the rendition did not meet WhatsApp's rule", delivery.attempts + 1
        )
        db.save_facts(dataclasses.replace(record, delivery=failed))
        return RenditionOutcome.FAILED
    bucket = storage.store()
    bucket.put_object(target, made.body(), rendition.mime_type)
    if not db.save_facts(ready):
        bucket.delete_object(target)  # deleted, or the id holds another file: this rendition is nobody's
        return RenditionOutcome.WAITING
    return RenditionOutcome.MADE


def make_logged(key: str, deadline: float | None = None) -> Done:
    """make(), with its log line (and a failure metric when a thumbnail or rendition failed)."""
    started = time.perf_counter()
    done = make(key, deadline=deadline)
    ms = round((time.perf_counter() - started) * 1000, 1)
    metrics: dict[str, float] = {}
    if done.thumbnail == ThumbnailOutcome.FAILED:
        metrics["ThumbnailFailures"] = 1.0
    if done.rendition == RenditionOutcome.FAILED:
        metrics["RenditionFailures"] = 1.0
    telemetry.emit(
        "derivatives", metrics or None, key=key, ms=ms, thumbnail=str(done.thumbnail), rendition=str(done.rendition)
    )
    return done
