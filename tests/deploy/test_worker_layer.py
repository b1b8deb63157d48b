"""The worker layer on the `chalice deploy` path: published when it changed, named in the
stage's config for the derivatives function only (moto's Lambda)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import boto3
import pytest

from ops import edge_setup, worker_layer
from tests.deploy.conftest import ROOT


def layer_zip(path: Path, text: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("python/worker_probe.py", text)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / ".chalice", tmp_path / ".chalice", ignore=shutil.ignore_patterns("deployed"))
    return tmp_path


def test_layer_is_published_once_per_content(aws: None, tmp_path: Path) -> None:
    path = layer_zip(tmp_path / "worker-layer.zip", "VERSION = 1\n")
    arn, step = edge_setup.ensure_worker_layer("dev", "us-east-1", path)
    assert (step.outcome, step.detail) == ("created", "version 1")
    again, step = edge_setup.ensure_worker_layer("dev", "us-east-1", path)
    assert (again, step.outcome) == (arn, "unchanged")
    layer_zip(path, "VERSION = 2\n")
    newer, step = edge_setup.ensure_worker_layer("dev", "us-east-1", path)
    assert step.outcome == "created" and newer != arn and newer and newer.endswith(":2")
    described = boto3.client("lambda", region_name="us-east-1").get_layer_version(
        LayerName=worker_layer.layer_name("dev"), VersionNumber=2
    )
    assert described["CompatibleRuntimes"] == [worker_layer.RUNTIME]
    missing, step = edge_setup.ensure_worker_layer("dev", "us-east-1", tmp_path / "absent.zip")
    assert missing is None and step.outcome == "skipped" and "make layer" in step.detail


def test_layer_arn_goes_to_the_derivatives_function_of_its_stage_only(project: Path) -> None:
    arn = "arn:aws:lambda:eu-west-1:123456789012:layer:media-api-dev-worker:3"
    step = edge_setup.write_stage_outputs(project, "dev", {"MEDIA_DISTRIBUTION_ID": "E2EXAMPLE"}, arn)
    assert step.outcome == "updated"
    config = json.loads((project / ".chalice" / "config.json").read_text())
    functions = config["stages"]["dev"]["lambda_functions"]
    assert {name for name, settings in functions.items() if "layers" in settings} == {"derivatives"}
    assert functions["derivatives"]["layers"] == [arn]
    assert config["stages"]["dev"]["environment_variables"]["MEDIA_DISTRIBUTION_ID"] == "E2EXAMPLE"
    assert not any("layers" in s for s in config["stages"]["prod"]["lambda_functions"].values())
    again = edge_setup.write_stage_outputs(project, "dev", {"MEDIA_DISTRIBUTION_ID": "E2EXAMPLE"}, arn)
    assert again.outcome == "unchanged"


def test_stage_config_is_kept_in_the_format_bootstrap_writes() -> None:
    """So that bootstrap's rewrite of the file shows only the values it set."""
    text = (ROOT / ".chalice" / "config.json").read_text()
    assert text == json.dumps(json.loads(text), indent=2) + "\n"


def test_layer_is_built_for_lambda_not_for_this_machine(tmp_path: Path) -> None:
    command = worker_layer.pip_command(tmp_path / "python")
    for flag, value in (
        ("--platform", "manylinux2014_x86_64"),
        ("--python-version", "3.11"),
        ("--implementation", "cp"),
        ("--target", str(tmp_path / "python")),
    ):
        assert command[command.index(flag) + 1] == value
    assert "--only-binary=:all:" in command
    assert command[-1] == str(worker_layer.REQUIREMENTS)
