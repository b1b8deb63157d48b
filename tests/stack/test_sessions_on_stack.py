"""Upload sessions on the local stack, over HTTP, as a client uses them:
bytes POSTed straight to storage, the bucket's event doing the ingest."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import requests

from ops import local_stack
from tests.helpers.aws import restored_environment
from tests.helpers.events import s3_event
from tests.helpers.media import VIDEOS
from tests.helpers.samples import big_mp4
from tests.helpers.servers import api_over_http
from tests.helpers.stores import stored_account

pytestmark = pytest.mark.slow(seconds=2)  # each a local stack

MIB = 1024 * 1024


class Running:
    def __init__(self, stack: local_stack.LocalStack, api: str) -> None:
        self.stack = stack
        self.api = api
        self.user = requests.Session()
        self.user.headers["X-Api-Key"] = stack.demo_key

    def start_upload(self, filename: str, data: bytes, **extra: Any) -> dict[str, Any]:
        response = self.user.post(
            f"{self.api}/media/uploads", json={"filename": filename, "file_size": len(data), **extra}, timeout=30
        )
        assert response.status_code == 201, response.text
        return response.json()

    def send(self, session: dict[str, Any], filename: str, data: bytes) -> None:
        form = session["upload"]
        stored = requests.post(form["url"], data=form["fields"], files={"file": (filename, data)}, timeout=60)
        assert stored.status_code == 204, stored.text

    def wait_until_settled(self, upload_id: str, limit_s: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + limit_s
        while True:
            status = self.user.get(f"{self.api}/media/uploads/{upload_id}", timeout=30).json()
            if status["status"] != "pending" or time.monotonic() > deadline:
                return status
            time.sleep(0.05)


@pytest.fixture
def stack_factory(tmp_path: Path) -> Iterator[Callable[[bool], Running]]:
    with restored_environment(), ExitStack() as running:

        def start(events: bool) -> Running:
            from app import app
            from ops.dev_server import lambda_functions

            # Events without the stack's one-second delay: these tests wait for them,
            # and none may depend on which of an event and `complete` comes first.
            stack = local_stack.LocalStack(
                tmp_path / "data", events=events, functions=lambda_functions(app), event_delay=0
            )
            stack.start()
            running.callback(stack.stop)
            base = running.enter_context(api_over_http())  # stopped before the stack
            return Running(stack, f"{base}/api/v1")

        yield start


def _count_storage_reads(counter: list[int], prefix: str) -> tuple[Callable[..., None], Callable[..., None]]:
    """Hooks that count the bytes of each GetObject of a key under ``prefix`` (the worker
    reads the promoted file at the same time, for its poster)."""

    def before(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["counted"] = str(params.get("Key", "")).startswith(prefix)

    def after(parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if context.get("counted"):
            counter.append(int(parsed.get("ContentLength") or 0))

    return before, after


def test_20_mb_mp4_with_moov_at_end_is_recorded_by_its_event_reading_under_2_mib(
    stack_factory: Callable[[bool], Running],
) -> None:
    from chalicelib import storage

    running = stack_factory(True)
    video = big_mp4(20 * MIB)
    reads: list[int] = []
    before, after = _count_storage_reads(reads, "uploads/")  # ingest reads the staged object
    events = storage.client().meta.events
    events.register("before-parameter-build.s3.GetObject", before)
    events.register("after-call.s3.GetObject", after)
    try:
        session = running.start_upload("launch.mp4", video, name="Launch")
        running.send(session, "launch.mp4", video)
        status = running.wait_until_settled(session["id"])
    finally:
        events.unregister("before-parameter-build.s3.GetObject", before)
        events.unregister("after-call.s3.GetObject", after)
    assert status["status"] == "completed", status
    media = status["media"]
    assert (media["name"], media["mime_type"], media["file_size"]) == ("Launch", "video/mp4", len(video))
    assert media["metadata"] == VIDEOS["sample.mp4"][1]
    print(f"ingest read {sum(reads)} bytes in {len(reads)} ranged GETs")
    assert 0 < sum(reads) <= 2 * MIB, reads
    listed = running.user.get(f"{running.api}/media?type=video", timeout=30).json()
    assert [m["id"] for m in listed["data"]] == [media["id"]]
    # The public URL serves the whole file with the sniffed type.
    served = requests.get(media["url"], timeout=60)
    assert served.headers["Content-Type"] == "video/mp4" and len(served.content) == len(video)


def test_three_concurrent_deliveries_of_one_event_record_it_once(stack_factory: Callable[[bool], Running]) -> None:
    from app import app
    from chalicelib import records

    running = stack_factory(False)
    png = (Path(__file__).parents[1] / "fixtures" / "sample.png").read_bytes()
    session = running.start_upload("dup.png", png)
    running.send(session, "dup.png", png)
    key = session["upload"]["fields"]["key"]
    event = s3_event(key, size=len(png))
    handler = app.handler_map["ingest"]
    barrier = threading.Barrier(3)

    def deliver(_: int) -> str:
        barrier.wait(timeout=30)
        return str(handler(event, None)["results"][0])

    with ThreadPoolExecutor(3) as pool:
        outcomes = sorted(pool.map(deliver, range(3)))
    assert outcomes == ["existing", "existing", "recorded"]
    account = stored_account("demo")
    assert (account.media_count, account.image_count, account.bytes_used) == (1, 1, len(png))
    assert len(records.store().query_media("demo", records.MediaQuery())) == 1
    assert running.wait_until_settled(session["id"])["status"] == "completed"


def test_rejected_upload_is_deleted_from_storage_and_reported(stack_factory: Callable[[bool], Running]) -> None:
    from chalicelib import storage

    running = stack_factory(True)
    fake = b"<?php system($_GET['c']); ?>" + bytes(2048)
    session = running.start_upload("shell.jpg", fake)
    running.send(session, "shell.jpg", fake)
    status = running.wait_until_settled(session["id"])
    assert status["status"] == "rejected"
    assert status["error"]["code"] == "unsupported_content"
    # The session is closed first, then the staged bytes are deleted: they go right after.
    staged, deadline = session["upload"]["fields"]["key"], time.monotonic() + 30
    while storage.store().head_object(staged) is not None:
        assert time.monotonic() < deadline, "the refused upload's bytes were never deleted"
        time.sleep(0.05)
    complete = running.user.post(f"{running.api}/media/uploads/{session['id']}/complete", timeout=30)
    assert complete.status_code == 422 and "file" in complete.json()["errors"]


def test_bucket_allows_browser_uploads_and_expires_staged_ones(stack_factory: Callable[[bool], Running]) -> None:
    from chalicelib import storage

    stack_factory(False)
    s3, bucket = storage.client(), storage.bucket()
    cors = s3.get_bucket_cors(Bucket=bucket)["CORSRules"][0]
    assert {"POST", "PUT"} <= set(cors["AllowedMethods"])
    assert cors["ExposeHeaders"] == ["ETag"]
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    staged = rules["expire-staged-uploads"]
    assert staged["Filter"] == {"Prefix": "uploads/"}  # the staging area only, never media/
    assert staged["Expiration"]["Days"] == 1
    assert rules["abort-incomplete-multipart-uploads"]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 1


def test_a_form_sent_again_never_changes_a_checked_file_nor_recreates_a_deleted_one(
    stack_factory: Callable[[bool], Running],
) -> None:
    """S3 takes a POST policy any number of times until it expires (docs/architecture.md, "Uploads", "Platform
    facts").
    """
    from chalicelib import storage

    running = stack_factory(True)
    png = (Path(__file__).parents[1] / "fixtures" / "sample.png").read_bytes()
    session = running.start_upload("logo.png", png)
    running.send(session, "logo.png", png)
    media = running.user.post(f"{running.api}/media/uploads/{session['id']}/complete", timeout=30).json()
    staged = session["upload"]["fields"]["key"]

    def current() -> dict[str, Any]:
        return dict(running.user.get(f"{running.api}/media/{media['id']}", timeout=30).json())

    wait_for(lambda: current()["thumbnail_url"] is not None)  # the promotion's event made it
    media = current()

    # The same form again, with other bytes: an HTML page, then random data (within the policy's size).
    for other in (b"<html><script>alert(1)</script></html>", os.urandom(len(png))):
        running.send(session, "logo.png", other)
        wait_for(lambda: storage.store().head_object(staged) is None)  # its event removed it
        served = requests.get(media["url"], timeout=30)
        assert (served.status_code, served.content) == (200, png)
        again = running.user.get(f"{running.api}/media/{media['id']}", timeout=30).json()
        assert again == media

    account = running.user.get(f"{running.api}/media", timeout=30).json()
    assert [m["id"] for m in account["data"]] == [media["id"]]
    deleted = running.user.delete(f"{running.api}/media/{media['id']}", timeout=30)
    assert deleted.status_code == 204
    running.send(session, "logo.png", png)
    wait_for(lambda: storage.store().head_object(staged) is None)
    assert requests.get(media["url"], timeout=30).status_code == 404
    public = [key for prefix in ("media/", "thumbs/") for key, _ in storage.store().list_objects(prefix)]
    assert public == []
    assert running.user.get(f"{running.api}/media", timeout=30).json()["data"] == []


def test_ingest_takes_no_more_than_the_declared_size(stack_factory: Callable[[bool], Running]) -> None:
    """The form refuses more (the storage port enforces its policy, as S3 does); a backend
    that enforces no policy could store more, and ingest refuses it then."""
    from chalicelib import storage

    running = stack_factory(True)
    png = (Path(__file__).parents[1] / "fixtures" / "sample.png").read_bytes()
    session = running.start_upload("logo.png", png[:100])  # declared 100 bytes
    assert session["max_size"] == 100
    form = session["upload"]
    refused = requests.post(form["url"], data=form["fields"], files={"file": ("logo.png", png)}, timeout=60)
    assert refused.status_code == 400 and "<Code>EntityTooLarge</Code>" in refused.text
    storage.store().put_object(form["fields"]["key"], png, "image/png")  # as a backend without policies would take it
    status = running.wait_until_settled(session["id"])
    assert status["status"] == "rejected", status
    assert status["error"]["code"] == "file_too_large"


def wait_for(condition: Callable[[], bool], limit_s: float = 30) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def test_images_uploaded_either_way_get_an_upright_webp_thumbnail_within_seconds(stack_factory):
    import io

    from PIL import Image

    running = stack_factory(True)
    portrait = (Path(__file__).parents[1] / "fixtures" / "orientation-6.jpg").read_bytes()  # stored 80x60, shown 60x80
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), "teal").save(out, "PNG")
    big = out.getvalue()
    direct = running.user.post(f"{running.api}/media", files={"file": ("portrait.jpg", portrait)}, timeout=30).json()
    session = running.start_upload("big.png", big)
    running.send(session, "big.png", big)
    staged = running.wait_until_settled(session["id"])["media"]
    for media, size in ((direct, (60, 80)), (staged, (480, 360))):

        def thumbnail_url(media_id: int = media["id"]) -> str | None:
            return running.user.get(f"{running.api}/media/{media_id}", timeout=30).json()["thumbnail_url"]

        wait_for(lambda: thumbnail_url() is not None)
        served = requests.get(str(thumbnail_url()), timeout=30)
        assert served.status_code == 200 and served.headers["Content-Type"] == "image/webp"
        thumb = Image.open(io.BytesIO(served.content))
        assert (thumb.format, thumb.size) == ("WEBP", size)
