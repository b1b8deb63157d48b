"""The packaged template of every stage, built once for the modules that check it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import botocore.client
import pytest

from ops import template

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STAGES = ("dev", "prod")
Call = tuple[str, str, dict[str, Any]]


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """`chalice package` + the merge template for every stage, as `make package` runs it,
    on a copy of the project whose requirements are empty (no download; the
    template does not depend on them)."""
    project = tmp_path_factory.mktemp("project")
    shutil.copy(ROOT / "app.py", project)
    shutil.copytree(ROOT / "chalicelib", project / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "deploy", project / "deploy")
    (project / ".chalice").mkdir()
    shutil.copy(ROOT / ".chalice" / "config.json", project / ".chalice")
    (project / "requirements.txt").write_text("")
    env = {"PATH": str(BIN), "AWS_DEFAULT_REGION": "us-east-1", "HOME": str(project)}
    results = {}
    for stage in STAGES:
        merge = project / f"merge-{stage}.json"
        merge.write_text(json.dumps(template.merge_template(stage)))
        out = project / "dist" / stage
        subprocess.run(
            [str(BIN / "chalice"), "package", "--stage", stage, "--pkg-format", "cloudformation",
             "--merge-template", str(merge), str(out)],
            cwd=project, env=env, check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        results[stage] = json.loads((out / "sam.json").read_text())
        results[stage]["_path"] = str(out / "sam.json")
    return results


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Callable[[], Any]:
    """record() -> a context manager collecting (service, operation, params) of every AWS call."""
    calls: list[Call] | None = None
    original = botocore.client.BaseClient._make_api_call

    def recording(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if calls is not None:
            calls.append((self.meta.service_model.service_name, operation, params))
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)

    @contextmanager
    def record() -> Iterator[list[Call]]:
        nonlocal calls
        calls = []
        try:
            yield calls
        finally:
            calls = None

    return record
