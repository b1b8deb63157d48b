"""The layers' import rules of docs/architecture.md ("Layers"), read from the source: every
import, at module level or inside a function (the lazy ones count too)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHALICELIB = ROOT / "chalicelib"
#: app.py's middlewares: in chalicelib only because a Chalice deployment packages app.py
#: and chalicelib/ alone; they are the Chalice front, like app.py.
FRONT_IN_CHALICELIB = {"chalicelib/middleware.py"}
PORTS = ("chalicelib.records", "chalicelib.storage", "chalicelib.models", "boto3", "botocore", "pynamodb")


def imports_of(path: Path) -> set[str]:
    """The modules ``path`` imports, as dotted names (relative imports resolved)."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def under(names: set[str], prefixes: tuple[str, ...]) -> set[str]:
    return {name for name in names if any(name == p or name.startswith(p + ".") for p in prefixes)}


def modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def label(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", modules(CHALICELIB), ids=label)
def test_chalicelib_never_imports_the_front_ops_or_the_framework(path: Path) -> None:
    forbidden: tuple[str, ...] = ("app", "ops", "manage", "tests")
    if label(path) not in FRONT_IN_CHALICELIB:
        forbidden += ("chalice",)
    assert under(imports_of(path), forbidden) == set()


@pytest.mark.parametrize("path", modules(CHALICELIB / "domain"), ids=label)
def test_the_domain_does_no_io(path: Path) -> None:
    outside = {name for name in imports_of(path) if name.startswith("chalicelib")}
    allowed = {name for name in outside if name.startswith(("chalicelib.domain", "chalicelib.errors"))}
    assert outside - allowed == set()
    assert under(imports_of(path), ("boto3", "botocore", "pynamodb", "PIL", "av", "httpx", "requests")) == set()


@pytest.mark.parametrize("path", [ROOT / "app.py", *modules(CHALICELIB / "mcp")], ids=label)
def test_the_fronts_reach_records_and_storage_only_through_use_cases(path: Path) -> None:
    assert under(imports_of(path), PORTS) == set()


def test_the_rules_see_what_a_module_imports() -> None:
    """The reader itself: absolute, relative and lazy imports are all found."""
    module = CHALICELIB / "middleware.py"
    assert {"chalice", "chalicelib.edge", "chalicelib.idempotency"} <= imports_of(module)
    assert under(imports_of(ROOT / "app.py"), ("chalicelib.mcp",)) != set()  # imported inside a view
