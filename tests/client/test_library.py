"""Listing, reading, renaming, deleting and downloading through the client, on a real local stack."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import pytest

from media_client import Client, MissingApiKey, NotFound
from tests.client.conftest import DEPLOYED_DIRECT_MAX, MIB, Stack, Tenant, mp4_file, png_file
from tests.client.network_faults import FaultyNetwork


def upload_pngs(client: Client, tmp_path: Path, names: list[str]) -> list[int]:
    return [client.upload(png_file(tmp_path / f"{name}.png"), name=name).id for name in names]


def test_iter_media_walks_three_cursor_pages_lazily(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    network = FaultyNetwork()
    with stack.client(tenant, transport=network) as client:
        ids = upload_pngs(client, tmp_path, ["a", "b", "c", "d", "e"])
        first_two = list(itertools.islice(client.iter_media(per_page=2), 2))
        assert len(network.requests("GET", "/api/v1/media")) == 1  # nothing fetched beyond what was asked
        every = list(client.iter_media(per_page=2))
    assert [m.id for m in first_two] == ids[::-1][:2]
    assert [m.id for m in every] == ids[::-1]  # newest first, each once
    pages = network.requests("GET", "/api/v1/media")[1:]
    assert len(pages) == 3
    assert "cursor=&" in pages[0].url or pages[0].url.endswith("cursor=")
    assert all("cursor=" in page.url and "cursor=&" not in page.url for page in pages[1:])


def test_iter_media_filters_by_type_and_search(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    with stack.client(tenant) as client:
        upload_pngs(client, tmp_path, ["Hero shot", "Logo"])
        clip = client.upload(mp4_file(tmp_path / "hero.mp4", 200_000), name="Hero video")
        assert [m.id for m in client.iter_media(type="video")] == [clip.id]
        assert sorted(m.name for m in client.iter_media(search="HERO")) == ["Hero shot", "Hero video"]
        assert [m.name for m in client.iter_media(type="image", search="logo")] == ["Logo"]
        assert list(client.iter_media(search="nothing like it")) == []


def test_get_rename_delete(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    with stack.client(tenant) as client:
        media = client.upload(png_file(tmp_path / "logo.png"))
        assert client.get(media.id).name == "logo.png"
        renamed = client.rename(media.id, "  Brand logo  ")
        assert (renamed.id, renamed.name, renamed.original_name) == (media.id, "Brand logo", "logo.png")
        assert renamed.updated_at >= media.updated_at
        assert client.get(media.id).name == "Brand logo"
        client.delete(media.id)
        with pytest.raises(NotFound):
            client.get(media.id)
    assert stack.files(tenant) == []


@pytest.mark.parametrize("size", [200_000, DEPLOYED_DIRECT_MAX + 3 * MIB])
def test_download_gives_back_the_uploaded_bytes(stack: Stack, tenant: Tenant, tmp_path: Path, size: int) -> None:
    video = mp4_file(tmp_path / "clip.mp4", size)
    calls: list[tuple[int, int]] = []
    with stack.client(tenant) as client:
        media = client.upload(video)
        saved = client.download(media.id, tmp_path / "copy.mp4", progress=lambda s, t: calls.append((s, t)))
        into_dir = client.download(media.id, tmp_path)  # a directory: saved under the original name
    assert saved == tmp_path / "copy.mp4"
    assert hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(video.read_bytes()).digest()
    assert into_dir == tmp_path / "clip.mp4"  # the original itself, replaced by identical bytes
    assert calls[0] == (0, size) and calls[-1] == (size, size)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_a_download_cut_off_midway_starts_again_and_completes(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    video = mp4_file(tmp_path / "clip.mp4", 3 * MIB)
    network = FaultyNetwork()
    calls: list[int] = []
    with stack.client(tenant, transport=network) as client:
        media = client.upload(video)
        network.cut_download_from(stack.moto_url, after_bytes=MIB)
        saved = client.download(media.id, tmp_path / "copy.mp4", progress=lambda s, t: calls.append(s))
    downloads = [s.status for s in network.requests("GET") if "/media/" in s.path and "/api/" not in s.path]
    assert downloads == ["cut 200", 200]
    assert saved.read_bytes() == video.read_bytes()
    assert calls == sorted(set(calls)) and calls[-1] == 3 * MIB


def test_account_describes_usage_and_limits(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    with stack.client(tenant) as client:
        client.upload(png_file(tmp_path / "a.png"))
        account = client.account()
    assert (account.name, account.media_limit, account.remaining) == ("Tenant", None, None)
    assert (account.usage.files, account.usage.images, account.usage.videos) == (1, 1, 0)
    assert account.limits.direct_upload_max_bytes == DEPLOYED_DIRECT_MAX
    assert account.limits.max_file_size == 50 * MIB
    assert account.limits.extensions == ("jpg", "jpeg", "png", "gif", "mp4", "avi", "mov", "wmv", "flv", "webm")
    assert account.to_dict()["usage"]["bytes"] == account.usage.bytes


def test_key_and_url_come_from_the_environment(stack: Stack, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDIA_API_KEY", raising=False)
    monkeypatch.setenv("MEDIA_API_URL", stack.api_url)
    with pytest.raises(MissingApiKey, match="MEDIA_API_KEY"):
        Client()
    monkeypatch.setenv("MEDIA_API_KEY", tenant.api_key)
    with Client() as client:
        assert client.base_url == stack.api_url and client.account().name == "Tenant"
    with Client(base_url=stack.api_url + "/api/v1/") as client:  # the API's own address works too
        assert client.base_url == stack.api_url and client.account().name == "Tenant"
    with Client(api_key="sk_live_elsewhere", base_url="http://other.test") as client:
        assert client.base_url == "http://other.test"  # arguments win over the environment
