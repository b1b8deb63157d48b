"""Content sniffing and metadata extraction with bounded reads.

The type of an upload is decided from its bytes (magic numbers via the
``filetype`` library), never from the client's name or Content-Type.
``inspect`` then reads dimensions (and, for videos, duration) while reading
as little as possible: in production the source is an S3 object behind a
seekable reader doing HTTP ranged GETs, so every byte and every request
costs. All reads go through ``_RangeReader``, which fetches in windows,
caches them, and refuses to fetch past a fixed per-file budget (bytes and
read calls), whatever sizes the container declares.

Why these libraries:

* Images: Pillow's ``Image.open`` parses only the header (no pixel decode).
  A truncated body is caught instead with one small read of the trailer.
* Videos: ``hachoir`` is pure Python, so it ships to AWS Lambda as a plain
  wheel (ffprobe/MediaInfo would need native binaries or a layer), and it
  parses fields lazily over a seekable stream: for MP4/MOV it seeks over
  ``mdat`` instead of reading it. Measured on a 40 MB MP4 whose ``moov`` is
  at the end: ~10 KB fetched in 2 reads (30 MB ffmpeg files of every
  container: <= 25 KB), so no hand-written MP4 box walker is needed.

Module import defines constants only; hachoir's logger is silenced and
Pillow's warning filters changed only for the duration of a call (not thread
safe, which is fine on Lambda: one invocation per process at a time).
"""

from __future__ import annotations

import bisect
import math
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO

import filetype
from hachoir.core.log import log as hachoir_log
from hachoir.metadata import extractMetadata
from hachoir.parser.container.mkv import MkvFile
from hachoir.parser.container.mp4 import MP4File
from hachoir.parser.container.riff import RiffFile
from hachoir.parser.video.asf import AsfFile
from hachoir.parser.video.flv import FlvFile
from hachoir.stream import InputIOStream
from PIL import Image

from chalicelib.errors import ContentRejected
from chalicelib.media import ALLOWED_LIST

# filetype itself never looks past 8192 bytes; WebM's DocType and an MP4's
# whole ftyp box sit well inside that.
SNIFF_BYTES = 8192

# Per-file read budgets, trailer read included. Images: a JPEG's APPn
# segments (EXIF, ICC, XMP) come before the frame header and may total
# ~200 KB. Videos: hachoir only visits box/element headers, a few KB.
IMAGE_READ_BUDGET = 256 * 1024
VIDEO_READ_BUDGET = 2 * 1024 * 1024
# Bounds CPU as well as bytes: a file of millions of 8-byte boxes costs
# little to fetch but one hachoir field (~20 us) per box to walk.
MAX_READ_CALLS = 20_000
# Extra bytes fetched after a big read, to cover the next segment header.
READ_AHEAD = 4096

# Last bytes read for the end-of-file check. A JPEG may carry a few padding
# bytes after its EOI marker; anything else after the end marker (or a
# missing end marker) means truncated, or a polyglot with data appended.
TRAILER_BYTES = 64
_JPEG_PADDING = b"\x00\xff\r\n\t "
_PNG_IEND = b"\x00\x00\x00\x00IEND\xae\x42\x60\x82"

# The allowed types: sniffed MIME -> parser that reads its header.
_PILLOW_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF"}
_HACHOIR_PARSER = {
    "video/mp4": MP4File,
    "video/quicktime": MP4File,
    "video/webm": MkvFile,
    "video/x-msvideo": RiffFile,
    "video/x-ms-wmv": AsfFile,
    "video/x-flv": FlvFile,
}
# An animated PNG is a valid PNG (same signature, extra chunks): accept it
# under the type its extension promises.
_MIME_ALIASES = {"image/apng": "image/png"}

_A = {"image": "an image", "video": "a video"}  # for the type_mismatch message
_UNSUPPORTED_MESSAGE = f"The file content is not a supported image or video ({ALLOWED_LIST})."


@dataclass(frozen=True)
class Sniffed:
    mime_type: str
    family: str  # "image" | "video"


@dataclass(frozen=True)
class Probed:
    mime_type: str
    family: str
    # images {"width", "height"}; videos {"width", "height", "duration"}
    # (seconds, 3 decimals) with the keys that could be read; None if none.
    metadata: dict[str, int | float] | None


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
    if mime in _PILLOW_FORMAT:
        return Sniffed(mime, "image")
    return Sniffed(mime, "video") if mime in _HACHOIR_PARSER else None


