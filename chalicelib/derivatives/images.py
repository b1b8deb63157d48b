"""An image's rendition: a JPEG every channel takes (sRGB, 8-bit, upright, at most 5 MB).

For a PNG or JPEG over 5 MB, a static GIF, a CMYK or 16-bit image. The pixels are decoded
once, after the bomb limit is checked on the header; each step replaces the image it
converts, so at most two full-size copies exist at a time (a 40 Mpx RGBA image: 160 MB
plus its RGB result).
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from chalicelib import pictures
from chalicelib.derivatives.results import DerivativeError
from chalicelib.domain.channel_rules import CHANNEL_RULES, JPEG
from chalicelib.domain.channels import RenditionKind

#: WhatsApp's (the strictest) image limit.
TARGET_BYTES = CHANNEL_RULES["whatsapp"].images[JPEG] or 5_000_000
#: JPEG qualities tried in turn; below the last, the picture is made smaller instead.
QUALITIES = (88, 80, 72)
#: The next size tried keeps this share of the size the estimate calls for.
SHRINK_MARGIN = 0.9
MAX_SHRINKS = 4
_DEEP = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I", "F"})
_TRANSPARENT = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})


def make_image_rendition(
    source: BinaryIO,
    kind: RenditionKind = RenditionKind.IMAGE_JPEG,
    *,
    max_pixels: int = pictures.MAX_PIXELS,
    limit: int = TARGET_BYTES,
) -> bytes:
    """The JPEG rendition of the image in ``source`` (its first frame, for a GIF), at
    most ``limit`` bytes (WhatsApp's 5 MB)."""
    from PIL import Image

    if kind != RenditionKind.IMAGE_JPEG:
        raise ValueError(f"make_image_rendition makes {RenditionKind.IMAGE_JPEG.value} only, not {kind}")
    try:
        with pictures.open_within(source, max_pixels, lambda why: DerivativeError(f"the image is {why}")) as img:
            turn = pictures.orientation(img)
            icc = img.info.get("icc_profile")
            img.load()
            rgb = _srgb(img, icc)
        return _fitting_jpeg(pictures.upright(rgb, turn), limit)
    except DerivativeError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise DerivativeError(f"the image could not be decoded ({type(exc).__name__}): it may be damaged") from exc


def _srgb(img: Any, icc: bytes | None) -> Any:
    """8-bit sRGB (or grey) with nothing transparent left: alpha flattened on white."""
    from PIL import Image

    if img.mode in _DEEP:  # 16/32-bit greys: scaled to 8 bits, not clipped
        img = img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if img.mode == "1":
        img = img.convert("L")
    if img.mode in _TRANSPARENT or img.mode == "P" or "transparency" in img.info:
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        img = flat
    if icc and img.mode in ("RGB", "CMYK", "L"):
        converted = _from_profile(img, icc)
        if converted is not None:
            return converted
    # No profile (or one that cannot be used): CMYK by Pillow's formula, YCbCr/LAB as tagged.
    return img if img.mode in ("RGB", "L") else img.convert("RGB")


def _from_profile(img: Any, icc: bytes) -> Any | None:
    """``img`` converted from its embedded profile to sRGB (perceptual), or None when the
    profile cannot be used (the pixels are then taken as they are). A profile is never
    trusted by its name: one that says "sRGB" costs a near-identity conversion, no more."""
    from PIL import ImageCms

    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        srgb = ImageCms.createProfile("sRGB")
        return ImageCms.profileToProfile(
            img, profile, srgb, renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode="RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None


def _fitting_jpeg(img: Any, limit: int) -> bytes:
    """The best JPEG of ``img`` within ``limit`` bytes: lower qualities first, then smaller."""
    from PIL import Image

    for _ in range(MAX_SHRINKS + 1):
        for quality in QUALITIES:
            out = io.BytesIO()
            img.save(out, "JPEG", quality=quality, optimize=True)
            if out.tell() <= limit:
                return out.getvalue()
        # JPEG size grows about with the pixel count: shrink by the square root of the excess.
        scale = (limit / out.tell()) ** 0.5 * SHRINK_MARGIN
        size = (max(1, int(img.width * scale)), max(1, int(img.height * scale)))
        img = img.resize(size, Image.Resampling.LANCZOS)
    raise DerivativeError(f"the image cannot be made to fit {limit / 1e6:g} MB as a JPEG")
