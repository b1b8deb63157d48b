"""A video's poster: a WebP of its first frame that is not black, as the video is shown.

Frames are decoded from the start, for at most POSTER_WINDOW seconds: usually the first
one will do (one frame decoded). Past a black first frame, frames no other frame refers to
(most B-frames) are skipped by the decoder, halving the work of getting through a fade-in.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from chalicelib.derivatives.inputs import clockwise, decoding, displayed_size, open_source
from chalicelib.derivatives.plans import scaled_size
from chalicelib.derivatives.results import DerivativeError

MAX_SIDE = 480  # as image thumbnails
QUALITY = 80
POSTER_WINDOW = 2.0  # seconds
#: Mean luma (0-255, of a 64 px wide copy) under which a frame counts as black: about 8%
#: of full brightness. A fade from black or a covered lens stays under it; a night scene,
#: whose lights and sky lift the mean, does not.
BLACK_LUMA = 20
_PROBE_WIDTH = 64
_TURNS = {90: "ROTATE_270", 180: "ROTATE_180", 270: "ROTATE_90"}  # clockwise -> Pillow's counterclockwise


def make_poster(source_path: Path | str, *, rotation: int | None = None) -> bytes:
    """The poster of the video at ``source_path``: WebP, longest side at most 480 px.

    ``rotation``: degrees clockwise the stored picture turns to be shown; None reads it
    from the file. Raises DerivativeError when no frame can be decoded.
    """
    from PIL import Image

    with decoding("video"), open_source(source_path) as container:
        if not container.streams.video:
            raise DerivativeError("the file holds no video stream")
        stream = container.streams.video[0]
        # One thread: a poster decodes a frame or a few. Frame threads would hold the first
        # frame back, and FFmpeg's slice threads can deadlock on HEVC written with wavefront
        # rows (x265's default; seen with libavcodec 61.19, once in ~100 posters of 1080p).
        stream.codec_context.thread_count = 1
        frame = _first_lit_frame(container, stream)
        turn = clockwise(frame) if rotation is None else rotation % 360
        shown = displayed_size(frame.width, frame.height, stream.codec_context.sample_aspect_ratio, 0)
        width, height = scaled_size(*shown, MAX_SIDE)
        picture = frame.to_image(width=width, height=height)
    if turn in _TURNS:
        picture = picture.transpose(Image.Transpose[_TURNS[turn]])
    out = io.BytesIO()
    picture.save(out, "WEBP", quality=QUALITY, method=4)
    return out.getvalue()


def _first_lit_frame(container: Any, stream: Any) -> Any:
    start = float(container.start_time or 0) / 1_000_000
    first = None
    for frame in container.decode(stream):
        if first is None:
            first = frame
        if frame.time is not None and frame.time - start > POSTER_WINDOW:
            break
        if not is_black(frame):
            return frame
        stream.codec_context.skip_frame = "NONREF"
    if first is None:
        raise DerivativeError("the video holds no picture that could be decoded")
    return first


def is_black(frame: Any) -> bool:
    """Whether ``frame``'s mean luma is under BLACK_LUMA (measured on a small copy)."""
    from PIL import ImageStat

    height = max(2, round(frame.height * _PROBE_WIDTH / max(1, frame.width)))
    small = frame.to_image(width=_PROBE_WIDTH, height=height).convert("L")
    return bool(ImageStat.Stat(small).mean[0] < BLACK_LUMA)
