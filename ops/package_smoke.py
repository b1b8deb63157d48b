"""Smoke runs of what `make package` built: import it from the unpacked zip, in a fresh
interpreter on this machine (ops.package_check proves it will also load on Lambda)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

SMOKE = """
import io, sys
sys.path.insert(0, sys.argv[1])
import PIL, PIL._imaging
from PIL import Image
assert PIL.__file__.startswith(sys.argv[1]) and PIL._imaging.__file__.startswith(sys.argv[1]), PIL.__file__
import app
from chalicelib import probe
for fmt, mime in (("JPEG", "image/jpeg"), ("PNG", "image/png"), ("GIF", "image/gif")):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, fmt)
    probed = probe.inspect(io.BytesIO(out.getvalue()), len(out.getvalue()), "image")
    assert probed.mime_type == mime and probed.metadata == {"width": 40, "height": 30}, probed
import hachoir.parser
print("native code loads:", PIL._imaging.__file__.rsplit("/", 1)[-1])
"""


def smoke(zip_path: Path) -> str:
    """Import the app and probe images with the zip's own Pillow, in a fresh interpreter.

    Runs on this machine, so it proves the modules are complete and load;
    ``check`` proves they will also load on the older Lambda OS.
    """
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(tmp)
        env = {**os.environ, "MEDIA_BUCKET": "smoke-test"}
        done = subprocess.run(
            [sys.executable, "-I", "-c", SMOKE, tmp], capture_output=True, text=True, env=env, timeout=120
        )
    if done.returncode != 0:
        raise RuntimeError(f"the packaged app does not load:\n{done.stderr.strip()}")
    return done.stdout.strip()


LAYER_SMOKE = """
import sys
sys.path.insert(0, sys.argv[1])
import av
assert av.__file__.startswith(sys.argv[1]), av.__file__
for name, mode in (("libx264", "w"), ("aac", "w"), ("hevc", "r"), ("vp9", "r"), ("wmv2", "r"), ("flv", "r")):
    av.codec.Codec(name, mode)
print("layer loads: av", av.__version__, "with libx264, aac, hevc, vp9, wmv2, flv")
"""


def smoke_layer(layer: Path) -> str:
    """Import PyAV from the unpacked layer and open the codecs the worker needs."""
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(layer) as archive:
            archive.extractall(tmp)
        done = subprocess.run(
            [sys.executable, "-I", "-c", LAYER_SMOKE, str(Path(tmp) / "python")],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"the worker layer does not load:\n{done.stderr.strip()}")
    return done.stdout.strip()
