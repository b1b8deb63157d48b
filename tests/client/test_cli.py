"""The `media` command against a real local stack: output, --json and exit codes (0 done, 1 failed, 2 usage)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from media_client.cli import cli
from media_client.cli._upload import Batch, progress_display
from tests.client.conftest import DEPLOYED_DIRECT_MAX, MIB, Stack, Tenant, mp4_file, png_file
from tests.helpers.servers import closed_port_url

COMMANDS = ["ls", "upload", "get", "rename", "rm", "download", "usage"]


def media(stack: Stack, tenant: Tenant, *args: str, input: str | None = None, **env: str) -> Result:
    environment = {"MEDIA_API_KEY": tenant.api_key, "MEDIA_API_URL": stack.api_url, **env}
    return CliRunner().invoke(cli, ["--retries", "1", *args], env=environment, input=input)


def api(stack: Stack, tenant: Tenant, path: str) -> Any:
    return httpx.get(f"{stack.api_url}/api/v1{path}", headers={"X-Api-Key": tenant.api_key}).json()


def test_upload_prints_ids_and_urls_and_fails_naming_each_failure(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    photo = png_file(tmp_path / "photo.png")
    video = mp4_file(tmp_path / "clip.mp4", DEPLOYED_DIRECT_MAX + MIB)  # through a session
    notes = tmp_path / "notes.txt"
    notes.write_text("not media")
    result = media(stack, tenant, "upload", str(photo), str(notes), str(video))
    assert result.exit_code == 1, result.output
    files = {f["original_name"]: f for f in stack.files(tenant)}
    assert set(files) == {"photo.png", "clip.mp4"}
    assert result.stdout.splitlines() == [
        f"{files['photo.png']['id']}\t{files['photo.png']['url']}\t{photo}",
        f"{files['clip.mp4']['id']}\t{files['clip.mp4']['url']}\t{video}",
    ]
    assert result.stderr.splitlines() == [
        f"Failed: {notes}: notes.txt is not an image or a video "
        "(jpg, jpeg, png, gif, mp4, avi, mov, wmv, flv, webm). [validation_failed]",
        "2 uploaded, 1 failed",
    ]


def test_upload_json_and_name(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    photo = png_file(tmp_path / "photo.png")
    result = media(stack, tenant, "upload", str(photo), "--name", "Hero", "--json")
    assert result.exit_code == 0, result.output
    [outcome] = json.loads(result.stdout)
    # The worker may have attached the thumbnail since the upload answered.
    [stored] = stack.files(tenant)
    assert outcome["file"] == str(photo) and outcome["media"] == {**stored, "thumbnail_url": None}
    assert outcome["media"]["name"] == "Hero"
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    result = media(stack, tenant, "upload", str(empty), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "file": str(empty),
            "error": {
                "status": 422,
                "code": "validation_failed",
                "message": "empty.png is empty.",
                "errors": {"file": ["empty.png is empty."]},
            },
        }
    ]


def test_upload_usage_errors_exit_2(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    photo = str(png_file(tmp_path / "photo.png"))
    for args in (["upload", photo, photo, "--name", "One"], ["upload", str(tmp_path / "missing.png")], ["upload"]):
        result = media(stack, tenant, *args)
        assert result.exit_code == 2, (args, result.output)
    assert stack.files(tenant) == []


def test_upload_sends_three_files_at_once(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    """Five uploads through the command's batch: never more than three in flight, and three at some point."""
    in_flight, most, posts = [0], [0], [0]
    lock = threading.Lock()
    first_three = threading.Barrier(3, timeout=30)  # passes only with three on their way at once

    class Slow(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.method != "POST":
                return super().handle_request(request)
            with lock:
                in_flight[0] += 1
                most[0] = max(most[0], in_flight[0])
                posts[0] += 1
                waits = posts[0] <= 3
            try:
                if waits:  # a fourth worker, were there one, would start meanwhile
                    first_three.wait()
                return super().handle_request(request)
            finally:
                with lock:
                    in_flight[0] -= 1

    paths = [png_file(tmp_path / f"p{i}.png") for i in range(5)]
    from rich.console import Console

    with stack.client(tenant, transport=Slow()) as client, progress_display(Console(), enabled=False) as progress:
        outcomes, interrupted = Batch(client, paths, None, progress).run(parallel=3)
    assert not interrupted
    assert [o.path for o in outcomes] == paths and all(o.media is not None for o in outcomes)
    assert most[0] == 3
    assert len(stack.files(tenant)) == 5


def test_ctrl_c_stops_the_batch_and_keeps_what_was_uploaded(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    from rich.console import Console

    paths = [png_file(tmp_path / f"p{i}.png") for i in range(3)]
    posts = [0]
    batches: list[Batch] = []

    class InterruptedOnTheSecond(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.method == "POST":
                posts[0] += 1
                if posts[0] == 2:
                    os.kill(os.getpid(), signal.SIGINT)  # the user presses Ctrl-C
                    # This upload is on its way until the main thread has taken the interrupt
                    # (was a fixed 0.5 s, which a loaded machine outran: the third started).
                    assert batches[0].cancel.wait(timeout=60)
            return super().handle_request(request)

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with stack.client(tenant, transport=InterruptedOnTheSecond()) as client:
            with progress_display(Console(), enabled=False) as progress:
                batches.append(Batch(client, paths, None, progress))
                outcomes, interrupted = batches[0].run(parallel=1)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert interrupted
    assert [o.path for o in outcomes][:1] == paths[:1] and len(outcomes) <= 2
    assert all(o.media is not None for o in outcomes)
    assert len(stack.files(tenant)) == len(outcomes)  # the third never started
    assert posts[0] == 2


def test_upload_shows_a_bar_per_file_and_a_total_in_a_terminal(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    paths = [str(png_file(tmp_path / f"photo-{i}.png")) for i in range(2)]
    result = media(stack, tenant, "upload", *paths, TTY_COMPATIBLE="1", COLUMNS="100")
    assert result.exit_code == 0, result.output
    assert "Total" in result.stderr and "photo-0.png done" in result.stderr and "photo-1.png done" in result.stderr
    assert len(result.stdout.splitlines()) == 2  # the bars never reach stdout


def test_ls_table_filters_limit_and_json(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    assert media(stack, tenant, "ls").stdout == "No files.\n"
    photo = png_file(tmp_path / "photo.png")
    video = mp4_file(tmp_path / "clip.mp4", 300_000)
    assert media(stack, tenant, "upload", str(photo), str(video), "--parallel", "1").exit_code == 0
    table = media(stack, tenant, "ls", COLUMNS="100")
    assert table.exit_code == 0
    header, *rows = table.stdout.splitlines()
    assert header.split() == ["ID", "NAME", "TYPE", "SIZE", "DIMENSIONS", "CREATED", "(UTC)"]
    assert len(rows) == 2
    assert rows[0].split()[1:8] == ["clip.mp4", "video", "292.97", "KB", "64x48,", "2", "s"]
    assert rows[1].split()[1:6] == ["photo.png", "image", "93", "B", "32x24"]
    assert all(len(line) <= 100 for line in table.stdout.splitlines())
    # The photo's thumbnail and the video's poster are made by their storage events: once they
    # are there, nothing changes under the lists.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(
        m["thumbnail_url"] and m["delivery"]["status"] == "ready" for m in api(stack, tenant, "/media")["data"]
    ):
        time.sleep(0.05)
    listed = json.loads(media(stack, tenant, "ls", "--json").stdout)
    assert listed == api(stack, tenant, "/media")["data"]
    videos = json.loads(media(stack, tenant, "ls", "--type", "video", "--json").stdout)
    assert [m["original_name"] for m in videos] == ["clip.mp4"]
    assert len(json.loads(media(stack, tenant, "ls", "--limit", "1", "--json").stdout)) == 1
    assert json.loads(media(stack, tenant, "ls", "--search", "PHOTO", "--json").stdout)[0]["name"] == "photo.png"
    assert media(stack, tenant, "ls", "--type", "audio").exit_code == 2


def test_ls_table_fits_a_narrow_terminal(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    photo = png_file(tmp_path / "photo.png")
    with stack.client(tenant) as client:
        client.upload(photo, name="A rather long display name that cannot fit in a narrow terminal at all")
    narrow = media(stack, tenant, "ls", COLUMNS="70")
    assert all(len(line) <= 70 for line in narrow.stdout.splitlines()), narrow.stdout
    assert "…" in narrow.stdout and "CREATED" in narrow.stdout
    narrower = media(stack, tenant, "ls", COLUMNS="40")  # the least needed columns go first
    assert narrower.stdout.splitlines()[0].split() == ["ID", "NAME", "TYPE", "SIZE"]
    assert all(len(line) <= 40 for line in narrower.stdout.splitlines()), narrower.stdout


def test_get_rename_rm(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    with stack.client(tenant) as client:
        first = client.upload(png_file(tmp_path / "a.png"))
        second = client.upload(png_file(tmp_path / "b.png"))
    shown = media(stack, tenant, "get", str(first.id))
    assert shown.exit_code == 0 and "a.png" in shown.stdout and first.url[:40] in shown.stdout
    assert json.loads(media(stack, tenant, "get", str(first.id), "--json").stdout) == api(
        stack, tenant, f"/media/{first.id}"
    )
    renamed = media(stack, tenant, "rename", str(first.id), "Hero v2")
    assert (renamed.exit_code, renamed.stdout) == (0, f"Renamed {first.id}: Hero v2\n")
    assert json.loads(media(stack, tenant, "rename", str(first.id), "Hero v3", "--json").stdout)["name"] == "Hero v3"

    declined = media(stack, tenant, "rm", str(first.id), input="n\n")
    assert declined.exit_code == 0 and f"Delete 1 file(s): {first.id}?" in declined.stderr
    assert len(stack.files(tenant)) == 2
    confirmed = media(stack, tenant, "rm", str(first.id), input="y\n")
    assert (confirmed.exit_code, confirmed.stdout) == (0, f"Deleted {first.id}\n")
    partly = media(stack, tenant, "rm", str(second.id), str(first.id), "--yes", "--json")
    assert partly.exit_code == 1
    assert json.loads(partly.stdout) == [
        {"id": second.id, "deleted": True},
        {
            "id": first.id,
            "deleted": False,
            "error": {"status": 404, "code": "not_found", "message": "Media file not found."},
        },
    ]
    assert stack.files(tenant) == []


def test_missing_files_and_bad_arguments(stack: Stack, tenant: Tenant) -> None:
    missing = media(stack, tenant, "get", "424242")
    assert (missing.exit_code, missing.stdout, missing.stderr) == (1, "", "Error: Media file not found. [not_found]\n")
    as_json = media(stack, tenant, "get", "424242", "--json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stderr)["error"] == {
        "status": 404,
        "code": "not_found",
        "message": "Media file not found.",
    }
    assert media(stack, tenant, "get", "abc").exit_code == 2
    assert media(stack, tenant, "rename", "1").exit_code == 2
    assert media(stack, tenant, "frobnicate").exit_code == 2
    invalid = media(stack, tenant, "rename", "424242", "   ")
    assert invalid.exit_code == 1 and "[" in invalid.stderr


def test_download_to_a_path_or_under_its_original_name(
    stack: Stack, tenant: Tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = mp4_file(tmp_path / "clip.mp4", DEPLOYED_DIRECT_MAX + MIB)
    with stack.client(tenant) as client:
        uploaded = client.upload(video)
    target = tmp_path / "out" / "copy.mp4"
    target.parent.mkdir()
    saved = media(stack, tenant, "download", str(uploaded.id), "-o", str(target))
    assert saved.exit_code == 0 and saved.stdout == f"Saved {uploaded.id} to {target} (5 MB)\n"
    assert target.read_bytes() == video.read_bytes()
    monkeypatch.chdir(target.parent)
    first = media(stack, tenant, "download", str(uploaded.id), "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"id": uploaded.id, "path": "clip.mp4", "bytes": video.stat().st_size}
    assert (target.parent / "clip.mp4").read_bytes() == video.read_bytes()
    again = media(stack, tenant, "download", str(uploaded.id))
    assert again.exit_code == 2 and "clip.mp4 already exists" in again.stderr


def test_usage(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    with stack.client(tenant) as client:
        client.upload(png_file(tmp_path / "a.png"))
    text = media(stack, tenant, "usage")
    assert text.exit_code == 0
    assert "1 (1 images, 0 videos)" in text.stdout and "unlimited" in text.stdout and "up to 4 MB" in text.stdout
    assert json.loads(media(stack, tenant, "usage", "--json").stdout) == api(stack, tenant, "/account")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_key_is_one_line_naming_the_variable(command: str, tmp_path: Path) -> None:
    photo = str(png_file(tmp_path / "a.png"))
    args = {"upload": [photo], "get": ["1"], "rename": ["1", "x"], "rm": ["1", "--yes"], "download": ["1"]}
    env = {"MEDIA_API_KEY": "", "MEDIA_API_URL": "http://127.0.0.1:9"}
    result = CliRunner().invoke(cli, [command, *args.get(command, [])], env=env)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "MEDIA_API_KEY" in result.stderr


def test_an_address_that_is_not_http_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["usage"], env={"MEDIA_API_KEY": "sk_test_x", "MEDIA_API_URL": "localhost:8000"})
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "MEDIA_API_URL" in result.stderr


def test_no_answer_from_the_server_exits_1(tenant: Tenant) -> None:
    url = closed_port_url()
    env = {"MEDIA_API_KEY": tenant.api_key, "MEDIA_API_URL": url}
    result = CliRunner().invoke(cli, ["--retries", "0", "usage"], env=env)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: No answer from {url} after 1 attempt(s):")
    assert result.stderr.rstrip().endswith("[connection_failed]") and result.stderr.count("\n") == 1


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_command_has_help_with_examples(command: str | None) -> None:
    result = CliRunner().invoke(cli, [command, "--help"] if command else ["--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and "media " in result.stdout
    if command:
        assert "--json" in result.stdout


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "media"
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60, env=os.environ)
    assert done.returncode == 0 and done.stdout.strip() == "media, version 0.1.0"
