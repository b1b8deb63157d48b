"""Images: displayed width/height, with the file checked to its real end."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.domain.traits import Traits
from chalicelib.probe.gif import gif_metadata
from chalicelib.probe.jpeg import jpeg_metadata
from chalicelib.probe.png import png_metadata
from chalicelib.probe.reader import IMAGE_READ_BUDGET, BudgetedReader, BudgetExceeded
from chalicelib.probe.refusals import corrupt_image

_METADATA: dict[str, Callable[[BudgetedReader, int], tuple[dict[str, int | float], Traits]]] = {
    "image/jpeg": jpeg_metadata,
    "image/png": png_metadata,
    "image/gif": gif_metadata,
}


def image_metadata(reader: BudgetedReader, mime: str, max_pixels: int) -> tuple[dict[str, int | float], Traits]:
    """``{"width", "height"}`` as displayed, and the image's traits; raises ``ContentRejected``.

    Refused: pixel bombs (``image_too_large``), files cut short or whose
    headers do not parse (``corrupt_file``), and complete images followed by
    anything but a declared motion-photo video (``trailing_data``).
    """
    reader.budget = IMAGE_READ_BUDGET
    try:
        return _METADATA[mime](reader, max_pixels)
    except BudgetExceeded:  # headers spread wider than any real file's
        raise corrupt_image() from None
