"""Thumbnails: a WebP of every image, longest side 480 px, as displayed.

Made off the request path: on AWS by the bucket's ObjectCreated event of the
file's public key (its promotion copy, or a direct upload's PUT), locally by
the event pump, and by the reconciler for any image still without one. The
file is read once, streamed into a spool (memory up to 8 MB, then disk), so
never more than its size travels and a 50 MB file never sits in memory twice.

The image itself passed the probe (type, structure, the 40 Mpx bomb limit)
before it was recorded; the limit is checked again before any pixel is
decoded. A failure never loses the file: it keeps ``thumbnail_url: null``,
the attempt is counted, and the reconciler tries again (at most
MAX_ATTEMPTS times). Videos have no thumbnail (no light poster-frame
decoder runs on Lambda without native binaries): ``thumbnail_url`` is null.
"""

from __future__ import annotations

import io
import logging
import tempfile
import time
import warnings
from enum import StrEnum
from typing import Any, BinaryIO

from chalicelib import records, storage, telemetry
from chalicelib.domain.layout import parse_media_key, thumbnail_key
from chalicelib.domain.names import FileType
from chalicelib.domain.values import MediaFile

log = logging.getLogger(__name__)
MAX_SIDE = 480
QUALITY = 80
MAX_PIXELS = 40_000_000  # the probe's bomb limit (chalicelib.probe.inspect)
MAX_ATTEMPTS = 3
SPOOL_BYTES = 8 * 1024 * 1024
#: A file's event may arrive a moment before its record is written: wait this long for it.
RECORD_WAIT_SECONDS = (0.2, 0.5, 1.0, 2.0)
#: EXIF orientation -> the transposition that displays it upright (as Pillow's ImageOps).
_UPRIGHT = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE", 6: "ROTATE_270"}
_UPRIGHT.update({7: "TRANSVERSE", 8: "ROTATE_90"})


class ThumbnailOutcome(StrEnum):
    MADE = "made"
    EXISTING = "existing"  # the record names a thumbnail already
    FAILED = "failed"  # the image could not be rendered (counted; retried later)
    PENDING = "pending"  # made, but the record did not appear in time: the reconciler attaches it
    IGNORED = "ignored"  # not an image we store, or gone since


class RenderError(Exception):
    """The image cannot be rendered (too large, or Pillow cannot decode it)."""


def render(source: BinaryIO, max_pixels: int = MAX_PIXELS) -> bytes:
    """A WebP of ``source``'s first frame, upright, longest side at most MAX_SIDE."""
    from PIL import Image  # Pillow stays off the API's import path

    try:
        with warnings.catch_warnings():
            # Pillow warns (not raises) between its own limit and twice it: the size check
            # below is the one that decides, before any pixel is decoded.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(source)
        with img:
            if img.width * img.height > max_pixels:
                raise RenderError(f"{img.width}x{img.height} is over the {max_pixels:,} pixel limit")
            orientation = img.getexif().get(0x0112, 1)
            img.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at 1/2..1/8 scale
            frame = _displayable(_reduced(img))  # an animated GIF's first frame: open() stands on it
        frame.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        if orientation in _UPRIGHT:
            frame = frame.transpose(Image.Transpose[_UPRIGHT[orientation]])
        out = io.BytesIO()
        frame.save(out, "WEBP", quality=QUALITY, method=4)
    except RenderError:
        raise
    except Exception as exc:  # Pillow raises many types on undecodable data
        raise RenderError(f"{type(exc).__name__}: {exc}") from exc
    return out.getvalue()


