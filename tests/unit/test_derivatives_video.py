"""The derivatives engine's videos (chalicelib/derivatives): renditions every chat channel
plays, posters, and the plan that sizes them. Every output is opened again with PyAV and
its MP4 boxes read here (tests/helpers/renditions.py), apart from the engine's own checks."""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat

from chalicelib.derivatives import (
    CannotFit,
    DerivativeError,
    Made,
    VideoPlan,
    make_poster,
    plan_video,
    read_video_facts,
    transcode_video,
)
from chalicelib.derivatives.plans import SAFETY, TARGET_BYTES
from tests.helpers.media import FIXTURES
from tests.helpers.renditions import (
    BLUE,
    ORANGE,
    RED,
    assert_plays_everywhere,
    colour_at,
    near,
    pixel,
    write_h264,
)

# name -> (codec, audio codec or None, duration): every kind of video the API accepts
SOURCES = {
    "portrait-hevc.mov": ("hevc", "aac", 2.0),
    "render-vp9-opus.webm": ("vp9", "opus", 1.508),
    "render-mpeg4-mp3.avi": ("mpeg4", "mp3", 1.1),
    "sample.wmv": ("wmv2", None, 1.0),
    "sample.flv": ("flv1", None, 0.5),
    "sample.mp4": ("h264", "aac", 2.0),
    "60fps.mp4": ("h264", None, 1.0),
    "fragmented.mp4": ("h264", "aac", 2.6),
}


def rendition_of(name: str, tmp_path: Path, **kwargs: Any) -> tuple[Made, Path]:
    source = FIXTURES / name
    facts = read_video_facts(source)
    plan = plan_video(facts.duration, facts.width, facts.height, facts.fps, facts.has_audio)
    assert isinstance(plan, VideoPlan)
    target = tmp_path / "rendition.mp4"
    return transcode_video(source, target, plan, **kwargs), target


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_accepted_video_becomes_an_mp4_every_channel_plays(name: str, tmp_path: Path) -> None:
    codec, audio, duration = SOURCES[name]
    facts = read_video_facts(FIXTURES / name)
    assert (facts.video_codec, facts.audio_codec) == (codec, audio)
    made, target = rendition_of(name, tmp_path)
    assert_plays_everywhere(target, audio=audio is not None, duration=duration)
    assert made == Made(target.stat().st_size, made.width, made.height, made.duration, "h264", "aac" if audio else None)
    assert abs(made.duration - duration) <= 0.2


def test_a_phone_video_is_turned_upright_and_stays_portrait(tmp_path: Path) -> None:
    # Stored 96x64, left half red; its display matrix turns it 90 degrees clockwise.
    assert read_video_facts(FIXTURES / "portrait-hevc.mov").rotation == 90
    made, target = rendition_of("portrait-hevc.mov", tmp_path)
    assert made.metadata == {
        "width": 64,
        "height": 96,
        "duration": round(made.duration, 3),
        "video_codec": "h264",
        "audio_codec": "aac",
    }
    frames = assert_plays_everywhere(target, audio=True, duration=2.0)
    for frame in (frames[0], frames[-1]):
        assert (frame.width, frame.height) == (64, 96)
        assert near(colour_at(frame, 0.5, 0.1), RED) and near(colour_at(frame, 0.5, 0.9), BLUE)


def test_a_rotation_given_by_the_caller_wins_over_the_files(tmp_path: Path) -> None:
    made, target = rendition_of("portrait-hevc.mov", tmp_path, rotation=270)
    assert (made.width, made.height) == (64, 96)
    first = assert_plays_everywhere(target, audio=True, duration=2.0)[0]
    assert near(colour_at(first, 0.5, 0.1), BLUE) and near(colour_at(first, 0.5, 0.9), RED)
    made, target = rendition_of("portrait-hevc.mov", tmp_path, rotation=0)
    assert (made.width, made.height) == (96, 64)  # as stored: red on the left
    assert near(colour_at(assert_plays_everywhere(target, audio=True, duration=2.0)[0], 0.1, 0.5), RED)


def test_sixty_frames_a_second_become_thirty(tmp_path: Path) -> None:
    _, target = rendition_of("60fps.mp4", tmp_path)
    frames = assert_plays_everywhere(target, audio=False, duration=1.0)
    assert len(frames) == 30
    gaps = {round(b.time - a.time, 3) for a, b in zip(frames, frames[1:], strict=False)}
    assert gaps <= {0.033, 0.034}, gaps


