"""Video renditions: how fast, how big and how much memory for a 30 s 1080p phone-sized
video, and what a 1080p HEVC video's poster costs.

The sources are made here with PyAV (nothing committed): 30 s of 1080p30 H.264 at about
8 Mbit/s (~30 MB) with AAC stereo, FFmpeg's ``testsrc2`` under moving noise and a turning
hue so every frame costs the encoder work; and 2 s of 1080p HEVC for the poster.

- ``rendition_speed_ratio_1080p``: seconds of video per second of conversion
  (``transcode_video``, plan included), the median of five runs' ratios (the source's
  length is the same each time; only the conversion is timed).
- ``rendition_bytes_1080p``: the largest of those renditions.
- ``rendition_peak_rss_mb_1080p``: the kernel's peak RSS growth of a process of its own
  during one conversion (PyAV and the plan loaded before).
- ``poster_ms_hevc_1080p``: ``make_poster`` on the HEVC source, median of five.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, cast

from bench.harness import MIN_PAIRS, emit, median, paired_ratio
from bench.memory import peak_growth, run_child

SECONDS = 30
SIZE = (1920, 1080)
FPS = 30
SOURCE_BITRATE = 8_000_000
POSTER_SECONDS = 2
PSNR_EVERY = 90  # frames between the ones compared


def make_source(path: Path, seconds: float, codec: str, bitrate: int, audio: bool) -> None:
    """``seconds`` of 1080p from FFmpeg's own test sources, encoded with ``codec``."""
    import av
    from av.audio.stream import AudioStream
    from av.video.stream import VideoStream

    pictures = av.filter.Graph()
    nodes = [
        pictures.add("testsrc2", f"size={SIZE[0]}x{SIZE[1]}:rate={FPS}:duration={seconds}"),
        pictures.add("noise", "alls=12:allf=t"),  # fresh noise in every frame
        pictures.add("hue", "H=0.5*t"),  # colours turning: the whole picture moves
        pictures.add("format", "yuv420p"),
        pictures.add("buffersink"),
    ]
    pictures.link_nodes(*nodes).configure()
    with av.open(str(path), "w") as out:
        video = cast(VideoStream, out.add_stream(codec, rate=FPS))
        video.width, video.height, video.pix_fmt = *SIZE, "yuv420p"
        video.codec_context.bit_rate = bitrate
        video.codec_context.options = {"preset": "ultrafast"}
        if codec == "libx265":
            video.codec_context.options["x265-params"] = "log-level=error"
        sound = cast(AudioStream, out.add_stream("aac", rate=48_000)) if audio else None
        if sound is not None:
            sound.codec_context.layout, sound.codec_context.bit_rate = "stereo", 128_000
        for frame in _pulled(pictures):
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if sound is not None:
            tone = av.filter.Graph()
            tone_nodes = [tone.add("sine", f"frequency=440:sample_rate=48000:duration={seconds}")]
            tone_nodes += [tone.add("aformat", "sample_fmts=fltp:channel_layouts=stereo"), tone.add("abuffersink")]
            tone.link_nodes(*tone_nodes).configure()
            for chunk in _pulled(tone):
                out.mux(sound.encode(chunk))
            out.mux(sound.encode(None))


def _pulled(graph: Any) -> Any:
    import av

    while True:
        try:
            yield graph.pull()
        except (av.error.EOFError, av.error.BlockingIOError):
            return


def convert(source: Path, target: Path) -> dict[str, Any]:
    """One rendition, planned and made as the worker makes it; its figures."""
    from chalicelib.derivatives import VideoPlan, plan_video, read_video_facts, transcode_video

    started, cpu = time.perf_counter(), time.process_time()
    facts = read_video_facts(source)
    plan = plan_video(facts.duration, facts.width, facts.height, facts.fps, facts.has_audio)
    assert isinstance(plan, VideoPlan), plan
    made = transcode_video(source, target, plan)
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "duration": facts.duration,
        "size": made.size,
        "plan": f"{made.width}x{made.height} {plan.preset} {plan.video_bitrate // 1000} kbit/s",
    }


def psnr(source: Path, rendition: Path) -> float:
    """Mean luma PSNR of every PSNR_EVERY-th frame, the rendition scaled up to the source."""
    import av
    from PIL import ImageChops, ImageStat

    def frames(path: Path) -> list[Any]:
        with av.open(str(path)) as container:
            pictures = [
                frame.to_image(width=SIZE[0], height=SIZE[1]).convert("L")
                for index, frame in enumerate(container.decode(video=0))
                if index % PSNR_EVERY == 0
            ]
        return pictures

    values = []
    for ours, theirs in zip(frames(source), frames(rendition), strict=False):
        rms = ImageStat.Stat(ImageChops.difference(ours, theirs)).rms[0]
        values.append(20 * math.log10(255 / max(rms, 1e-6)))
    return round(statistics.mean(values), 2)


def measure_memory(source: Path, target: Path) -> dict[str, Any]:
    """Child side: load PyAV, the engine and the encoders once, then one conversion."""
    import av  # noqa: F401 - loaded before the baseline

    import chalicelib.derivatives  # noqa: F401

    with peak_growth(python=False) as figures:  # FFmpeg's buffers are not Python allocations
        convert(source, target)
    return figures


def run() -> dict[str, Any]:
    from chalicelib.derivatives import make_poster

    with tempfile.TemporaryDirectory() as scratch:
        source, hevc = Path(scratch) / "phone.mp4", Path(scratch) / "phone-hevc.mp4"
        make_source(source, SECONDS, "libx264", SOURCE_BITRATE, audio=True)
        make_source(hevc, POSTER_SECONDS, "libx265", SOURCE_BITRATE, audio=False)
        runs = [convert(source, Path(scratch) / f"rendition-{index}.mp4") for index in range(MIN_PAIRS)]
        quality = psnr(source, Path(scratch) / "rendition-0.mp4")
        memory = run_child("bench.renditions", "--measure-memory", str(source), str(Path(scratch) / "m.mp4"))
        poster_ms = []
        for _ in range(MIN_PAIRS):
            started = time.perf_counter()
            make_poster(hevc)
            poster_ms.append((time.perf_counter() - started) * 1000)
        source_bytes = source.stat().st_size
    return {
        "rendition_speed_ratio_1080p": round(
            paired_ratio([r["duration"] for r in runs], [r["seconds"] for r in runs]), 2
        ),
        "rendition_bytes_1080p": max(r["size"] for r in runs),
        "rendition_peak_rss_mb_1080p": memory["rss_mb"],
        "poster_ms_hevc_1080p": round(median(poster_ms), 1),
        "_rendition_source_bytes_1080p": source_bytes,
        "_rendition_plan_1080p": runs[0]["plan"],
        "_rendition_cpu_s_1080p": round(median([r["cpu_seconds"] for r in runs]), 1),
        "_rendition_wall_s_1080p": [round(r["seconds"], 1) for r in runs],
        "_rendition_psnr_db_1080p": quality,
        "_load_average": [round(load, 1) for load in os.getloadavg()],
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure-memory"]:
        print(json.dumps(measure_memory(Path(sys.argv[2]), Path(sys.argv[3]))))
    else:
        emit(run())
