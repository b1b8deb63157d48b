"""The client is a package of its own: its metadata, its imports, its types and docstrings."""

from __future__ import annotations

import ast
import importlib.metadata
import inspect
import sys
import tomllib
from pathlib import Path

import media_client
from tests.client.conftest import ROOT

CLIENT = ROOT / "client"
SOURCES = sorted((CLIENT / "src" / "media_client").rglob("*.py"))
ALLOWED_IMPORTS = {"httpx", "rich", "click", "media_client"}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_it_imports_only_the_standard_library_httpx_rich_and_click() -> None:
    assert len(SOURCES) >= 10
    for path in SOURCES:
        foreign = imported_roots(path) - ALLOWED_IMPORTS - set(sys.stdlib_module_names) - {"__future__"}
        assert not foreign, f"{path.relative_to(ROOT)} imports {foreign}"


def test_its_metadata_names_the_distribution_the_import_and_the_command() -> None:
    project = tomllib.loads((CLIENT / "pyproject.toml").read_text())["project"]
    assert project["name"] == "media-api-client"
    assert project["requires-python"] == ">=3.10"
    assert project["scripts"] == {"media": "media_client.cli:main"}
    assert {dep.split(">")[0].split("<")[0] for dep in project["dependencies"]} == {"httpx", "rich", "click"}
    assert all("<" in dep and ">=" in dep for dep in project["dependencies"])  # compatible ranges, not pins
    assert importlib.metadata.version("media-api-client") == media_client.__version__
    assert (CLIENT / "src" / "media_client" / "py.typed").exists()
    assert "-e ./client" in (ROOT / "requirements-dev.txt").read_text().splitlines()


def test_every_public_name_and_method_has_a_docstring() -> None:
    missing = []
    for name in media_client.__all__:
        value = getattr(media_client, name)
        if not (inspect.isclass(value) or inspect.isfunction(value)):
            continue
        if not inspect.getdoc(value):
            missing.append(name)
        if inspect.isclass(value) and value.__module__.startswith("media_client"):
            for attribute, member in vars(value).items():
                if attribute.startswith("_"):
                    continue
                target = member.fget if isinstance(member, property) else member
                if isinstance(target, classmethod | staticmethod):
                    target = target.__func__
                if callable(target) and not inspect.getdoc(target):
                    missing.append(f"{name}.{attribute}")
    assert missing == [], missing
