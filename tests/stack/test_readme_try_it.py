"""README's "Try it", as a newcomer follows it: its shell blocks, in order, against a fresh
`manage.py serve` on a free port, and each command prints what the README shows after it
(``# ->`` lines; ``...`` stands for what changes from run to run).

It needs bash, curl and jq (the README asks for them, and this machine has them) and
installs nothing: without one of them it skips, saying which.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers.manage import Serve
from tests.helpers.servers import free_port

pytestmark = pytest.mark.slow(seconds=4)

ROOT = Path(__file__).resolve().parents[2]
SECTION = re.compile(r"^## Try it .*?(?=^### |^## (?!Try it))", re.S | re.M)
BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)


def try_it_blocks(readme: str) -> list[str]:
    section = SECTION.search(readme)
    assert section, "README has no Try it section"
    return BLOCK.findall(section.group(0))


def steps(blocks: list[str]) -> list[tuple[str, str | None]]:
    """(command, what it should print) in order; continued lines (``\\``) joined."""
    found: list[tuple[str, str | None]] = []
    for block in blocks:
        lines = block.splitlines()
        index = 0
        while index < len(lines):
            line = lines[index]
            while line.endswith("\\"):
                index += 1
                line = line[:-1] + lines[index].lstrip()
            index += 1
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            expected = []
            while index < len(lines) and lines[index].startswith("# -> "):
                expected.append(lines[index][len("# -> ") :])
                index += 1
            found.append((line, "\n".join(expected) if expected else None))
    return found


def script(found: list[tuple[str, str | None]], outputs: Path) -> str:
    """One bash script: stop at the first failing command; keep what each checked one printed."""
    lines = ["set -euo pipefail"]
    for number, (command, expected) in enumerate(found):
        lines.append(command if expected is None else f"{command} > {outputs}/{number}")
    return "\n".join(lines) + "\n"


def matches(expected: str, printed: str) -> bool:
    pattern = ".*?".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, printed.rstrip("\n"), re.S) is not None


def test_the_try_it_section_runs_top_to_bottom_and_prints_what_it_shows(tmp_path: Path) -> None:
    missing = [tool for tool in ("bash", "curl", "jq") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"README's Try it needs {', '.join(missing)} (apt-get install -y {' '.join(missing)})")
    found = steps(try_it_blocks((ROOT / "README.md").read_text("utf-8")))
    checked = [step for step in found if step[1] is not None]
    assert len(checked) >= 12, found
    work = tmp_path / "work"
    work.mkdir()
    (work / ".venv").symlink_to(ROOT / ".venv")  # the README runs .venv/bin/python in the checkout
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    port = free_port()
    with open(tmp_path / "serve.log", "w") as log:
        server = Serve(port, tmp_path / "data", log)
        try:
            server.wait_for_demo_key()
            env = {**server.env, "PORT": str(port)}
            done = subprocess.run(
                ["bash", "-c", script(found, outputs)], cwd=work, env=env, capture_output=True, text=True, timeout=120
            )
        finally:
            server.kill()
    assert done.returncode == 0, (done.stdout, done.stderr)
    for number, (command, expected) in enumerate(found):
        if expected is not None:
            printed = (outputs / str(number)).read_text()
            assert matches(expected, printed), (command, expected, printed)


def test_the_steps_are_read_as_a_person_reads_them() -> None:
    blocks = ["A=1\ncurl -s x \\\n  -d y | jq .a\n# -> 1\n# -> 2\n# a note\nB=2\n"]
    assert steps(blocks) == [("A=1", None), ("curl -s x -d y | jq .a", "1\n2"), ("B=2", None)]
    assert matches('{"id":...,"a":1}', '{"id":42,"a":1}\n')
    assert not matches('{"id":...,"a":1}', '{"id":42,"a":2}')
