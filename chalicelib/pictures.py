"""Opening a picture with Pillow the way the thumbnail and the renditions both need it: the
header only, refused over the probe's bomb limit before any pixel is decoded, and the EXIF
orientation that shows it upright."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from os import PathLike
from typing import Any, BinaryIO

#: The bomb limit: the probe refuses a larger image at ingest (chalicelib.probe.inspect), and
#: open_within checks it again before anything is decoded.
MAX_PIXELS = 40_000_000
#: EXIF orientation -> the transposition that displays it upright (as Pillow's ImageOps).
_UPRIGHT = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE", 6: "ROTATE_270"}
_UPRIGHT.update({7: "TRANSVERSE", 8: "ROTATE_90"})


def open_within(source: BinaryIO | str | PathLike[str], max_pixels: int, refuse: Callable[[str], Exception]) -> Any:
    """Pillow's image of ``source`` (nothing decoded yet); ``refuse(why)`` is raised when it
    has more than ``max_pixels`` pixels."""
    from PIL import Image  # Pillow stays off the API's import path

    with warnings.catch_warnings():
        # Between Pillow's own limit and twice it Pillow only warns: the check below decides.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        img = Image.open(source)
    if img.width * img.height > max_pixels:
        img.close()
        raise refuse(f"{img.width}x{img.height} is over the {max_pixels:,} pixel limit")
    return img


def orientation(img: Any) -> int:
    """The EXIF orientation (1, upright, when there is none)."""
    return int(img.getexif().get(0x0112, 1))


def upright(img: Any, orientation: int) -> Any:
    """``img`` turned as its EXIF ``orientation`` says it is displayed."""
    from PIL import Image

    return img.transpose(Image.Transpose[_UPRIGHT[orientation]]) if orientation in _UPRIGHT else img
