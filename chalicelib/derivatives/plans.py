"""How a video rendition is sized: resolution, bitrates and encoder speed from the duration.

The rendition must fit WhatsApp's 16 MB (the strictest rule) INCLUDING the MP4's own
boxes and a safety margin, so the bitrate is what the duration leaves, and the resolution
steps down (1080p, 720p, 480p, 360p, on the long side's scale: 1920, 1280, 854, 640 px)
until each pixel gets enough bits. Bits per pixel (bpp: video bitrate / (width x height x
fps)) is the yardstick; the floors below are where H.264 at a fast preset still looks like
the source at that size rather than blocks (a larger picture needs fewer bits per pixel,
as its detail spreads over more of them):

====== ================ =============================================
step   long side (px)   least bpp to stay at this step
====== ================ =============================================
1080p  1920             0.060 (3.7 Mbit/s at 30 fps)
720p   1280             0.070 (1.9 Mbit/s at 30 fps)
480p   854              0.080 (1.0 Mbit/s at 30 fps)
360p   640              0.040 (280 kbit/s at 30 fps): the watchable floor
====== ================ =============================================

Below 360p's floor no rendition is made (``CannotFit``). Pure arithmetic: no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from chalicelib.domain.channel_rules import CHANNEL_RULES

#: The strictest channel's video limit (WhatsApp's), bytes.
TARGET_BYTES = CHANNEL_RULES["whatsapp"].video_max_bytes or 16_000_000
#: Kept free for what the plan cannot know exactly: x264's rate control landing a little
#: over its average, the AAC encoder's frames, a variable frame rate's extra moov entries.
SAFETY = 0.03
MAX_FPS = 30
#: (long side, least bpp at that step, AAC bitrate used with it)
STEPS: tuple[tuple[int, float, int], ...] = (
    (1920, 0.060, 128_000),
    (1280, 0.070, 128_000),
    (854, 0.080, 96_000),
    (640, 0.040, 64_000),
)
#: No more bits than this per pixel: beyond it H.264 looks no better, the file only grows.
#: A tiny picture (an animated GIF's) needs more: each frame has headers of its own.
CEILING_BPP = 0.15
CEILING_FLOOR = 256_000
#: x264's VBV buffer, in seconds of the peak rate: the encoder may run this far ahead of the
#: average, so the size bound is peak x (duration + this).
VBV_SECONDS = 2.0
#: The MP4's own boxes: headers, and per sample its size, timing and chunk entries.
FIXED_OVERHEAD = 16_384
VIDEO_SAMPLE_BYTES = 24
AUDIO_SAMPLE_BYTES = 12
AUDIO_SAMPLES_PER_SECOND = 48_000 / 1024  # AAC frames of 1024 samples at 48 kHz
#: x264 settings by output pixel rate (pixels per second). Measured at the 3.7 Mbit/s a 30 s
#: 1080p30 video gets, on three made-up sources (FFmpeg's testsrc2 under heavy or light
#: per-frame noise, and a mandelbrot zoom); CPU seconds for 30 s of the noisy one on two
#: shared cores, then luma SSIM against each source (noisy / light noise / mandelbrot):
#:   ultrafast                              7.6 s   0.969 / 0.981 / 0.966 (12% more bytes)
#:   superfast                             14.3 s   0.967 / 0.983 / 0.966
#:   superfast + mbtree, 10-frame lookahead 17.0 s   0.972 / 0.984 / 0.961
#:   veryfast                              22.2 s   0.973 / 0.985 / 0.963
#:   ultrafast + CABAC, deblocking, mbtree,
#:     10-frame lookahead                  10.7 s   0.975 / 0.985 / 0.958
#: The last matches veryfast on two sources and trails it a little on the third, for half
#: the CPU: what keeps a 1080p conversion faster than real time on two cores shared with
#: other work. (ultrafast alone skips deblocking, which no metric here punishes and every
#: viewer sees as blocks at these rates.) Smaller pictures cost a fraction of that to
#: encode (decoding the source stays), so they get the usual, slower presets.
PRESETS: tuple[tuple[int, str, str], ...] = (
    (1280 * 720 * 30, "ultrafast", "cabac=1:deblock=0,0:mbtree=1:rc-lookahead=10"),  # above 720p30
    (854 * 480 * 30, "veryfast", ""),  # above 480p30
    (0, "faster", ""),
)


@dataclass(frozen=True)
class VideoPlan:
    duration: float  # the source's, seconds
    width: int  # as displayed (a portrait video is taller than wide)
    height: int
    long_side: int  # the step: the picture's long side is scaled to this (never up)
    fps: float  # at most MAX_FPS: faster sources drop frames
    video_bitrate: int  # x264's average, bit/s
    maxrate: int  # its peak over the VBV buffer
    bufsize: int  # bits
    audio_bitrate: int | None  # None: the rendition has no audio track
    preset: str  # x264's
    x264_params: str = ""  # on top of the preset

    @property
    def bytes_bound(self) -> int:
        """The most the rendition can weigh if x264 keeps to its VBV: peak x (duration +
        buffer), the audio and the boxes. At most TARGET_BYTES less the margin."""
        video = self.maxrate * (self.duration + VBV_SECONDS) / 8
        audio = (self.audio_bitrate or 0) * self.duration / 8
        return int(video + audio + _overhead(self.duration, self.fps, self.audio_bitrate is not None))


@dataclass(frozen=True)
class CannotFit:
    reason: str


def plan_video(duration: float, width: int, height: int, fps: float | None, has_audio: bool) -> VideoPlan | CannotFit:
    """The rendition of a video of ``duration`` seconds, shown at ``width`` x ``height``."""
    if not duration or duration <= 0 or width <= 0 or height <= 0:
        raise ValueError("a plan needs the video's duration and displayed size")
    rate = min(float(fps), MAX_FPS) if fps and fps > 0 else float(MAX_FPS)
    long_side = max(width, height)
    tried: set[int] = set()
    for step, least_bpp, audio_rate in STEPS:
        target = min(step, long_side)
        if target in tried:
            continue
        tried.add(target)
        out_w, out_h = scaled_size(width, height, target)
        audio = audio_rate if has_audio else None
        bitrate = _video_bitrate(duration, rate, audio)
        pixels_per_second = out_w * out_h * rate
        if bitrate >= least_bpp * pixels_per_second:
            preset, x264_params = _preset(pixels_per_second)
            bitrate = min(bitrate, max(CEILING_FLOOR, int(CEILING_BPP * pixels_per_second)))
            return VideoPlan(
                duration,
                out_w,
                out_h,
                target,
                rate,
                bitrate,
                maxrate=bitrate,
                bufsize=int(bitrate * VBV_SECONDS),
                audio_bitrate=audio,
                preset=preset,
                x264_params=x264_params,
            )
    return CannotFit(f"too long to fit 16 MB at a watchable quality ({_longest(width, height, rate, has_audio)})")


def scaled_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    """``width`` x ``height`` scaled so the long side is ``long_side`` (never up), both even."""
    scale = min(1.0, long_side / max(width, height))
    return _even(width * scale), _even(height * scale)


def _even(value: float) -> int:
    """The nearest even number (halves up), at least 2: 4:2:0 needs even sizes."""
    return max(2, math.floor(value / 2 + 0.5) * 2)


def _video_bitrate(duration: float, fps: float, audio_bitrate: int | None) -> int:
    """The x264 average (= peak) that keeps peak x (duration + VBV) + audio + boxes within
    TARGET_BYTES less the margin."""
    budget = TARGET_BYTES * (1 - SAFETY) - _overhead(duration, fps, audio_bitrate is not None)
    budget -= (audio_bitrate or 0) * duration / 8
    return max(0, int(budget * 8 / (duration + VBV_SECONDS)))


def _overhead(duration: float, fps: float, has_audio: bool) -> float:
    samples = duration * fps * VIDEO_SAMPLE_BYTES
    if has_audio:
        samples += duration * AUDIO_SAMPLES_PER_SECOND * AUDIO_SAMPLE_BYTES
    return FIXED_OVERHEAD + samples


def _preset(pixels_per_second: float) -> tuple[str, str]:
    return next((name, params) for floor, name, params in PRESETS if pixels_per_second > floor)


def _longest(width: int, height: int, fps: float, has_audio: bool) -> str:
    """The longest duration that still fits at the last step's floor, as a person says it."""
    long_side, least_bpp, audio_rate = STEPS[-1]
    out_w, out_h = scaled_size(width, height, long_side)
    video = least_bpp * out_w * out_h * fps  # bit/s
    audio = audio_rate if has_audio else 0
    per_second = (video + audio) / 8 + fps * VIDEO_SAMPLE_BYTES
    per_second += AUDIO_SAMPLES_PER_SECOND * AUDIO_SAMPLE_BYTES if has_audio else 0
    room = TARGET_BYTES * (1 - SAFETY) - FIXED_OVERHEAD - video * VBV_SECONDS / 8
    seconds = max(0.0, room / per_second)
    if seconds < 120:
        return f"about {int(seconds)} seconds at most"
    return f"about {math.floor(seconds / 60)} minutes at most"
