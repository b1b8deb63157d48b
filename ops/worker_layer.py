"""The derivatives worker's Lambda layer: PyAV (FFmpeg's libraries) for that function only.

    .venv/bin/python -m ops.worker_layer build --out dist/worker-layer.zip   # what `make package` runs

PyAV is ~100 MB unpacked: far too big for the API function, whose zip must
stay small and whose cold start must not grow. It ships in a layer
(``python/`` on the function's path, /opt/python on Lambda) attached to the
``derivatives`` function alone: the packaged template declares it
(:func:`resources`); on the `chalice deploy` path ``manage.py bootstrap``
publishes it and writes its ARN into the stage's config (ops.edge_setup),
where `chalice deploy` attaches it.

The wheels are chosen for the runtime, not for this machine: manylinux2014
x86_64 for CPython 3.11 (glibc 2.17 <= python3.11's Amazon Linux 2, 2.26).
av 14.2.0 is the last release with such wheels (av >= 15 is manylinux_2_28
only); ``ops.package_check --layer`` proves every native file of the layer
will load there.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from ops import iam

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements-worker.txt"
LAYER_ID = "WorkerLayer"
RUNTIME = "python3.11"
#: Inside a layer zip, Python packages live under python/ (/opt/python on Lambda).
SITE = "python/"
#: Sized for a 50 MB source (docs/deploy.md, "The derivatives worker").
MEMORY_MB, EPHEMERAL_MB, TIMEOUT_SECONDS = 3008, 2048, 900


def layer_name(stage: str) -> str:
    return f"{iam.APP_NAME}-{stage}-worker"


def pip_command(target: Path, requirements: Path = REQUIREMENTS) -> list[str]:
    """pip installing the worker's requirements as Lambda's python3.11 x86_64 needs them."""
    return [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
        "--platform", "manylinux2014_x86_64", "--implementation", "cp", "--python-version", "3.11",
        "--only-binary=:all:", "--target", str(target), "-r", str(requirements),
    ]  # fmt: skip


def build(out: Path, requirements: Path = REQUIREMENTS) -> int:
    """Install the requirements for Lambda and zip them under python/; returns the zip's size."""
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "python"
        subprocess.run(pip_command(site, requirements), check=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for path in sorted(site.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    info = zipfile.ZipInfo(SITE + path.relative_to(site).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
                    info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
                    archive.writestr(info, path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.stat().st_size


def resources(stage: str) -> dict[str, Any]:
    """The layer, for the packaged template (``aws cloudformation package`` uploads the zip)."""
    return {
        LAYER_ID: {
            "Type": "AWS::Serverless::LayerVersion",
            "Properties": {
                "LayerName": layer_name(stage),
                "Description": "PyAV (FFmpeg) for the derivatives worker",
                "ContentUri": "./worker-layer.zip",
                "CompatibleRuntimes": [RUNTIME],
                "CompatibleArchitectures": ["x86_64"],
                "RetentionPolicy": "Delete",
            },
        }
    }


def function_properties() -> dict[str, Any]:
    """What the template adds to the derivatives function (chalice has no setting for
    ephemeral storage or a layer built with the package)."""
    return {
        "Layers": [{"Ref": LAYER_ID}],
        "EphemeralStorage": {"Size": EPHEMERAL_MB},
        "MemorySize": MEMORY_MB,
        "Timeout": TIMEOUT_SECONDS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the derivatives worker's layer zip.")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("build", help="pip install requirements-worker.txt for Lambda, zip it")
    command.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    size = build(args.out)
    print(f"{args.out}: {size / 1e6:.1f} MB (worker_layer_bytes={size})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
