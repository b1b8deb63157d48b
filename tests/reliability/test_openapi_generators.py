"""The document as client generators read it: openapi-python-client (the most used Python
generator) builds a client from chalicelib/openapi.json with no warning, keeping every
documented answer, errors included, and every schema.

Two shapes upset it, and the document avoids both: an error response that narrows the
shared ``code`` string to a constant (the generator cannot merge ``str`` with a
``Literal`` and drops the response), and an inline object inside a ``oneOf`` variant
(the generator names it after its position and then meets the name twice).
openapi-typescript reads the document too (README, "API reference"); it needs npm, so
it is run by hand, not here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow(seconds=3)

DOCUMENT = Path(__file__).parents[2] / "chalicelib" / "openapi.json"
METHODS = {"get", "put", "post", "delete", "patch"}


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def generate(into: Path) -> tuple[str, Path]:
    """Run the generator (ruff, which it formats with, from this environment); its output and the package."""
    bin_dir = Path(sys.executable).parent
    done = subprocess.run(
        [str(bin_dir / "openapi-python-client"), "generate", "--path", str(DOCUMENT), "--meta", "none"]
        + ["--output-path", str(into / "client")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
        check=False,
    )
    return done.stdout + done.stderr, into / "client"


def test_openapi_python_client_generates_every_answer_and_schema_without_a_warning(tmp_path: Path) -> None:
    output, package = generate(tmp_path)
    assert "Warning" not in output and "Unable to" not in output and "Cannot parse" not in output, output
    document = json.loads(DOCUMENT.read_text("utf-8"))
    modules = {path.stem: path.read_text() for path in (package / "api").rglob("*.py")}
    for item in document["paths"].values():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            source = modules[snake(operation["operationId"])]
            handled = {int(code) for code in re.findall(r"response\.status_code == (\d+)", source)}
            documented = {int(code) for code in operation["responses"]}
            assert handled == documented, (operation["operationId"], sorted(documented - handled))
    models = {path.stem for path in (package / "models").glob("*.py")}
    for schema, definition in document["components"]["schemas"].items():
        # A union of named schemas is a type alias; an anonymous union becomes one model per variant.
        named_union = all("$ref" in variant for variant in definition.get("oneOf", [{}]))
        kept = snake(schema) in models or any(m.startswith(f"{snake(schema)}_type_") for m in models)
        assert kept or named_union, schema
