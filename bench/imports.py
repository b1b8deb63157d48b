"""Import time of the API module against the framework floor (a Lambda cold start
pays it before the first request), in fresh interpreters, alternating: the ratio is the median of the 11 pairs' ratios.

Both sides run from bytecode, as site-packages does after pip: a private
bytecode cache (PYTHONPYCACHEPREFIX in a temporary directory) is filled by one
untimed run of each, so the figure is what gets imported, not compiling.
The figures are CPU time: an import is single-threaded, so on an idle machine
CPU and wall time agree, and on a shared one CPU time ignores the neighbours
(wall-clock medians are kept alongside).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Any

from bench.harness import ROOT, emit, interleaved, median, paired_ratio

RUNS = 11  # per side; the median of an odd count is one real run
FLOOR = "import chalice, boto3, pynamodb"
API = "import app"
#: Every module ``import app`` loads except the service's own.
DEPENDENCIES = "import chalice, botocore.session, pynamodb.models, pynamodb.transactions, unicodedata"
#: What the API module must not pull in: image/video probing, the multipart
#: parser (direct uploads only), the test and local-stack tooling.
HEAVY = ("PIL", "hachoir", "filetype", "python_multipart", "moto", "requests", "ops")


def _timed(statement: str, env: dict[str, str]) -> tuple[float, float, list[str]]:
    """(CPU ms, wall ms, top-level modules loaded) of ``statement`` in a fresh interpreter."""
    code = (
        "import json, sys, time\n"
        "c, t = time.process_time(), time.perf_counter()\n"
        f"{statement}\n"
        "cpu, wall = (time.process_time() - c) * 1000, (time.perf_counter() - t) * 1000\n"
        "print(json.dumps([cpu, wall, sorted({m.split('.')[0] for m in sys.modules})]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    cpu, wall, modules = json.loads(done.stdout)
    return float(cpu), float(wall), list(modules)


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        loaded = _timed(API, env)[2]  # fills the bytecode cache
        _timed(FLOOR, env)
        api, floor = interleaved(lambda: _timed(API, env), lambda: _timed(FLOOR, env), RUNS)
    with tempfile.TemporaryDirectory() as cache:
        # As `chalice package` ships it: the service's modules without bytecode
        # (compiled at every cold start), its dependencies with.
        env = {**os.environ, "PYTHONPYCACHEPREFIX": cache}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        _timed(DEPENDENCIES, env)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        from_source = [_timed(API, env)[0] for _ in range(RUNS)]
    api_ms, floor_ms = median([r[0] for r in api]), median([r[0] for r in floor])
    return {
        "import_ms_api": round(api_ms, 1),
        "import_ms_floor": round(floor_ms, 1),
        "import_ratio": round(paired_ratio([r[0] for r in api], [r[0] for r in floor]), 3),
        "import_ms_api_from_source": round(median(from_source), 1),
        "_import_wall_ms_api": round(median([r[1] for r in api]), 1),
        "_import_wall_ms_floor": round(median([r[1] for r in floor]), 1),
        "_heavy_modules_imported": [m for m in HEAVY if m in loaded],
    }


if __name__ == "__main__":
    emit(run())
