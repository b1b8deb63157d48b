"""Client.upload against a real local stack: the route it picks, streaming, progress, pre-checks."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
from pathlib import Path

import pytest

from media_client import MediaLimitReached, ValidationFailed
from tests.client.conftest import DEPLOYED_DIRECT_MAX, MIB, Stack, Tenant, mp4_file, png_file
from tests.client.network_faults import FaultyNetwork
from tests.helpers.http import MEDIA_FIELDS


def routes(network: FaultyNetwork) -> list[str]:
    """The POSTs an upload made: API paths, and "storage" for the bytes sent to storage."""
    return [
        seen.path.removeprefix("/api/v1") if seen.path.startswith("/api/v1") else "storage"
        for seen in network.requests("POST")
    ]


def test_a_45_mb_video_goes_through_a_session_streamed_with_monotonic_progress(
    stack: Stack, tenant: Tenant, tmp_path: Path
) -> None:
    video = mp4_file(tmp_path / "launch.mp4", 45 * MIB)
    calls: list[tuple[int, int]] = []
    network = FaultyNetwork()
    with stack.client(tenant, transport=network) as client:
        client.account()  # limits fetched first, so the measurement below is the upload alone
        tracemalloc.start()
        try:
            media = client.upload(video, name="Launch", progress=lambda sent, total: calls.append((sent, total)))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    posts = routes(network)
    assert posts[:2] == ["/media/uploads", "storage"] and len(posts) == 3
    assert posts[2].startswith("/media/uploads/") and posts[2].endswith("/complete")
    assert (media.name, media.original_name, media.file_size) == ("Launch", "launch.mp4", 45 * MIB)
    assert (media.file_type, media.mime_type, media.extension) == ("video", "video/mp4", "mp4")
    # Progress: from 0 to the total, every step forward, counted in chunks as they left.
    assert calls[0] == (0, 45 * MIB) and calls[-1] == (45 * MIB, 45 * MIB)
    assert all(total == 45 * MIB for _, total in calls)
    assert all(later > earlier for (earlier, _), (later, _) in zip(calls, calls[1:], strict=False))
    assert len(calls) >= 45
    # Never the whole file in memory: a few chunks at most.
    assert peak < 8 * MIB, f"peak Python allocations {peak / MIB:.1f} MiB"
    assert [f["id"] for f in stack.files(tenant)] == [media.id]
    served = hashlib.sha256(_download(media.url)).hexdigest()
    assert served == hashlib.sha256(video.read_bytes()).hexdigest()


def _download(url: str) -> bytes:
    import httpx

    answer = httpx.get(url, timeout=60)
    assert answer.status_code == 200
    return answer.content


def test_a_session_with_a_presigned_put_streams_the_bytes_the_same_way(put_stack: Stack, tmp_path: Path) -> None:
    video = mp4_file(tmp_path / "clip.mp4", DEPLOYED_DIRECT_MAX + 3 * MIB)
    tenant = put_stack.new_tenant()
    network = FaultyNetwork()
    calls: list[tuple[int, int]] = []
    with put_stack.client(tenant, transport=network) as client:
        media = client.upload(video, progress=lambda sent, total: calls.append((sent, total)))
    [sent_to_storage] = [s for s in network.seen if s.method == "PUT"]
    assert sent_to_storage.status == 200 and "/api/" not in sent_to_storage.path
    assert routes(network)[0] == "/media/uploads" and routes(network)[1].endswith("/complete")
    assert calls[-1] == (video.stat().st_size,) * 2 and len(calls) > 7
    assert _download(media.url) == video.read_bytes()
    assert [f["id"] for f in put_stack.files(tenant)] == [media.id]


def test_small_files_go_direct_in_one_request(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    photo = png_file(tmp_path / "hero.png")
    network = FaultyNetwork()
    with stack.client(tenant, transport=network) as client:
        media = client.upload(photo, name="Hero")
    assert routes(network) == ["/media"]
    assert (media.name, media.original_name, media.file_type, media.mime_type) == (
        "Hero",
        "hero.png",
        "image",
        "image/png",
    )
    assert media.metadata is not None and (media.metadata.width, media.metadata.height) == (32, 24)


def test_the_route_follows_the_accounts_limit_not_a_constant(stack: Stack, local_stack: Stack, tmp_path: Path) -> None:
    """5 MB: over the deployed 4 MB limit (a session), under the local stack's 50 MB (direct)."""
    video = mp4_file(tmp_path / "clip.mp4", DEPLOYED_DIRECT_MAX + MIB)
    seen = {}
    for name, running in (("deployed-like", stack), ("make run", local_stack)):
        network = FaultyNetwork()
        tenant = running.new_tenant()
        with running.client(tenant, transport=network) as client:
            assert client.account().limits.direct_upload_max_bytes == (
                DEPLOYED_DIRECT_MAX if running is stack else 50 * MIB
            )
            client.upload(video)
        seen[name] = routes(network)
        assert len(running.files(tenant)) == 1
    assert seen["deployed-like"][:2] == ["/media/uploads", "storage"]
    assert seen["make run"] == ["/media"]


