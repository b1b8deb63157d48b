"""An independent schemathesis run (its command line, in a process of its own: none of this
suite's hooks or registered media types) reaches the operations on one file through the
document's links. Its stateful phase chains an upload's 201 to GET, PUT and DELETE
/media/{id}; that takes a generated upload the API accepts, which the document makes
possible by declaring the ``file`` part ``format: binary`` (schemathesis then sends real
tiny images, named after their format, among its draws)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.servers import api_over_http, threaded_aws_env
from tests.helpers.tenants import make_tenant

pytestmark = pytest.mark.slow(seconds=25)

OPENAPI = Path(__file__).parents[2] / "chalicelib" / "openapi.json"
ONE_FILE = re.compile(r"/api/v1/media/\d+$")


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, dict[str, str]]]:
    with threaded_aws_env() as env, api_over_http() as base:
        yield base, env


@pytest.fixture
def extra_env(served: tuple[str, dict[str, str]]) -> dict[str, str]:
    return served[1]


def test_the_stateful_phase_follows_an_upload_to_get_rename_and_delete(
    served: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, _ = served
    key = make_tenant("Links").api_key
    har = tmp_path / "run.har"
    command = [str(Path(sys.executable).parent / "schemathesis"), "run", str(OPENAPI), "--url", base]
    command += ["--phases", "stateful", "--mode", "positive", "--max-examples", "10", "--seed", "1"]
    command += ["-H", f"X-Api-Key: {key}", "--report", "har", "--report-har-path", str(har)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path)
    assert har.exists(), done.stdout[-3000:] + done.stderr[-2000:]
    answered: dict[str, set[int]] = {}
    for entry in json.loads(har.read_text())["log"]["entries"]:
        url = entry["request"]["url"].split("?")[0]
        method = entry["request"]["method"]
        if method == "POST" and url.endswith("/api/v1/media"):
            answered.setdefault("upload", set()).add(entry["response"]["status"])
        elif ONE_FILE.search(url):
            answered.setdefault(method, set()).add(entry["response"]["status"])
    assert 201 in answered.get("upload", set()), answered  # generated uploads create files
    for method in ("GET", "PUT", "DELETE"):
        assert any(200 <= status < 300 for status in answered.get(method, set())), (method, answered)
