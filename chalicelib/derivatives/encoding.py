"""Writing the MP4: H.264 (libx264) + AAC-LC, ``moov`` first, and checking what was written."""

from __future__ import annotations

from collections import deque
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from chalicelib.derivatives.frames import LIMITED_RANGE
from chalicelib.derivatives.plans import VideoPlan
from chalicelib.derivatives.results import DerivativeError, Made

if TYPE_CHECKING:
    from av.audio.stream import AudioStream
    from av.video.stream import VideoStream

#: AAC above this is wasted on a mono track.
MONO_AUDIO_BITRATE = 64_000
AAC_FRAME = 1024
#: A key frame at least this often (seconds): players seek and start there.
KEYFRAME_SECONDS = 4


class Mp4Writer:
    """An MP4 being written: frames and audio in, packets muxed as soon as they are final.

    Each video packet waits until its frame's duration is known (the next frame's
    timestamp, or the end for the last one), so the file's last sample lasts as long as
    the source's last frame (an animated GIF's last frame often lasts seconds).
    """

    def __init__(
        self, path: Path, plan: VideoPlan, size: tuple[int, int], time_base: Fraction, audio: Any | None, matrix: int
    ) -> None:
        import av

        self.container = av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"})
        rate = Fraction(plan.fps).limit_denominator(1001)
        self.video = cast("VideoStream", self.container.add_stream("libx264", rate=rate))
        context = self.video.codec_context
        context.width, context.height = size
        context.pix_fmt = "yuv420p"
        context.time_base = time_base
        context.bit_rate = plan.video_bitrate
        context.gop_size = max(1, int(plan.fps * KEYFRAME_SECONDS))
        # Set before anything is muxed: the first packet opens every encoder of the file.
        context.colorspace, context.color_range = matrix, LIMITED_RANGE
        options = {"preset": plan.preset, "maxrate": str(plan.maxrate), "bufsize": str(plan.bufsize)}
        context.options = {**options, "x264-params": plan.x264_params} if plan.x264_params else options
        self.time_base = time_base
        self.audio: AudioStream | None = None
        self.resampler: Any = None
        self._samples = 0  # audio samples written so far, at the output rate
        if audio is not None and plan.audio_bitrate:
            self._add_audio(audio, plan.audio_bitrate)
        self._pending: deque[Any] = deque()
        self._durations: dict[int, int] = {}
        self._last_pts: int | None = None

    def _add_audio(self, source: Any, bitrate: int) -> None:
        import av

        context = source.codec_context
        rate = context.sample_rate if context.sample_rate in (44_100, 48_000) else 48_000
        layout = "mono" if context.channels == 1 else "stereo"  # more channels: mixed down
        self.audio = cast("AudioStream", self.container.add_stream("aac", rate=rate))
        self.audio.codec_context.layout = layout
        self.audio.codec_context.format = "fltp"
        self.audio.codec_context.bit_rate = min(bitrate, MONO_AUDIO_BITRATE) if layout == "mono" else bitrate
        self.resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate, frame_size=AAC_FRAME)

    def write_video(self, frame: Any, pts: int) -> None:
        """Encode ``frame`` shown at ``pts`` (in ``time_base``); timestamps must increase."""
        from av.video.frame import PictureType

        if self._last_pts is not None:
            self._durations[self._last_pts] = pts - self._last_pts
        self._last_pts = pts
        frame.pts, frame.time_base = pts, self.time_base
        frame.pict_type = PictureType.NONE  # the source's key frames are not ours to keep
        self._pending.extend(self.video.encode(frame))
        self._release()

    def start_audio_at(self, seconds: float) -> None:
        """Where the first audio sample sits on the output's clock (a late-starting track)."""
        if self.audio is not None and self._samples == 0:
            self._samples = max(0, int(round(seconds * self.audio.codec_context.sample_rate)))

    def write_audio(self, frame: Any) -> None:
        if self.audio is None:
            return
        frame.pts = None  # the resampler's output is timed by the samples already written
        for chunk in self.resampler.resample(frame):
            self._encode_audio(self.audio, chunk)

    def _encode_audio(self, audio: AudioStream, chunk: Any) -> None:
        chunk.pts = self._samples
        chunk.time_base = Fraction(1, audio.codec_context.sample_rate)
        self._samples += chunk.samples
        self.container.mux(audio.encode(chunk))

    def finish(self, end_pts: int) -> None:
        """Flush the encoders (the last frame lasts until ``end_pts``) and close the file."""
        if self._last_pts is not None:
            self._durations[self._last_pts] = max(1, end_pts - self._last_pts)
        self._pending.extend(self.video.encode(None))
        self._release()
        if self.audio is not None:
            for chunk in self.resampler.resample(None):
                self._encode_audio(self.audio, chunk)
            self.container.mux(self.audio.encode(None))
        self.container.close()

    def abandon(self) -> None:
        try:
            self.container.close()
        except Exception:  # the error that made us abandon the file is the one to tell
            pass

    def _release(self) -> None:
        """Mux the packets at the head of the queue whose duration is known, in order."""
        while self._pending and self._pending[0].pts in self._durations:
            packet = self._pending.popleft()
            packet.duration = self._durations.pop(packet.pts)
            self.container.mux(packet)


def check_mp4(path: Path, expected_duration: float, *, audio: bool) -> Made:
    """Open what was written and check it is what the channels were promised (its size is
    the caller's to judge: a video may get a second try)."""
    import av

    size = path.stat().st_size
    with av.open(str(path)) as made:
        video = made.streams.video[0]
        tracks = made.streams.audio
        duration = float(made.duration or 0) / 1_000_000
        facts = Made(
            size=size,
            width=video.codec_context.width,
            height=video.codec_context.height,
            duration=duration,
            video_codec=video.codec_context.codec.canonical_name,
            audio_codec=tracks[0].codec_context.codec.canonical_name if tracks else None,
        )
        pixels = video.codec_context.pix_fmt
    tolerance = max(0.25, expected_duration * 0.01)
    if facts.video_codec != "h264" or pixels != "yuv420p" or facts.audio_codec != ("aac" if audio else None):
        raise DerivativeError(f"the rendition came out as {facts.video_codec}/{pixels}/{facts.audio_codec}")
    if abs(duration - expected_duration) > tolerance:
        raise DerivativeError(f"the rendition lasts {duration:.2f} s instead of {expected_duration:.2f} s")
    order = top_level_boxes(path)
    if "moov" not in order or "mdat" not in order or order.index("moov") > order.index("mdat"):
        raise DerivativeError("the rendition's index is not at its start, so it would not play while downloading")
    return facts


def top_level_boxes(path: Path) -> list[str]:
    """The ISO BMFF boxes at the file's top level, in order (their headers only are read)."""
    names = []
    with path.open("rb") as file:
        while header := file.read(8):
            if len(header) < 8:
                break
            size, name = int.from_bytes(header[:4], "big"), header[4:8].decode("latin-1")
            names.append(name)
            if size == 1:
                size = int.from_bytes(file.read(8), "big") - 8
            elif size == 0:
                break  # to the end of the file
            file.seek(size - 8, 1)
    return names
