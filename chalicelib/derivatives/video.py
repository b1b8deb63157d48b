"""A video's rendition: any accepted video in, an H.264/AAC MP4 within 16 MB out.

Frames stream through one at a time (decode, drop above 30 fps, scale and turn upright,
encode, mux): memory does not grow with the video's length. The result is opened again
and checked (codecs, duration, ``moov`` before ``mdat``, size) before it is returned.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from chalicelib.derivatives.encoding import Mp4Writer, check_mp4
from chalicelib.derivatives.frames import FrameGate, FrameShaper
from chalicelib.derivatives.inputs import (
    check_deadline,
    decoding,
    displayed_size,
    open_source,
    read_video_facts,
)
from chalicelib.derivatives.plans import SAFETY, TARGET_BYTES, VideoPlan, scaled_size
from chalicelib.derivatives.results import DerivativeError, Made

#: A retry aims this far under the limit, relative to how far over the first try landed.
RETRY_HEADROOM = 0.92


def transcode_video(
    source_path: Path | str,
    target_path: Path | str,
    plan: VideoPlan,
    *,
    rotation: int | None = None,
    deadline: float | None = None,
    limit: int = TARGET_BYTES,
) -> Made:
    """Write ``plan``'s rendition of ``source_path`` to ``target_path`` and check it.

    ``rotation``: degrees clockwise the stored picture turns to be shown upright; None
    reads it from the file's display matrix. ``deadline``: a ``time.monotonic()`` value
    to give up by (Lambda's remaining time), with a DerivativeError. Over ``limit`` bytes
    (WhatsApp's 16 MB), one more try at a bitrate lowered in proportion; still over:
    DerivativeError. A failure leaves no file at ``target_path``.
    """
    source, target = Path(source_path), Path(target_path)
    try:
        made = _make(source, target, plan, rotation, deadline)
        if made.size > limit:
            factor = limit * (1 - SAFETY) / made.size * RETRY_HEADROOM
            lower = int(plan.video_bitrate * factor)
            plan = dataclasses.replace(plan, video_bitrate=lower, maxrate=lower, bufsize=int(plan.bufsize * factor))
            made = _make(source, target, plan, rotation, deadline)
        if made.size > limit:
            raise DerivativeError(f"the rendition came out at {made.size / 1e6:.1f} MB, over {limit / 1e6:g} MB, twice")
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return made


def _make(source: Path, target: Path, plan: VideoPlan, rotation: int | None, deadline: float | None) -> Made:
    check_deadline(deadline)
    facts = read_video_facts(source)
    turn = facts.rotation if rotation is None else rotation % 360
    if turn != facts.rotation:  # the caller knows better: undo the file's own turn first
        stored = (facts.height, facts.width) if facts.rotation in (90, 270) else (facts.width, facts.height)
        shown = displayed_size(*stored, None, turn)
    else:
        shown = (facts.width, facts.height)
    size = scaled_size(*shown, plan.long_side)
    with decoding("video"), open_source(source) as container:
        video = container.streams.video[0]
        video.codec_context.thread_type = "AUTO"  # frame and slice threads: both cores decode
        audio = container.streams.audio[0] if plan.audio_bitrate and container.streams.audio else None
        writer = Mp4Writer(target, plan, size, video.time_base, audio, facts.colour_matrix)
        try:
            _pump(container, video, audio, writer, FrameShaper(*size, turn, video.time_base), plan, deadline)
        except BaseException:
            writer.abandon()
            raise
    return check_mp4(target, facts.duration, audio=writer.audio is not None)


def _pump(
    container: Any,
    video: Any,
    audio: Any | None,
    writer: Mp4Writer,
    shaper: FrameShaper,
    plan: VideoPlan,
    deadline: float | None,
) -> None:
    """Every packet of the two streams through decode, gate, shaper and writer, in file order."""
    start = float(container.start_time or 0) / 1_000_000
    time_base = video.time_base
    rate = video.average_rate or video.guessed_rate
    interval = 1.0 / float(rate) if rate else 1.0 / plan.fps
    gate = FrameGate(plan.fps)
    last_pts, last_seconds, audio_started = -1, None, False
    streams = [video] if audio is None else [video, audio]
    for packet in container.demux(*streams):
        check_deadline(deadline)
        for frame in packet.decode():
            if packet.stream is audio:
                if not audio_started:
                    writer.start_audio_at((frame.time if frame.time is not None else start) - start)
                    audio_started = True
                writer.write_audio(frame)
                continue
            if frame.time is not None:
                seconds = frame.time - start
            else:  # no timestamp (some AVI): one frame interval after the last
                seconds = 0.0 if last_seconds is None else last_seconds + interval
            last_seconds = seconds
            pts = round(seconds / time_base)
            if seconds < 0 or pts <= last_pts or not gate.admits(seconds):
                continue
            for shaped in shaper.shape(frame):
                writer.write_video(shaped, pts)
            last_pts = pts
    if last_pts < 0:
        raise DerivativeError("the video holds no picture that could be decoded")
    writer.finish(last_pts + max(1, round(max(interval, 1.0 / plan.fps) / time_base)))