def noisy_video(path: Path, size: tuple[int, int] = (128, 96), frames: int = 90, fps: int = 30) -> Path:
    """3 s of a gradient under fresh noise: every frame costs bits, so x264's rate control,
    not the picture's simplicity, decides the size."""
    rnd = random.Random(5)
    base = Image.linear_gradient("L").resize(size).convert("RGB")
    noise = (
        Image.frombytes("L", size, rnd.randbytes(size[0] * size[1])).point(lambda v: v // 6) for _ in range(frames)
    )
    return write_h264(path, (ImageChops.add(base, layer.convert("RGB")) for layer in noise), size, fps)


def test_a_rendition_over_the_limit_is_made_again_smaller(tmp_path: Path) -> None:
    source = noisy_video(tmp_path / "noisy.mp4")
    facts = read_video_facts(source)
    plan = plan_video(facts.duration, facts.width, facts.height, facts.fps, facts.has_audio)
    assert isinstance(plan, VideoPlan)
    first = transcode_video(source, tmp_path / "first.mp4", plan)
    limit = int(first.size * 0.8)
    made = transcode_video(source, tmp_path / "rendition.mp4", plan, limit=limit)
    assert made.size <= limit
    assert_plays_everywhere(tmp_path / "rendition.mp4", audio=False, duration=3.0)


def test_a_rendition_that_cannot_get_under_the_limit_is_refused_and_removed(tmp_path: Path) -> None:
    with pytest.raises(DerivativeError, match=r"over 0\.0001 MB, twice"):
        rendition_of("sample.avi", tmp_path, limit=100)
    assert not (tmp_path / "rendition.mp4").exists()


def test_running_out_of_time_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DerivativeError, match="ran out of time"):
        rendition_of("sample.mp4", tmp_path, deadline=time.monotonic() - 1)
    assert not (tmp_path / "rendition.mp4").exists()


def damaged_videos() -> dict[str, bytes]:
    mov = (FIXTURES / "portrait-hevc.mov").read_bytes()
    mdat = mov.index(b"mdat") + 4
    return {
        "noise": random.Random(4096).randbytes(4096),  # the same every run: some noise reads as audio
        "cut before its index": (FIXTURES / "sample.mp4").read_bytes()[:3000],  # moov is at the end
        "frames zeroed": mov[:mdat] + bytes(len(mov) - mdat),
        "empty": b"",
    }


@pytest.mark.parametrize("damage", sorted(damaged_videos()))
def test_a_damaged_video_is_a_derivative_error_with_a_reason(damage: str, tmp_path: Path) -> None:
    source = tmp_path / "damaged.mov"
    source.write_bytes(damaged_videos()[damage])
    plan = plan_video(2.0, 64, 96, 10, True)
    assert isinstance(plan, VideoPlan)
    for attempt in (
        lambda: read_video_facts(source),
        lambda: transcode_video(source, tmp_path / "out.mp4", plan),
        lambda: make_poster(source),
    ):
        with pytest.raises(DerivativeError) as raised:
            attempt()
        reason = raised.value.reason
        assert reason[0].islower() and " " in reason and "Traceback" not in reason, reason
        assert "could not be read" in reason or "no picture" in reason, reason
    assert not (tmp_path / "out.mp4").exists()


# -- the plan ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "long_side", "audio_bitrate"),
    [(10, 1920, 128_000), (30, 1920, 128_000), (45, 1280, 128_000), (90, 854, 96_000), (200, 640, 64_000)],
)
def test_longer_videos_step_down_in_resolution(duration: float, long_side: int, audio_bitrate: int) -> None:
    plan = plan_video(duration, 1080, 1920, 29.97, True)
    assert isinstance(plan, VideoPlan)
    assert (plan.long_side, plan.height, plan.audio_bitrate) == (long_side, long_side, audio_bitrate)
    assert plan.width == round(long_side * 1080 / 1920 / 2) * 2  # aspect kept, even
    assert plan.bytes_bound <= TARGET_BYTES * (1 - SAFETY)


