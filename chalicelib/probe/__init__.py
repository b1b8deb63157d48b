"""Content sniffing and metadata extraction with bounded reads.

The type of an upload is decided from its bytes (magic numbers via the
``filetype`` library), never from the client's name or Content-Type.
``inspect`` then reads the displayed dimensions (and, for videos, the
duration) while reading as little as possible: in production the source is
an S3 object behind a seekable reader doing HTTP ranged GETs, so every byte
and every request costs. All reads go through ``reader.BudgetedReader``.

The modules, by job:

* ``sniffing``: which allowed type the first bytes are.
* ``reader``: the budgeted, caching reader, and forward walks in growing windows.
* ``images`` -> ``jpeg`` (segment walk, EXIF orientation, motion photos via
  ``motion``), ``png`` (chunk walk), ``gif`` (block walk); ``pillow`` reads
  sizes and applies the pixel-bomb limit.
* ``videos`` -> ``isobmff`` + ``sample_entries`` + ``fragments`` (MP4/MOV),
  ``matroska`` + ``ebml`` (WebM), ``riff`` (AVI), ``asf`` (WMV), ``flv``:
  each walks its container to its end and reads its stream list
  (``streams``, codecs named by ``codec_names``); ``containers`` reads
  sizes and durations of the last four through hachoir.
* ``traits``: facts for delivery kept out of the public metadata.
* ``refusals``: every reason and message.

Importing the package defines things only: no I/O, no global settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from chalicelib.domain.traits import Traits
from chalicelib.pictures import MAX_PIXELS
from chalicelib.probe import refusals
from chalicelib.probe.images import image_metadata
from chalicelib.probe.jpeg import TRAILER_BYTES
from chalicelib.probe.reader import (
    IMAGE_READ_BUDGET,
    MAX_READ_CALLS,
    VIDEO_READ_BUDGET,
    BudgetedReader,
)
from chalicelib.probe.sniffing import SNIFF_BYTES, Sniffed, sniff
from chalicelib.probe.videos import video_metadata

__all__ = [
    "IMAGE_READ_BUDGET",
    "MAX_READ_CALLS",
    "SNIFF_BYTES",
    "TRAILER_BYTES",
    "VIDEO_READ_BUDGET",
    "Probed",
    "Sniffed",
    "Traits",
    "inspect",
    "sniff",
]


@dataclass(frozen=True)
class Probed:
    mime_type: str
    family: str
    # images {"width", "height"}; videos {"width", "height", "duration",
    # "video_codec", "audio_codec"} (seconds, 3 decimals; codec names, and
    # audio_codec None without audio) with the keys that could be read; None
    # if none. Width and height are as displayed (EXIF orientation, rotation).
    metadata: dict[str, int | float | str | None] | None
    # Internal facts for the delivery rules, not part of the public metadata.
    traits: Traits = Traits()


def inspect(source: BinaryIO, size: int, family_expected: str, *, max_pixels: int = MAX_PIXELS) -> Probed:
    """Check ``source`` (``size`` bytes) is an allowed image/video and read metadata.

    ``family_expected`` ("image" | "video") comes from the file name; a
    mismatch is refused. Raises ``ContentRejected``; errors of the source
    itself (storage down) are raised as they are. ``size`` bounds the reads.
    """
    if family_expected not in ("image", "video"):
        raise ValueError(f"family_expected must be 'image' or 'video', not {family_expected!r}")
    if size <= 0:
        raise refusals.empty_file()
    reader = BudgetedReader(source, size, VIDEO_READ_BUDGET)
    head = reader.read(SNIFF_BYTES)
    if not head:
        raise refusals.empty_file()
    sniffed = sniff(head)
    if sniffed is None:
        raise refusals.unsupported_content()
    if sniffed.family != family_expected:
        raise refusals.type_mismatch(family_expected, sniffed.family, sniffed.mime_type)
    if sniffed.family == "image":
        displayed, traits = image_metadata(reader, sniffed.mime_type, max_pixels)
        return Probed(sniffed.mime_type, sniffed.family, dict(displayed), traits)
    metadata, traits = video_metadata(reader, sniffed.mime_type)
    return Probed(sniffed.mime_type, sniffed.family, metadata, traits)