class _BudgetExceeded(Exception):
    """A parser asked for more bytes or reads than the per-file budget."""


class _RangeReader:
    """Seekable, caching, budgeted view of ``source`` for Pillow and hachoir.

    Parsers issue many tiny reads (hachoir: one per field); passing them
    through would mean one ranged GET each, so a miss fetches a window
    (see ``_fetch``) and everything fetched stays cached for the call.
    """

    def __init__(self, source: BinaryIO, size: int, budget: int) -> None:
        self.budget, self.bytes_fetched = budget, 0
        # Parsers swallow exceptions; a failing source (S3 down) must not be
        # reported as a corrupt file, so its error is kept and re-raised.
        self.source_error: Exception | None = None
        self._source, self._end, self._pos, self._calls = source, size, 0, 0
        self._starts: list[int] = []  # sorted starts of cached segments
        self._segments: dict[int, bytes] = {}

    @property
    def size(self) -> int:
        """Bytes readable: the claimed size, or less once EOF was hit early."""
        return self._end

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._end}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, n: int | None = -1) -> bytes:
        self._calls += 1
        if self._calls > MAX_READ_CALLS:
            raise _BudgetExceeded("too many reads")
        end = self._end if n is None or n < 0 else min(self._pos + n, self._end)
        parts = []
        while self._pos < end:
            chunk = self._from_cache(self._pos, end) or self._fetch(self._pos, end)
            chunk = chunk[: end - self._pos]
            if not chunk:
                break
            parts.append(chunk)
            self._pos += len(chunk)
        return b"".join(parts)

    def _from_cache(self, pos: int, end: int) -> bytes:
        i = bisect.bisect_right(self._starts, pos) - 1
        if i < 0:
            return b""
        start = self._starts[i]
        return self._segments[start][pos - start : end - start]

    def _fetch(self, pos: int, end: int) -> bytes:
        if self.source_error is not None:  # fail fast: parsers retry after errors
            raise self.source_error
        i = bisect.bisect_right(self._starts, pos)
        limit = min(self._end, self._starts[i] if i < len(self._starts) else self._end)
        needed = min(end, limit) - pos
        remaining = self.budget - self.bytes_fetched
        if needed > remaining:
            raise _BudgetExceeded(f"read budget of {self.budget} bytes exhausted")
        # Small reads (hachoir fields, JPEG markers) fetch a SNIFF_BYTES
        # window so the next ones hit the cache; big reads (a whole JPEG
        # APPn segment) fetch what was asked plus room for the next header.
        wanted = SNIFF_BYTES if needed <= SNIFF_BYTES else needed + READ_AHEAD
        length = min(wanted, remaining, limit - pos)
        parts, got = [], 0
        try:
            self._source.seek(pos)
            while got < length:  # raw streams may return short reads
                more = self._source.read(length - got)
                if not more:
                    self._end = pos + got  # the object is shorter than claimed
                    break
                parts.append(more)
                got += len(more)
        except Exception as err:
            self.source_error = err
            raise
        data = b"".join(parts)
        self.bytes_fetched += got
        if data:
            bisect.insort(self._starts, pos)
            self._segments[pos] = data
        return data


def inspect(source: BinaryIO, size: int, family_expected: str, *, max_pixels: int = 40_000_000) -> Probed:
    """Check ``source`` (``size`` bytes) is an allowed image/video and read metadata.

    ``family_expected`` ("image" | "video") comes from the file name; a
    mismatch is refused. Raises ``ContentRejected``; never reads the whole
    source, and ``size`` is only used to bound reads.
    """
    if family_expected not in ("image", "video"):
        raise ValueError(f"family_expected must be 'image' or 'video', not {family_expected!r}")
    if size <= 0:
        raise ContentRejected("empty_file", "The file is empty.")
    reader = _RangeReader(source, size, VIDEO_READ_BUDGET)
    head = reader.read(SNIFF_BYTES)
    if not head:
        raise ContentRejected("empty_file", "The file is empty.")
    sniffed = sniff(head)
    if sniffed is None:
        raise ContentRejected("unsupported_content", _UNSUPPORTED_MESSAGE)
    if sniffed.family != family_expected:
        raise ContentRejected(
            "type_mismatch",
            f"The file name indicates {_A[family_expected]}, but its content is "
            f"{_A[sniffed.family]} ({sniffed.mime_type}).",
        )
    metadata: dict[str, int | float] | None
    if sniffed.family == "image":
        reader.budget = IMAGE_READ_BUDGET
        metadata = _image_metadata(reader, sniffed.mime_type, max_pixels)
    else:
        metadata = _video_metadata(reader, sniffed.mime_type)
    return Probed(sniffed.mime_type, sniffed.family, metadata)