def test_the_direct_route_streams_too(local_stack: Stack, tmp_path: Path) -> None:
    video = mp4_file(tmp_path / "clip.mp4", 20 * MIB)
    tenant = local_stack.new_tenant()
    calls: list[tuple[int, int]] = []
    with local_stack.client(tenant) as client:
        client.account()
        tracemalloc.start()
        try:
            media = client.upload(video, progress=lambda sent, total: calls.append((sent, total)))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert media.file_size == 20 * MIB
    assert calls[0] == (0, 20 * MIB) and calls[-1] == (20 * MIB, 20 * MIB) and len(calls) >= 20
    assert peak < 8 * MIB, f"peak Python allocations {peak / MIB:.1f} MiB"


def test_a_file_object_uploads_from_its_position_and_a_pipe_is_spooled(
    stack: Stack, tenant: Tenant, tmp_path: Path
) -> None:
    png = png_file(tmp_path / "x.png").read_bytes()
    with stack.client(tenant) as client:
        buffered = io.BytesIO(b"ignored prefix" + png)
        buffered.seek(len(b"ignored prefix"))
        first = client.upload(buffered, filename="from-memory.png")

        class Pipe(io.RawIOBase):  # a stream that cannot seek, like stdin
            def __init__(self, data: bytes) -> None:
                self.left = data

            def readable(self) -> bool:
                return True

            def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
                n = min(len(buffer), len(self.left), 7)
                buffer[:n], self.left = self.left[:n], self.left[n:]
                return n

        second = client.upload(io.BufferedReader(Pipe(png)), filename="piped.png", name="Piped")
    assert (first.original_name, first.file_size) == ("from-memory.png", len(png))
    assert (second.name, second.original_name, second.file_size) == ("Piped", "piped.png", len(png))
    with pytest.raises(ValueError, match="filename="):
        stack.client(tenant).upload(io.BytesIO(png))


TYPES = "jpg, jpeg, png, gif, mp4, avi, mov, wmv, flv, webm"


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("notes.txt", b"hello", f"notes.txt is not an image or a video ({TYPES})."),
        ("empty.png", b"", "empty.png is empty."),
    ],
)
def test_type_and_size_are_checked_before_sending_in_the_apis_words(
    stack: Stack, tenant: Tenant, tmp_path: Path, filename: str, content: bytes, message: str
) -> None:
    path = tmp_path / filename
    path.write_bytes(content)
    network = FaultyNetwork()
    with stack.client(tenant, transport=network) as client, pytest.raises(ValidationFailed) as caught:
        client.upload(path)
    assert (caught.value.status, caught.value.code, caught.value.message) == (422, "validation_failed", message)
    assert caught.value.errors == {"file": [message]}
    assert network.requests("POST") == []  # only GET /account went out
    # The API says the same, word for word, when the check is skipped.
    with stack.client(tenant) as client, pytest.raises(ValidationFailed) as answered:
        client.request(
            "POST",
            "/media",
            content=_form(filename, content),
            headers={"Content-Type": "multipart/form-data; boundary=b0undary"},
        )
    assert answered.value.errors["file"] == [message]


def test_a_file_over_the_size_limit_is_refused_before_sending(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    big = tmp_path / "huge.mp4"
    with big.open("wb") as out:
        out.truncate(50 * MIB + 1)  # sparse: no disk used
    network = FaultyNetwork()
    with stack.client(tenant, transport=network) as client, pytest.raises(ValidationFailed) as caught:
        client.upload(big)
    assert caught.value.message == "huge.mp4 is 52,428,801 bytes; the limit is 52,428,800 bytes."
    assert network.requests("POST") == []


def _form(filename: str, content: bytes) -> bytes:
    return (
        b"--b0undary\r\n"
        + f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n\r\n'.encode()
        + content
        + b"\r\n--b0undary--\r\n"
    )


def test_a_full_plan_refuses_a_session_before_any_byte_is_sent(stack: Stack, tmp_path: Path) -> None:
    tenant = stack.new_tenant(media_limit=1)
    photo = png_file(tmp_path / "one.png")
    video = mp4_file(tmp_path / "two.mp4", DEPLOYED_DIRECT_MAX + 1)
    network = FaultyNetwork()
    with stack.client(tenant, transport=network) as client:
        client.upload(photo)
        with pytest.raises(MediaLimitReached) as caught:
            client.upload(video)
    assert (caught.value.status, caught.value.limit, caught.value.used) == (403, 1, 1)
    assert routes(network) == ["/media", "/media/uploads"]  # no bytes went to storage


def test_media_file_has_every_field_of_the_api_object(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    from dataclasses import fields

    with stack.client(tenant) as client:
        media = client.upload(png_file(tmp_path / "f.png"))
        again = client.get(media.id)
    public = {f.name for f in fields(media) if not f.name.startswith("_")}
    assert public == MEDIA_FIELDS
    assert set(media.to_dict()) == MEDIA_FIELDS
    assert (again.id, again.url, again.file_size) == (media.id, media.url, media.file_size)
    assert media.created_at.tzinfo is not None and media.to_dict()["created_at"].endswith("Z")
