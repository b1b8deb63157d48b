"""Decoded frames made ready for the encoder: upright, scaled, 4:2:0, at most 30 per second."""

from __future__ import annotations

from typing import Any

#: FFmpeg's colour matrices (AVColorSpace) and ranges used here.
RGB, BT709, UNSPECIFIED, BT601 = 0, 1, 2, 6
LIMITED_RANGE = 1
#: FFmpeg filters that turn a picture clockwise by 90, 180 or 270 degrees.
_TURNS = {90: (("transpose", "clock"),), 180: (("hflip", None), ("vflip", None)), 270: (("transpose", "cclock"),)}


class FrameShaper:
    """An FFmpeg filter graph per input shape: scale to the output size and yuv420p in
    limited range (one swscale pass), then the turn that shows it upright. Scaling comes
    first so the turn moves the smaller picture.

    The pixels keep the source's colour matrix, and the MP4 is tagged with it
    (``colour_matrix``): converting the matrix in swscale tripled the cost of a 1080p
    conversion (measured: 16.5 s of CPU instead of 5.8 s for 30 s of 1080p to 720p), and
    the tag is what players read.

    A stream whose frame size or pixel format changes midway gets a new graph.
    """

    def __init__(self, width: int, height: int, rotation: int, time_base: Any) -> None:
        self.width, self.height = width, height  # of the upright output
        self.rotation = rotation
        self.time_base = time_base
        self._shape: tuple[int, int, str] | None = None
        self._graph: Any = None

    def shape(self, frame: Any) -> list[Any]:
        """The frames that come out for ``frame`` (one, as these filters keep no frames back)."""
        import av

        shape = (frame.width, frame.height, frame.format.name)
        if shape != self._shape:
            self._graph, self._shape = self._build(frame), shape
        self._graph.push(frame)
        out: list[Any] = []
        while True:
            try:
                out.append(self._graph.pull())
            except (av.error.BlockingIOError, av.error.EOFError):
                return out

    def _build(self, frame: Any) -> Any:
        import av

        graph = av.filter.Graph()
        turned = self.rotation in (90, 270)
        scale_w, scale_h = (self.height, self.width) if turned else (self.width, self.height)
        nodes = [
            graph.add_buffer(width=frame.width, height=frame.height, format=frame.format, time_base=self.time_base),
            graph.add("scale", f"w={scale_w}:h={scale_h}:flags=bicubic:out_range=tv"),
            graph.add("format", "yuv420p"),
            graph.add("setsar", "1"),
        ]
        nodes += [graph.add(name, args) for name, args in _TURNS.get(self.rotation, ())]
        nodes.append(graph.add("buffersink"))
        graph.link_nodes(*nodes).configure()
        return graph


def colour_matrix(frame: Any) -> int:
    """The colour matrix (AVColorSpace) of ``frame``'s pixels once shaped: as tagged; an
    untagged source as its players read it (BT.709 from 720 lines up, BT.601 below), since
    a smaller rendition would otherwise be read as BT.601; RGB sources (GIF frames) in
    BT.601, swscale's own matrix for RGB to YUV."""
    if frame.format.is_rgb or frame.format.name.startswith(("pal", "gray", "bgr", "rgb")):
        return BT601
    if frame.colorspace not in (RGB, UNSPECIFIED):
        return int(frame.colorspace)
    return BT709 if frame.height >= 720 or frame.width >= 1280 else BT601


class FrameGate:
    """Lets through at most ``max_fps`` frames per second of stream time, dropping the
    others. A frame may come up to a quarter interval early (timestamps jitter in a
    variable-rate phone video), so a 30 fps source loses nothing and a 60 fps one every
    other frame."""

    def __init__(self, max_fps: float) -> None:
        self.interval = 1.0 / max_fps
        self._next: float | None = None

    def admits(self, seconds: float) -> bool:
        if self._next is not None and seconds < self._next - self.interval / 4:
            return False
        self._next = seconds + self.interval
        return True
