"""The derivatives engine's image renditions: a JPEG every chat channel shows as the original
looks (sRGB, 8-bit, upright, opaque, <= 5 MB), and an animated GIF's H.264 MP4 loop."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from chalicelib.derivatives import DerivativeError, make_gif_loop, make_image_rendition
from chalicelib.derivatives.images import TARGET_BYTES
from chalicelib.domain.channels import RenditionKind
from tests.helpers.media import FIXTURES
from tests.helpers.renditions import BLUE, LIME, RED, assert_plays_everywhere, colour_at
from tests.helpers.renditions import near as near_frame
from tests.helpers.samples import noise_png

IDAT_CHUNK = 8192  # as libpng writes them


def rendition(source: bytes | str, limit: int = TARGET_BYTES) -> Image.Image:
    data = (FIXTURES / source).read_bytes() if isinstance(source, str) else source
    made = make_image_rendition(io.BytesIO(data), limit=limit)
    assert len(made) <= limit
    image = Image.open(io.BytesIO(made))
    assert image.format == "JPEG" and image.mode in ("RGB", "L")
    assert 0x0112 not in image.getexif() and "icc_profile" not in image.info  # upright sRGB: nothing to apply
    return image


def pixel(image: Image.Image, x: int, y: int) -> tuple[float, ...]:
    value = image.getpixel((x, y))
    assert value is not None
    return value if isinstance(value, tuple) else (value,)


def near(colour: tuple[float, ...], expected: tuple[int, ...], tolerance: int = 24) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def test_a_cmyk_jpeg_becomes_rgb_with_its_colours() -> None:
    assert Image.open(FIXTURES / "cmyk.jpg").mode == "CMYK"
    image = rendition("cmyk.jpg")  # a red-to-blue gradient, top to bottom
    assert image.mode == "RGB" and image.size == (40, 30)
    assert near(pixel(image, 20, 0), (255, 0, 0), 40) and near(pixel(image, 20, 29), (0, 0, 255), 40)


def test_an_embedded_colour_profile_is_converted_to_srgb() -> None:
    # The pixels are stored red, but the profile says its red channel is sRGB's blue.
    assert pixel(Image.open(FIXTURES / "swapped-icc.jpg"), 5, 5)[0] > 240
    assert near(pixel(rendition("swapped-icc.jpg"), 5, 5), (0, 0, 255))


def test_a_16_bit_png_is_scaled_to_8_bits() -> None:
    image = rendition("rgb16.png")  # 16-bit RGB, white to green
    assert image.mode == "RGB" and image.size == (36, 28)
    assert near(pixel(image, 18, 0), (255, 255, 255), 30)
    grey = rendition("grey16.png")  # a 16-bit ramp, 0 to 65535 left to right
    assert Image.open(FIXTURES / "grey16.png").mode == "I;16"
    assert grey.mode == "L"
    assert near(pixel(grey, 0, 15), (0,), 8) and near(pixel(grey, 39, 15), (255,), 8)
    assert near(pixel(grey, 20, 15), (131,), 12)  # 20/39 of the way: scaled, not clipped


def test_transparency_is_flattened_on_white() -> None:
    image = rendition("transparent.png")  # a blue disc on nothing
    assert image.mode == "RGB"
    assert near(pixel(image, 0, 0), (255, 255, 255)) and near(pixel(image, 17, 13), (0x1E, 0x78, 0xC8))
    palette = rendition("palette.png")
    assert palette.mode == "RGB" and near(pixel(palette, 12, 11), (255, 0, 0), 40)


def test_exif_orientation_is_applied_and_dropped() -> None:
    assert rendition("orientation-6.jpg").size == (60, 80)  # stored 80x60, "rotate 90 CW"
    assert rendition("orientation-8.jpg").size == (40, 96)


def test_a_static_gif_becomes_its_first_frame() -> None:
    image = rendition("sample.gif")
    assert image.size == (32, 20) and near(pixel(image, 1, 1), (255, 0, 0), 40)


def test_a_png_over_5_mb_becomes_a_jpeg_within_5_mb() -> None:
    png = noise_png((1400, 1300), IDAT_CHUNK)
    assert len(png) > 5_000_000
    assert rendition(png).size == (1400, 1300)


def jpeg_size(image: Image.Image, quality: int) -> int:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.tell()


def test_over_the_limit_the_quality_steps_down_then_the_size() -> None:
    png = noise_png((300, 200), IDAT_CHUNK)
    pixels = Image.open(io.BytesIO(png))
    at_88, at_72 = jpeg_size(pixels, 88), jpeg_size(pixels, 72)
    stepped = rendition(png, limit=(at_88 + at_72) // 2)
    assert stepped.size == (300, 200)  # a lower quality was enough
    shrunk = rendition(png, limit=at_72 // 2)
    assert shrunk.width < 300 and abs(shrunk.width / shrunk.height - 1.5) < 0.02
    assert ImageStat.Stat(shrunk).stddev[0] > 30  # still the picture, not a flat grey
    with pytest.raises(DerivativeError, match="cannot be made to fit"):
        make_image_rendition(io.BytesIO(png), limit=100)


def test_an_image_over_the_pixel_limit_is_refused_before_decoding() -> None:
    with pytest.raises(DerivativeError, match="pixel limit"):
        make_image_rendition(io.BytesIO((FIXTURES / "sample.jpg").read_bytes()), max_pixels=64 * 47)


@pytest.mark.parametrize("data", [b"", b"\x89PNG\r\n\x1a\n" + bytes(64), (FIXTURES / "sample.jpg").read_bytes()[:300]])
def test_a_damaged_image_is_a_derivative_error_with_a_reason(data: bytes) -> None:
    with pytest.raises(DerivativeError) as raised:
        make_image_rendition(io.BytesIO(data))
    assert raised.value.reason.startswith("the image could not be decoded")


def test_only_jpeg_renditions_are_made_from_images() -> None:
    with pytest.raises(ValueError, match="gif_mp4"):
        make_image_rendition(io.BytesIO((FIXTURES / "animated.gif").read_bytes()), RenditionKind.GIF_MP4)


# -- animated GIFs: an H.264 MP4 of their frames -------------------------------------------


def test_an_animated_gif_becomes_a_silent_mp4_with_its_timing(tmp_path: Path) -> None:
    made = make_gif_loop(FIXTURES / "animated.gif", tmp_path / "loop.mp4")  # red, lime, blue, 200 ms each
    assert (made.width, made.height, made.audio_codec) == (40, 24, None)
    frames = assert_plays_everywhere(tmp_path / "loop.mp4", audio=False, duration=0.6)
    assert [round(frame.time, 2) for frame in frames] == [0.0, 0.2, 0.4]
    for frame, colour in zip(frames, (RED, LIME, BLUE), strict=True):
        assert near_frame(colour_at(frame, 0.5, 0.5), colour)


def test_a_gifs_transparency_is_white_and_instant_frames_last_100_ms(tmp_path: Path) -> None:
    frames = []
    for colour in ((200, 0, 0), (0, 0, 200)):
        frame = Image.new("P", (31, 17), 0)
        frame.putpalette([0, 0, 0, *colour] + [0] * 762)
        frame.paste(1, (0, 0, 15, 17))  # left half coloured, right half transparent (index 0)
        frames.append(frame)
    frames[0].save(tmp_path / "t.gif", save_all=True, append_images=frames[1:], duration=0, transparency=0, disposal=2)
    made = make_gif_loop(tmp_path / "t.gif", tmp_path / "loop.mp4")
    assert (made.width, made.height) == (32, 18)  # even sizes for 4:2:0
    shown = assert_plays_everywhere(tmp_path / "loop.mp4", audio=False, duration=0.2)
    assert [round(frame.time, 2) for frame in shown] == [0.0, 0.1]
    assert near_frame(colour_at(shown[0], 0.9, 0.5), (255, 255, 255)) and near_frame(
        colour_at(shown[0], 0.1, 0.5), (200, 0, 0)
    )


def test_a_gif_over_the_pixel_limit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DerivativeError, match="pixel limit"):
        make_gif_loop(FIXTURES / "animated.gif", tmp_path / "loop.mp4", max_pixels=500)
    assert not (tmp_path / "loop.mp4").exists()
