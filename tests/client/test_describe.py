"""Descriptions and tags from Python and from `media describe`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from media_client.cli import cli
from tests.client.conftest import Stack, Tenant, png_file


def test_describe_sets_keeps_and_clears_the_description_and_tags(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    with stack.client(tenant) as media:
        photo = media.upload(png_file(tmp_path / "terrace.png"))
        described = media.describe(photo.id, description="The café terrace at night", tags=["Cafe", "night"])
        assert (described.description, described.tags, described.name) == (
            "The café terrace at night",
            ("cafe", "night"),
            "terrace.png",
        )
        assert media.describe(photo.id, tags=["paris"]).description == "The café terrace at night"
        cleared = media.describe(photo.id, description=None, tags=[])
        assert (cleared.description, cleared.tags) == (None, ())
        with pytest.raises(ValueError):
            media.describe(photo.id)


def test_media_describe_prints_the_file_and_refuses_contradictions(
    stack: Stack, tenant: Tenant, tmp_path: Path
) -> None:
    with stack.client(tenant) as media:
        photo = media.upload(png_file(tmp_path / "terrace.png"))
    env = {"MEDIA_API_KEY": tenant.api_key, "MEDIA_API_URL": stack.api_url}
    run = CliRunner().invoke(
        cli, ["describe", str(photo.id), "-d", "Terrace", "-t", "cafe", "-t", "night", "--json"], env=env
    )
    assert run.exit_code == 0, run.output
    assert (json.loads(run.stdout)["description"], json.loads(run.stdout)["tags"]) == ("Terrace", ["cafe", "night"])
    shown = CliRunner().invoke(cli, ["describe", str(photo.id), "--clear-tags"], env=env)
    assert shown.exit_code == 0 and "Terrace" in shown.stdout
    assert CliRunner().invoke(cli, ["describe", str(photo.id)], env=env).exit_code == 2
    both = CliRunner().invoke(cli, ["describe", str(photo.id), "-t", "a", "--clear-tags"], env=env)
    assert both.exit_code == 2
    refused = CliRunner().invoke(cli, ["describe", str(photo.id), "-t", "no/slash"], env=env)
    assert refused.exit_code == 1 and "tags.0" in refused.stderr
