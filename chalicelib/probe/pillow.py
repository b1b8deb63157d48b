"""Image size and the pixel-bomb limit, from Pillow reading a header only."""

from __future__ import annotations

import warnings
from typing import IO

from PIL import Image

from chalicelib.probe.reader import BudgetedReader
from chalicelib.probe.refusals import corrupt_image, image_too_large


def header_size(
    fp: IO[bytes] | BudgetedReader, pillow_format: str, max_pixels: int, reader: BudgetedReader
) -> tuple[int, int]:
    """(width, height) as stored, from ``Image.open`` (parses the header, decodes no pixels).

    ``reader`` is the upload's reader: when Pillow failed because the source
    did (S3 down), that error is raised, not "corrupt".
    """
    try:
        with warnings.catch_warnings():
            # Pillow warns past MAX_IMAGE_PIXELS and raises past twice that;
            # both mean "bomb" here. Its global limit is left untouched, and
            # the filter only changed for this call (not thread safe, which
            # is fine on Lambda: one invocation per process at a time).
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Pillow needs only read/seek/tell, which BudgetedReader has.
            with Image.open(fp, formats=[pillow_format]) as img:  # type: ignore[arg-type]
                width, height = img.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise image_too_large(max_pixels) from None
    except Exception:  # Pillow raises many types on bad headers; BudgetExceeded too
        if reader.source_error is not None:
            raise reader.source_error from None
        raise corrupt_image() from None
    if width <= 0 or height <= 0:
        raise corrupt_image()
    if width * height > max_pixels:
        raise image_too_large(max_pixels)
    return width, height
