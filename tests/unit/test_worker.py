"""The derivatives worker (chalicelib.worker) on real files: posters, one rendition per file
made to WhatsApp's rule, the delivery status, and failures that keep the file."""

from __future__ import annotations

import io
import random
from datetime import timedelta
from typing import Any

import av
import pytest
from PIL import Image

from chalicelib import presenters, uploads, worker
from chalicelib.reconcile import reconcile
from chalicelib.worker import RenditionOutcome, ThumbnailOutcome
from tests.helpers.media import fixture_bytes
from tests.helpers.stores import keys_under, object_bytes, stored_media
from tests.helpers.tenants import Tenant

CHANNELS = ("whatsapp", "messenger", "instagram", "telegram", "web")


def upload(tenant: Tenant, filename: str, data: bytes) -> dict[str, Any]:
    return presenters.media_json(uploads.upload_direct(tenant.account_id, filename, data))


def current(tenant: Tenant, media: dict[str, Any]) -> dict[str, Any]:
    return presenters.media_json(stored_media(tenant.account_id, media["id"]))


def key_of(media: dict[str, Any]) -> str:
    return str(media["url"]).split("/", 3)[3]


def sources(media: dict[str, Any]) -> dict[str, str | None]:
    return {name: media["delivery"]["channels"][name]["source"] for name in CHANNELS}


def probed(data: bytes) -> dict[str, Any]:
    container: Any = av.open(io.BytesIO(data))
    with container:
        context = container.streams.video[0].codec_context
        audio = container.streams.audio[0].codec_context.name if container.streams.audio else None
        size = (context.width, context.height)
        found = {"format": container.format.name, "codec": context.name, "pix_fmt": context.pix_fmt, "size": size}
    return {**found, "audio": audio}


def test_a_phone_video_gets_an_upright_poster_and_an_h264_rendition_for_the_channels_that_need_one(
    tenant: Tenant,
) -> None:
    media = upload(tenant, "IMG_0001.MOV", fixture_bytes("portrait-hevc.mov"))
    assert media["delivery"]["status"] == "processing" and media["delivery"]["rendition"] is None
    assert sources(media) == {
        "whatsapp": None,
        "messenger": None,
        "instagram": "original",
        "telegram": None,
        "web": None,
    }
    assert "being made" in media["delivery"]["channels"]["whatsapp"]["reason"]
    done = worker.make(key_of(media))
    assert (done.thumbnail, done.rendition) == (ThumbnailOutcome.MADE, RenditionOutcome.MADE)
    after = current(tenant, media)
    rendition = after["delivery"]["rendition"]
    assert after["delivery"]["status"] == "ready"
    assert sources(after) == {"whatsapp": "rendition", "messenger": "rendition", "instagram": "original",
                              "telegram": "rendition", "web": "rendition"}  # fmt: skip
    assert (
        rendition["mime_type"] == "video/mp4"
        and rendition["url"].endswith(".mp4")
        and "/renditions/" in rendition["url"]
    )
    made = object_bytes(key_of(rendition)) or b""
    assert len(made) == rendition["file_size"] <= 16_000_000
    expected = {"format": "mov,mp4,m4a,3gp,3g2,mj2", "codec": "h264", "pix_fmt": "yuv420p", "size": (64, 96)}
    assert probed(made) == {**expected, "audio": "aac"}
    assert rendition["metadata"]["video_codec"] == "h264" and abs(rendition["metadata"]["duration"] - 2.0) < 0.2
    with Image.open(io.BytesIO(object_bytes(key_of({"url": after["thumbnail_url"]})) or b"")) as poster:
        assert poster.height > poster.width  # upright, as the phone showed it
    again = worker.make(key_of(media))
    assert (again.thumbnail, again.rendition) == (ThumbnailOutcome.EXISTING, RenditionOutcome.EXISTING)


def test_an_h264_mp4_goes_everywhere_as_it_is_with_a_poster(tenant: Tenant) -> None:
    media = upload(tenant, "clip.mp4", fixture_bytes("sample.mp4"))
    assert sources(media) == dict.fromkeys(CHANNELS, "original") and media["delivery"]["status"] == "processing"
    assert worker.make(key_of(media)).rendition == RenditionOutcome.NOT_NEEDED
    after = current(tenant, media)
    assert (after["delivery"]["status"], after["delivery"]["rendition"]) == ("ready", None)
    assert after["thumbnail_url"] and keys_under("renditions/") == []


