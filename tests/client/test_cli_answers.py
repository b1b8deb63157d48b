"""The `media` command as a newcomer meets it: a declined `rm` is an answer (exit 0), not a
failure; `get` and `usage` print lines with nothing after their values, whatever the
terminal's width; an upload's bar knows the file's size before the first byte."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from rich.console import Console
from rich.progress import Progress, TaskID

from media_client.cli import cli
from media_client.cli._upload import Batch, progress_display
from tests.client.conftest import Stack, Tenant, png_file


def media(stack: Stack, tenant: Tenant, *args: str, input: str | None = None) -> Result:
    env = {"MEDIA_API_KEY": tenant.api_key, "MEDIA_API_URL": stack.api_url, "COLUMNS": "160"}
    return CliRunner().invoke(cli, ["--retries", "1", *args], env=env, input=input)


def test_declining_rm_deletes_nothing_and_exits_0(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    with stack.client(tenant) as client:
        kept = client.upload(png_file(tmp_path / "keep.png"))
    declined = media(stack, tenant, "rm", str(kept.id), input="n\n")
    assert declined.exit_code == 0, declined.output
    assert declined.stderr.splitlines()[-1] == "Nothing was deleted."
    assert declined.stdout == ""
    as_json = media(stack, tenant, "rm", str(kept.id), "--json", input="n\n")
    assert (as_json.exit_code, json.loads(as_json.stdout)) == (0, [])
    assert [f["id"] for f in stack.files(tenant)] == [kept.id]


def test_get_and_usage_print_nothing_after_their_values(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    with stack.client(tenant) as client:
        shot = client.upload(png_file(tmp_path / "shot.png"))
    for args in (("get", str(shot.id)), ("usage",)):
        result = media(stack, tenant, *args)
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert lines and all(line == line.rstrip() for line in lines), lines
        assert max(len(line) for line in lines) < 160
    shown = dict(line.split(None, 1) for line in media(stack, tenant, "get", str(shot.id)).stdout.splitlines()[:2])
    assert shown == {"id": str(shot.id), "name": "shot.png"}
    usage = media(stack, tenant, "usage").stdout
    assert "\nmax file size   50 MB\n" in usage


class Recording(Progress):
    """A rich Progress that keeps each task's total as it was created."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.created: dict[str, float | None] = {}

    def add_task(
        self,
        description: str,
        start: bool = True,
        total: float | None = 100.0,
        completed: int = 0,
        visible: bool = True,
        **fields: Any,
    ) -> TaskID:
        self.created[description] = total
        return super().add_task(description, start, total, completed, visible, **fields)


def test_each_bar_starts_with_its_files_size(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    paths = [png_file(tmp_path / f"p{index}.png") for index in range(2)]
    template = progress_display(Console(), enabled=False)
    with stack.client(tenant) as client, Recording(*template.columns, disable=True) as progress:
        outcomes, _ = Batch(client, paths, None, progress).run(parallel=2)
    assert all(o.media is not None for o in outcomes)
    assert {name: progress.created[name] for name in ("p0.png", "p1.png")} == {
        path.name: path.stat().st_size for path in paths
    }
