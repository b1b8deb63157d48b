"""An image's thumbnail: a WebP, longest side 480 px, as displayed (the derivatives worker,
chalicelib.worker, makes it and a video's poster off the request path).

The image itself passed the probe (type, structure, the 40 Mpx bomb limit)
before it was recorded; the limit is checked again before any pixel is
decoded, and big images are reduced strip by strip, so memory stays within
the worker's budget for every mode the probe lets in.
"""

from __future__ import annotations

import io
import logging
from typing import Any, BinaryIO

from chalicelib import pictures

log = logging.getLogger(__name__)
MAX_SIDE = 480
QUALITY = 80


class RenderError(Exception):
    """The image cannot be rendered (too large, or Pillow cannot decode it)."""


def render(source: BinaryIO, max_pixels: int = pictures.MAX_PIXELS) -> bytes:
    """A WebP of ``source``'s first frame, upright, longest side at most MAX_SIDE."""
    from PIL import Image  # Pillow stays off the API's import path

    try:
        with pictures.open_within(source, max_pixels, RenderError) as img:
            turn = pictures.orientation(img)
            img.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at 1/2..1/8 scale
            frame = _displayable(_reduced(img))  # an animated GIF's first frame: open() stands on it
        frame.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        frame = pictures.upright(frame, turn)
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