def test_an_animated_gif_becomes_an_mp4_loop_and_a_static_one_a_jpeg(tenant: Tenant) -> None:
    animated = upload(tenant, "loop.gif", fixture_bytes("animated.gif"))
    assert sources(animated)["whatsapp"] is None and sources(animated)["web"] == "original"
    assert worker.make(key_of(animated)).rendition == RenditionOutcome.MADE
    loop = current(tenant, animated)["delivery"]
    assert loop["rendition"]["mime_type"] == "video/mp4" and loop["channels"]["whatsapp"]["source"] == "rendition"
    assert probed(object_bytes(key_of(loop["rendition"])) or b"")["codec"] == "h264"
    still = io.BytesIO()
    Image.new("RGB", (30, 20), (0, 128, 255)).save(still, "GIF")
    static = upload(tenant, "still.gif", still.getvalue())
    assert worker.make(key_of(static)).rendition == RenditionOutcome.MADE
    jpeg = current(tenant, static)["delivery"]["rendition"]
    assert (jpeg["mime_type"], jpeg["metadata"]) == ("image/jpeg", {"width": 30, "height": 20})


def test_a_png_over_5_mb_gets_a_jpeg_within_5_mb_and_a_small_one_needs_nothing(tenant: Tenant) -> None:
    noise = random.Random(7)
    image = Image.frombytes("RGB", (1400, 1300), bytes(noise.getrandbits(8) for _ in range(1400 * 1300 * 3)))
    big = io.BytesIO()
    image.save(big, "PNG")
    assert len(big.getvalue()) > 5_000_000
    media = upload(tenant, "poster.png", big.getvalue())
    assert sources(media) == {"whatsapp": None, "messenger": "original", "instagram": "original",
                              "telegram": None, "web": "original"}  # fmt: skip
    assert worker.make(key_of(media)).rendition == RenditionOutcome.MADE
    jpeg = current(tenant, media)["delivery"]["rendition"]
    assert jpeg["mime_type"] == "image/jpeg" and jpeg["file_size"] <= 5_000_000
    small = upload(tenant, "small.png", fixture_bytes("sample.png"))
    assert small["delivery"]["status"] == "ready" and sources(small) == dict.fromkeys(CHANNELS, "original")


def test_a_video_that_cannot_be_decoded_keeps_its_file_fails_with_a_reason_and_is_tried_a_few_times(
    tenant: Tenant,
) -> None:
    data = bytearray(fixture_bytes("portrait-hevc.mov"))
    box = data.index(b"mdat") - 4
    end = box + int.from_bytes(data[box : box + 4], "big")
    data[box + 8 : end] = bytes(end - box - 8)  # every sample zeroed: the boxes and their sizes intact
    media = upload(tenant, "broken.mov", bytes(data))
    done = worker.make(key_of(media))
    assert (done.thumbnail, done.rendition) == (ThumbnailOutcome.FAILED, RenditionOutcome.FAILED)
    after = current(tenant, media)
    assert after["delivery"]["status"] == "failed" and after["url"] == media["url"]
    reason = after["delivery"]["channels"]["whatsapp"]["reason"]
    assert "failed" in reason and "Traceback" not in reason
    assert object_bytes(key_of(media)) is not None and keys_under("renditions/") == []
    for _ in range(worker.MAX_ATTEMPTS + 2):
        reconcile(min_age=timedelta(0))
    stopped = stored_media(tenant.account_id, media["id"])
    assert stopped.delivery.attempts == worker.MAX_ATTEMPTS and stopped.thumbnail_attempts == worker.MAX_ATTEMPTS
    assert not worker.needs_work(stopped)


def test_the_reconciler_makes_what_a_lost_event_left_undone(tenant: Tenant) -> None:
    media = upload(tenant, "IMG_0002.MOV", fixture_bytes("hevc-rotated-90.mov"))
    report = reconcile(min_age=timedelta(0))
    assert report.thumbnails == [key_of(media)] and report.renditions == [key_of(media)]
    assert current(tenant, media)["delivery"]["status"] == "ready"
    assert reconcile(min_age=timedelta(0)).fixed == 0


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [("wmv2-wma.wmv", "video"), ("sample.avi", "video"), ("h264-aac.flv", "video"), ("vp9-opus.webm", "video")],
)
def test_desktop_formats_get_a_rendition_whatsapp_takes(tenant: Tenant, fixture: str, kind: str) -> None:
    media = upload(tenant, f"clip.{fixture.rsplit('.', 1)[1]}", fixture_bytes(fixture))
    assert worker.make(key_of(media)).rendition == RenditionOutcome.MADE
    after = current(tenant, media)
    assert after["delivery"]["channels"]["whatsapp"]["source"] == "rendition"
    assert probed(object_bytes(key_of(after["delivery"]["rendition"])) or b"")["codec"] == "h264"
