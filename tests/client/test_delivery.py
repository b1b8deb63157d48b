"""Delivery from Python and from the `media` command: each file says where it can go."""

from __future__ import annotations

import json
import time
from pathlib import Path

from click.testing import CliRunner

from media_client import Client
from media_client.cli import cli
from tests.client.conftest import Stack, Tenant
from tests.helpers.media import fixture_bytes


def ready(client: Client, media_id: int) -> None:
    deadline = time.monotonic() + 60
    while client.get(media_id).delivery.status != "ready":  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the derivatives worker did not finish"
        time.sleep(0.1)


def test_a_phone_video_gets_its_rendition_and_the_channels_show_it(
    stack: Stack, tenant: Tenant, tmp_path: Path
) -> None:
    phone = tmp_path / "IMG_0003.MOV"
    phone.write_bytes(fixture_bytes("hevc-rotated-90.mov"))
    env = {"MEDIA_API_KEY": tenant.api_key, "MEDIA_API_URL": stack.api_url}
    with stack.client(tenant) as media:
        video = media.upload(phone)
        assert video.delivery is not None and "whatsapp" not in video.delivery.ready_for
        assert [m.id for m in media.iter_media(channel="whatsapp")] == []
        ready(media, video.id)
        after = media.get(video.id)
        assert after.delivery is not None and after.delivery.rendition_url
        assert after.delivery.channels["whatsapp"].url == after.delivery.rendition_url
        assert [m.id for m in media.iter_media(channel="whatsapp")] == [video.id]
    listed = CliRunner().invoke(cli, ["ls", "--channel", "whatsapp", "--json"], env=env)
    assert listed.exit_code == 0 and [m["id"] for m in json.loads(listed.stdout)] == [video.id]
    shown = CliRunner().invoke(cli, ["get", str(video.id)], env=env)
    assert shown.exit_code == 0 and "whatsapp" in shown.stdout and "(rendition)" in shown.stdout