def _reduced(img: Any) -> Any:
    """The image box-reduced by a whole factor to about twice the thumbnail, strip by strip,
    each strip first converted to the few modes the rest of the work needs
    (:func:`_working_mode`), so the full-size pixels are held once, in their own mode,
    and never copied or widened.

    Pillow's own reduce() and resize() copy the whole image first (resize also into
    premultiplied form for alpha), and converting a whole 40 Mpx image to RGBA holds
    160 MB more: a crafted 16-bit grey PNG (80 MB of pixels, 78 KB on disk) took
    385 MB, a 1-bit palette with a transparent entry (5 KB) 360 MB. Strips of 64
    output rows cost a few MB; alpha is premultiplied per strip, so transparent
    pixels do not darken the edges next to them.
    """
    from PIL import Image

    factor = max(img.width, img.height) // (2 * MAX_SIDE)
    if factor < 2:
        return img
    mode = _working_mode(img)
    width, height = img.width - img.width % factor, img.height - img.height % factor
    out = Image.new(mode, (width // factor, height // factor))
    rows = factor * 64
    for top in range(0, height, rows):
        strip = img.crop((0, top, width, min(top + rows, height)))
        strip = strip if strip.mode == mode else _converted(strip, mode)
        if mode == "RGBA":
            part = strip.convert("RGBa").reduce(factor).convert("RGBA")
        else:
            part = strip.reduce(factor)
        out.paste(part, (0, top // factor))
    # The tRNS key, if any, is applied: the reduced image's transparency is its alpha.
    out.info = {k: v for k, v in img.info.items() if k != "transparency"}
    return out


#: Greys wider than 8 bits (PNG's 16-bit grey opens as I;16): scaled down, never clipped.
_WIDE_GREYS = frozenset({"I;16", "I;16B", "I;16L", "I", "F"})


def _working_mode(img: Any) -> str:
    """What an image is reduced in: L or CMYK when opaque, RGB, or RGBA when it has any
    transparency (an alpha band, a palette's transparent entries, a tRNS key)."""
    transparent = img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info
    if transparent:
        return "RGBA"
    if img.mode in _WIDE_GREYS or img.mode in ("1", "L"):
        return "L"
    return "CMYK" if img.mode == "CMYK" else "RGB"


def _converted(img: Any, mode: str) -> Any:
    """A copy of ``img`` (a strip, or a small image) in ``mode``. Pillow applies palettes
    and the tRNS key of 8-bit images; the key of a 16-bit grey is applied here (Pillow's
    convert compares it with 8-bit values, so it never matches)."""
    from PIL import Image, ImageMath

    if img.mode not in _WIDE_GREYS:
        return img.convert(mode)
    wide = img.convert("I")
    grey = wide.point(lambda v: v * (1 / 256)).convert("L")
    if mode == "L":
        return grey
    if "transparency" not in img.info:
        return grey.convert(mode)
    key = int(img.info["transparency"])
    alpha = ImageMath.lambda_eval(lambda a: (a["v"] != key) * 255, v=wide).convert("L")
    return Image.merge("RGBA", (grey, grey, grey, alpha))


def _displayable(img: Any) -> Any:
    """8-bit RGB, or RGBA when the image has any transparency."""
    return _converted(img, "RGBA" if _working_mode(img) == "RGBA" else "RGB")


def make(key: str, media_id: int | None = None) -> ThumbnailOutcome:
    """Make and attach the thumbnail of the image stored at ``key`` (safe to repeat).

    ``media_id``: the record's id when known (the reconciler); else it is read
    from the object's metadata, which ingest writes with the file.
    """
    parsed = parse_media_key(key)
    thumb = thumbnail_key(key)
    if parsed is None or parsed[1] != FileType.IMAGE or thumb is None:
        return ThumbnailOutcome.IGNORED
    account_id = parsed[0]
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        metadata = storage.store().read_object_into(key, spool)  # type: ignore[arg-type]
        if metadata is None:
            return ThumbnailOutcome.IGNORED  # deleted since
        media_id = media_id or _media_id(metadata)
        if media_id is None:
            log.warning("thumbnail: %s carries no media id", key)
            return ThumbnailOutcome.IGNORED
        spool.seek(0)
        try:
            data = render(spool)  # type: ignore[arg-type]
        except RenderError as exc:
            log.warning("thumbnail: %s could not be rendered: %s", key, exc)
            records.store().note_thumbnail_failure(account_id, media_id)
            return ThumbnailOutcome.FAILED
    storage.store().put_object(thumb, data, "image/webp")
    return _attach(account_id, media_id, key, thumb)


def _media_id(metadata: dict[str, str]) -> int | None:
    raw = metadata.get("media-id", "")
    return int(raw) if raw.isascii() and raw.isdigit() else None


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


def needs_thumbnail(record: MediaFile) -> bool:
    """An image without a thumbnail that has not failed too often (the reconciler's list)."""
    return record.file_type == FileType.IMAGE and not record.thumbnail_key and record.thumbnail_attempts < MAX_ATTEMPTS


def make_logged(key: str) -> ThumbnailOutcome:
    """make(), with its log line (and a ThumbnailFailures metric when it failed)."""
    started = time.perf_counter()
    outcome = make(key)
    ms = round((time.perf_counter() - started) * 1000, 1)
    failed = {"ThumbnailFailures": 1.0} if outcome == ThumbnailOutcome.FAILED else None
    telemetry.emit("thumbnail", failed, key=key, outcome=str(outcome), ms=ms)
    return outcome
