"""The derivatives engine: renditions and posters from local files (PyAV + Pillow).

Pure functions on local paths and file objects; no storage, no records:

- ``read_video_facts`` + ``plan_video`` + ``transcode_video``: a video's H.264/AAC MP4
  within 16 MB (or ``CannotFit`` with the reason, before any work);
- ``make_gif_loop``: an animated GIF's MP4;
- ``make_image_rendition``: an image's sRGB JPEG within 5 MB;
- ``make_poster``: a video's WebP poster.

Every failure is a ``DerivativeError`` whose ``reason`` a person can read. PyAV and
Pillow are imported inside the functions, so importing this package costs nothing and
works where PyAV is not installed (the API function does not ship it).
"""

from __future__ import annotations

from chalicelib.derivatives.gifs import make_gif_loop
from chalicelib.derivatives.images import make_image_rendition
from chalicelib.derivatives.inputs import VideoFacts, read_video_facts
from chalicelib.derivatives.plans import CannotFit, VideoPlan, plan_video
from chalicelib.derivatives.posters import make_poster
from chalicelib.derivatives.results import DerivativeError, Made
from chalicelib.derivatives.video import transcode_video

__all__ = [
    "CannotFit",
    "DerivativeError",
    "Made",
    "VideoFacts",
    "VideoPlan",
    "make_gif_loop",
    "make_image_rendition",
    "make_poster",
    "plan_video",
    "read_video_facts",
    "transcode_video",
]