def test_every_plan_fits_with_its_boxes_and_margin() -> None:
    for seconds in range(1, 400, 3):
        for width, height, fps, audio in ((1920, 1080, 60, True), (640, 480, 24, False), (3840, 2160, 30, True)):
            plan = plan_video(seconds, width, height, fps, audio)
            if isinstance(plan, VideoPlan):
                assert plan.bytes_bound <= TARGET_BYTES * (1 - SAFETY), (seconds, width)
                assert plan.fps <= 30 and plan.width % 2 == 0 and plan.height % 2 == 0
                assert max(plan.width, plan.height) <= max(width, height)


def test_a_small_video_is_never_scaled_up() -> None:
    plan = plan_video(5, 320, 241, None, False)
    assert isinstance(plan, VideoPlan)
    assert (plan.width, plan.height, plan.fps, plan.audio_bitrate) == (320, 242, 30, None)


def test_a_video_too_long_for_16_mb_cannot_fit_and_says_how_long_could() -> None:
    plan = plan_video(600, 1920, 1080, 30, True)
    assert plan == CannotFit("too long to fit 16 MB at a watchable quality (about 5 minutes at most)")
    assert isinstance(plan_video(300, 1920, 1080, 30, True), VideoPlan)  # under the stated maximum: it fits


def test_a_plan_needs_a_duration_and_a_size() -> None:
    with pytest.raises(ValueError):
        plan_video(0, 1920, 1080, 30, True)


# -- posters -------------------------------------------------------------------------------


def poster_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "WEBP"
    return image.convert("RGB")


def test_a_poster_shows_the_video_upright(tmp_path: Path) -> None:
    image = poster_image(make_poster(FIXTURES / "portrait-hevc.mov"))
    assert image.size == (64, 96)
    assert near(pixel(image, 32, 8), RED) and near(pixel(image, 32, 88), BLUE)


def test_a_poster_skips_black_frames(tmp_path: Path) -> None:
    image = poster_image(make_poster(FIXTURES / "black-start.mp4"))  # 1 s black, then orange
    assert near(tuple(int(v) for v in ImageStat.Stat(image).mean), ORANGE)


def encoded(path: Path, size: tuple[int, int], colours: list[tuple[int, int, int]]) -> Path:
    """One frame of each colour, 10 a second."""
    return write_h264(path, (Image.new("RGB", size, colour) for colour in colours), size)


def test_a_video_black_for_its_first_two_seconds_gets_its_first_frame(tmp_path: Path) -> None:
    colours = [(0, 0, 0)] * 25 + [(250, 250, 250)] * 5  # lit only at 2.5 s
    image = poster_image(make_poster(encoded(tmp_path / "dark.mp4", (48, 32), colours)))
    assert ImageStat.Stat(image.convert("L")).mean[0] < 20


def test_a_poster_is_at_most_480_px_long(tmp_path: Path) -> None:
    image = poster_image(make_poster(encoded(tmp_path / "wide.mp4", (960, 540), [(40, 90, 200)])))
    assert image.size == (480, 270)


@pytest.mark.slow(seconds=6)
def test_posters_of_1080p_hevc_never_hang() -> None:
    """FFmpeg's slice threads deadlocked about once in a hundred posters of a 1080p HEVC
    (x265's wavefront rows), and the worker then waited out its Lambda timeout. 200 posters
    in a process of its own, which must finish (a hang is stopped by the generous timeout).
    The deadlock depends on the process's memory layout: the child gets the environment a
    shell would give it, without pytest's variables, under which it showed most often."""
    code = (
        "import sys; from chalicelib.derivatives import make_poster\n"
        "for _ in range(200): assert make_poster(sys.argv[1])\n"
    )
    run = [sys.executable, "-c", code, str(FIXTURES / "hevc-1080p.mp4")]
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST")}
    try:
        done = subprocess.run(run, cwd=Path(__file__).parents[2], capture_output=True, timeout=240, env=env)
    except subprocess.TimeoutExpired:
        raise AssertionError("a poster of the 1080p HEVC never finished") from None
    assert done.returncode == 0, done.stderr.decode()


def test_the_package_imports_without_pyav_or_pillow() -> None:
    # The API function ships neither: importing the engine must not need them.
    code = (
        "import sys; sys.modules['av'] = None; sys.modules['PIL'] = None\n"
        "import chalicelib.derivatives as d, chalicelib.domain.channels\n"
        "assert isinstance(d.plan_video(30, 1920, 1080, 30, True), d.VideoPlan)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[2], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
