"""An animated GIF's rendition: an H.264 MP4 of its frames (how WhatsApp plays GIFs).

Pillow decodes the GIF (it composes each frame over the previous one as the GIF's disposal
methods say); transparent pixels are flattened on white, as a chat shows them. Each
frame lasts what the GIF says; delays of 10 ms or less become 100 ms, as browsers play
them. One frame is held at a time.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

from chalicelib import pictures
from chalicelib.derivatives.encoding import Mp4Writer, check_mp4
from chalicelib.derivatives.frames import BT601, FrameGate, FrameShaper
from chalicelib.derivatives.inputs import check_deadline, decoding
from chalicelib.derivatives.plans import TARGET_BYTES, CannotFit, plan_video, scaled_size
from chalicelib.derivatives.results import DerivativeError, Made

MILLISECONDS = Fraction(1, 1000)
SHORTEST_DELAY_MS = 10  # at or under it, a frame lasts DEFAULT_DELAY_MS
DEFAULT_DELAY_MS = 100


def make_gif_loop(
    source_path: Path | str,
    target_path: Path | str,
    *,
    deadline: float | None = None,
    max_pixels: int = pictures.MAX_PIXELS,
) -> Made:
    """Write the MP4 of the animated GIF at ``source_path`` to ``target_path`` and check it.
    A failure leaves no file at ``target_path``."""
    from PIL import Image

    target = Path(target_path)
    try:
        with decoding("GIF"):
            return _make(Path(source_path), target, deadline, max_pixels)
    except (OSError, SyntaxError, Image.DecompressionBombError) as exc:
        target.unlink(missing_ok=True)
        raise DerivativeError(f"the GIF could not be decoded ({type(exc).__name__}): it may be damaged") from exc
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _make(source: Path, target: Path, deadline: float | None, max_pixels: int) -> Made:
    with pictures.open_within(source, max_pixels, lambda why: DerivativeError(f"the GIF is {why}")) as gif:
        delays = _delays(gif)
        seconds = sum(delays) / 1000
        plan = plan_video(seconds, gif.width, gif.height, len(delays) / seconds, False)
        if isinstance(plan, CannotFit):
            raise DerivativeError(plan.reason)
        size = scaled_size(gif.width, gif.height, plan.long_side)
        writer = Mp4Writer(target, plan, size, MILLISECONDS, None, BT601)  # swscale's RGB -> YUV
        try:
            _write_frames(gif, delays, writer, FrameShaper(*size, 0, MILLISECONDS), FrameGate(plan.fps), deadline)
        except BaseException:
            writer.abandon()
            raise
    made = check_mp4(target, seconds, audio=False)
    if made.size > TARGET_BYTES:
        raise DerivativeError(f"the rendition came out at {made.size / 1e6:.1f} MB, over 16 MB")
    return made


def _delays(gif: Any) -> list[int]:
    """Each frame's duration in ms (reading the frames' headers, not their pixels)."""
    delays = []
    for index in range(getattr(gif, "n_frames", 1)):
        gif.seek(index)
        delay = int(gif.info.get("duration") or 0)
        delays.append(DEFAULT_DELAY_MS if delay <= SHORTEST_DELAY_MS else delay)
    gif.seek(0)
    return delays


def _write_frames(
    gif: Any, delays: list[int], writer: Mp4Writer, shaper: FrameShaper, gate: FrameGate, deadline: float | None
) -> None:
    import av
    from PIL import Image

    shown_ms = 0
    for index, delay in enumerate(delays):
        check_deadline(deadline)
        if gate.admits(shown_ms / 1000):
            gif.seek(index)
            rgba = gif.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            frame = av.VideoFrame.from_image(flat)
            frame.pts, frame.time_base = shown_ms, MILLISECONDS
            for shaped in shaper.shape(frame):
                writer.write_video(shaped, shown_ms)
        shown_ms += delay
    writer.finish(shown_ms)