def _image_metadata(reader: _RangeReader, mime: str, max_pixels: int) -> dict[str, int | float]:
    """Width/height from the header only; refuse truncated files and bombs."""
    corrupt = ContentRejected("corrupt_file", "The image file is truncated or corrupt.")
    # Trailer first: one small read that refuses truncated uploads before
    # any parsing (and appended payloads: PNG+ZIP polyglots).
    reader.seek(-TRAILER_BYTES, 2)
    if not _has_valid_ending(mime, reader.read(TRAILER_BYTES)):
        raise corrupt
    too_large = ContentRejected("image_too_large", f"The image has more than {max_pixels:,} pixels.")
    reader.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow warns past MAX_IMAGE_PIXELS and raises past twice that;
            # both mean "bomb" here. Its global limit is left untouched.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(reader, formats=[_PILLOW_FORMAT[mime]]) as img:  # type: ignore[arg-type]
                width, height = img.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise too_large from None
    except Exception:  # Pillow raises many types on bad headers; _BudgetExceeded too
        if reader.source_error is not None:
            raise reader.source_error from None
        raise corrupt from None
    if width <= 0 or height <= 0:
        raise corrupt
    if width * height > max_pixels:
        raise too_large
    return {"width": width, "height": height}


def _has_valid_ending(mime: str, tail: bytes) -> bool:
    if mime == "image/jpeg":
        return tail.rstrip(_JPEG_PADDING).endswith(b"\xff\xd9")
    if mime == "image/png":
        return tail.endswith(_PNG_IEND)
    return tail.endswith(b"\x3b")  # GIF trailer


def _video_metadata(reader: _RangeReader, mime: str) -> dict[str, int | float] | None:
    """Width/height/duration via hachoir; None when nothing could be read.

    A video whose metadata cannot be read is still accepted (its type was
    sniffed), so every failure here degrades to fewer keys, not an error.
    hachoir swallows most exceptions itself, including ``_BudgetExceeded``
    raised from inside its reads: it then stops with what it already has.
    """
    reader.seek(0)
    printing = hachoir_log.use_print
    hachoir_log.use_print = False  # hachoir writes its warnings to stderr
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stream = InputIOStream(reader, size=reader.size * 8, source="<upload>", tags=[])
            parser = _HACHOIR_PARSER[mime](stream)
            metadata = extractMetadata(parser) if parser.validate() is True else None
    except Exception:  # any parser failure means "metadata unknown"
        metadata = None
    finally:
        hachoir_log.use_print = printing
    if reader.source_error is not None:
        raise reader.source_error
    if metadata is None:
        return None
    found: dict[str, int | float] = {}
    # Container-level values first, then per-stream groups (MKV and ASF keep
    # width/height in a "Video stream" group). Width and height are taken
    # as a pair from one group so they never mix two streams.
    for group in [metadata, *getattr(metadata, "iterGroups", lambda: [])()]:
        width, height = _value(group, "width"), _value(group, "height")
        if "width" not in found and width is not None and height is not None:
            found.update(width=width, height=height)
        duration = _value(group, "duration")
        if "duration" not in found and duration is not None:
            found["duration"] = duration
    return found or None


def _value(group: object, key: str) -> int | float | None:
    """First plausible value of ``key``: positive size, finite duration."""
    item = group.getItem(key, 0)  # type: ignore[attr-defined]
    value = None if item is None else item.value
    if key == "duration":
        seconds = value.total_seconds() if isinstance(value, timedelta) else -1.0
        return round(seconds, 3) if seconds >= 0 else None
    plausible = isinstance(value, (int, float)) and math.isfinite(value) and 0 < value < 1 << 20
    return int(value) if plausible and value is not None else None
