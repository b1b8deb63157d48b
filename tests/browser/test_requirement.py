"""Without Chromium the browser tests skip and say how to install it; CI (REQUIRE_BROWSER=1)
turns that into a failure, so a green run always drove a real browser."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_browser_test(**extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "CHROMIUM_PATH", "REQUIRE_BROWSER"))}
    env.update(PATH=str(Path(sys.executable).parent), **extra)  # no chromium on this PATH
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/browser/test_sign_in.py", "-k", "bad_key", "-q", "-rs"]
        + ["-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("require", [False, True])
def test_browser_tests_without_chromium_skip_with_the_install_command_unless_required(require: bool) -> None:
    done = run_browser_test(**({"REQUIRE_BROWSER": "1"} if require else {}))
    if require:
        assert done.returncode == 1, done.stdout
        assert "REQUIRE_BROWSER=1 but Chromium is not installed: apt-get install -y chromium" in done.stdout
    else:
        assert done.returncode == 0, done.stdout
        assert "1 skipped" in done.stdout
        assert "Chromium is not installed: apt-get install -y chromium" in done.stdout
