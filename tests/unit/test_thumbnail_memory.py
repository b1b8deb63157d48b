"""Thumbnails of crafted 40-megapixel PNGs (docs/architecture.md, "Thumbnails"): every pixel
mode the probe lets in renders within the worker's 300 MB budget, and transparency survives.

Each render runs in an interpreter of its own whose data segment (RLIMIT_DATA: heap and
private writable mappings, where Pillow keeps its pixels) may grow by at most
BUDGET_MB: an allocation past it fails, and the render with it. The files are a few
KB each (one colour, compressed), made by bench.crafted_images.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bench import crafted_images as crafted

ROOT = Path(__file__).resolve().parent.parent.parent
BUDGET_MB = 300
CHILD = """
import io, json, resource, sys
from PIL import Image, PngImagePlugin, WebPImagePlugin
from chalicelib import thumbnails

data = sys.stdin.buffer.read()
with open("/proc/self/status") as status:
    held = int(next(line for line in status if line.startswith("VmData:")).split()[1]) * 1024
ceiling = held + int(sys.argv[1]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_DATA, (ceiling, resource.getrlimit(resource.RLIMIT_DATA)[1]))
try:
    out = Image.open(io.BytesIO(thumbnails.render(io.BytesIO(data))))
except thumbnails.RenderError as exc:
    print(json.dumps({"error": str(exc)}))
else:
    print(json.dumps({"mode": out.mode, "size": out.size, "pixel": out.getpixel((240, 150))}))
"""

#: name -> (the file, the thumbnail's mode, its centre pixel)
CASES: dict[str, tuple[Callable[[], bytes], str, tuple[int, ...]]] = {
    # 0x5A5A of 65535 is grey 90 of 255
    "grey16": (crafted.grey16_png, "RGB", (90, 90, 90)),
    # index 0 transparent, index 1 opaque amber, alternating: half covered, the colour not darkened
    "palette_alpha": (crafted.palette_alpha_png, "RGBA", (240, 200, 20, 128)),
    # every pixel is the tRNS key: all transparent
    "grey16_key": (lambda: crafted.uniform_png(crafted.GREY, 16, transparency=b"\x5a\x5a"), "RGBA", (0, 0, 0, 0)),
    "grey1": (lambda: crafted.uniform_png(crafted.GREY, 1, sample=0xFF), "RGB", (255, 255, 255)),
    "palette8": (
        lambda: crafted.uniform_png(crafted.PALETTE, 8, sample=1, palette=bytes((0, 0, 0, 30, 60, 90))),
        "RGB",
        (30, 60, 90),
    ),
    "rgba8": (lambda: crafted.uniform_png(crafted.RGBA, 8, sample=0x80), "RGBA", (128, 128, 128, 128)),
    "rgb8_key": (
        lambda: crafted.uniform_png(crafted.RGB, 8, transparency=b"\x00\x5a\x00\x5a\x00\x5a"),
        "RGBA",
        (0, 0, 0, 0),
    ),
}


def render_in_budget(data: bytes) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(BUDGET_MB)], input=data, cwd=ROOT, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return dict(json.loads(done.stdout.decode().strip().splitlines()[-1]))


@pytest.mark.slow(seconds=2)
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_40_megapixel_png_of_every_mode_renders_within_300_mb(case: str) -> None:
    make, mode, pixel = CASES[case]
    data = make()
    assert len(data) < 200_000  # a few KB on disk is the point of the attack
    found = render_in_budget(data)
    assert "error" not in found, found["error"]
    assert (found["mode"], tuple(found["size"])) == (mode, (480, 300))  # type: ignore[arg-type]
    assert all(abs(a - b) <= 1 for a, b in zip(found["pixel"], pixel, strict=True)), found  # type: ignore[call-overload]
