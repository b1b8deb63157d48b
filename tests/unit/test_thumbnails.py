"""Thumbnails (docs/architecture.md, "Thumbnails"): every image gets a WebP thumbnail, longest side 480 px, as
displayed;
made from the stored object in one read; a failure never loses the file."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pytest
from chalice.test import Client
from PIL import Image

from chalicelib import records, worker
from chalicelib.thumbnails import RenderError, render
from chalicelib.worker import ThumbnailOutcome
from tests.helpers.events import s3_event
from tests.helpers.http import API, call, uploaded
from tests.helpers.media import fixture_bytes
from tests.helpers.stores import bucket, delete_object, key_of, keys_under, object_bytes, object_exists, put_object, s3
from tests.helpers.tenants import Tenant


def thumb(data: bytes) -> Image.Image:
    out = Image.open(io.BytesIO(render(io.BytesIO(data))))
    assert out.format == "WEBP"
    return out


def image(size: tuple[int, int], mode: str = "RGB", fmt: str = "JPEG", **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "orange" if mode != "I;16" else 40000).save(out, fmt, **save)
    return out.getvalue()


@pytest.mark.parametrize(
    ("size", "expected"),
    [((4000, 3000), (480, 360)), ((1000, 4000), (120, 480)), ((300, 200), (300, 200)), ((480, 480), (480, 480))],
)
def test_the_longest_side_is_at_most_480_and_small_images_are_not_enlarged(size: Any, expected: Any) -> None:
    assert thumb(image(size)).size == expected


@pytest.mark.parametrize(
    ("name", "size"),
    [("orientation-6.jpg", (60, 80)), ("orientation-8.jpg", (40, 96)), ("orientation-3.jpg", (70, 50))],
)
def test_thumbnails_are_upright_as_displayed(name: str, size: tuple[int, int]) -> None:
    assert thumb(fixture_bytes(name)).size == size


def test_orientation_3_is_turned_upside_up() -> None:
    stored = Image.open(io.BytesIO(fixture_bytes("orientation-3.jpg"))).convert("RGB")
    out = thumb(fixture_bytes("orientation-3.jpg")).convert("RGB")
    assert _close(out.getpixel((2, 2)), stored.getpixel((stored.width - 3, stored.height - 3)))


def test_an_animated_gif_gives_its_first_frame() -> None:
    out = thumb(fixture_bytes("animated.gif")).convert("RGB")
    assert out.size == (40, 24) and _close(out.getpixel((20, 12)), (255, 0, 0))  # red, the first of red/lime/blue


def test_cmyk_comes_out_in_its_colours() -> None:
    # ImageMagick's own conversion of the fixture's centre: srgb(48.5%, 0.4%, 50.1%).
    assert _close(thumb(fixture_bytes("cmyk.jpg")).convert("RGB").getpixel((20, 15)), (124, 1, 128))


def test_transparency_is_kept_and_palettes_are_expanded() -> None:
    out = thumb(fixture_bytes("transparent.png"))
    assert out.mode == "RGBA" and pixel(out, 0, 0)[3] == 0 and pixel(out, 17, 13)[3] == 255
    assert thumb(fixture_bytes("palette.png")).mode == "RGB"


def test_16_bit_images_are_scaled_not_clipped() -> None:
    grey = thumb(image((64, 48), "I;16", "PNG")).convert("L")  # 40000 of 65535: mid grey, not white
    assert 140 <= pixel(grey, 10, 10)[0] <= 170
    assert thumb(fixture_bytes("rgb16.png")).size == (36, 28)


def test_an_image_over_the_pixel_limit_is_never_decoded() -> None:
    side = 10_000  # 100 Mpx declared in a PNG header with almost no data
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))  # noqa: E731
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    with pytest.raises(RenderError, match="pixel limit"):
        render(io.BytesIO(bomb))


# -- made from the stored file, attached to its record ---------------------------------


@pytest.mark.moto
def test_the_event_of_a_new_file_makes_its_thumbnail_reading_it_once(client: Client, tenant: Tenant) -> None:
    from chalicelib import storage

    data = fixture_bytes("orientation-6.jpg")
    media = uploaded(client, tenant, "portrait.jpg", data)
    assert media["thumbnail_url"] is None  # made off the request path
    read: list[int] = []

    def count(parsed: dict[str, Any], **_: Any) -> None:
        read.append(int(parsed.get("ContentLength") or 0))

    storage.client().meta.events.register("after-call.s3.GetObject", count)
    try:
        assert client.lambda_.invoke("derivatives", s3_event(key_of(media))).payload == {
            "results": ["thumbnail made, rendition not_needed"]
        }
    finally:
        storage.client().meta.events.unregister("after-call.s3.GetObject", count)
    assert read == [len(data)]  # one GET, the file's size
    shown = call(client, "GET", f"{API}/media/{media['id']}", tenant).body
    key = shown["thumbnail_url"].split("/", 3)[3]
    assert key == f"thumbs/{tenant.account_id}/{key_of(media).rsplit('/', 1)[1].rsplit('.', 1)[0]}.webp"
    stored = s3().get_object(Bucket=bucket(), Key=key)
    assert stored["ContentType"] == "image/webp"
    assert Image.open(io.BytesIO(stored["Body"].read())).size == (60, 80)
    assert client.lambda_.invoke("derivatives", s3_event(key_of(media))).payload == {
        "results": ["thumbnail existing, rendition not_needed"]
    }


def test_a_video_gets_a_poster_as_its_thumbnail(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "clip.mp4", fixture_bytes("sample.mp4"))
    assert media["thumbnail_url"] is None and media["delivery"]["status"] == "processing"
    done = client.lambda_.invoke("derivatives", s3_event(key_of(media))).payload
    assert done == {"results": ["thumbnail made, rendition not_needed"]}  # H.264/AAC MP4: every channel takes it
    after = call(client, "GET", f"{API}/media/{media['id']}", tenant).body
    assert after["thumbnail_url"].endswith(".webp") and after["delivery"]["status"] == "ready"
    with Image.open(io.BytesIO(object_bytes(after["thumbnail_url"].split("/", 3)[3]) or b"")) as poster:
        assert (poster.format, poster.size) == ("WEBP", (64, 48))


def test_a_failed_render_keeps_the_file_and_is_retried_a_few_times(client: Client, tenant: Tenant) -> None:
    from datetime import timedelta

    from chalicelib.reconcile import reconcile

    media = uploaded(client, tenant, "photo.png")
    key = key_of(media)
    # The stored bytes go bad after the upload was checked (a storage fault, a bug).
    put_object(key, b"\x89PNG\r\n\x1a\n broken", **{"media-id": str(media["id"])})
    assert worker.make(key).thumbnail == ThumbnailOutcome.FAILED
    record = records.store().get_media(tenant.account_id, media["id"])
    assert record is not None and record.thumbnail_attempts == 1
    assert call(client, "GET", f"{API}/media/{media['id']}", tenant).body["thumbnail_url"] is None
    for _ in range(worker.MAX_ATTEMPTS + 2):
        reconcile(min_age=timedelta(0))
    record = records.store().get_media(tenant.account_id, media["id"])
    assert record is not None and record.thumbnail_attempts == worker.MAX_ATTEMPTS  # then it stops


def test_deleting_a_file_deletes_its_thumbnail(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant)
    assert worker.make(key_of(media)).thumbnail == "made"
    thumb_key = call(client, "GET", f"{API}/media/{media['id']}", tenant).body["thumbnail_url"].split("/", 3)[3]
    assert call(client, "DELETE", f"{API}/media/{media['id']}", tenant).status == 204
    assert not object_exists(thumb_key)


@pytest.mark.moto
def test_a_thumbnail_made_before_its_record_exists_waits_for_it(
    client: Client, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A promotion's event can arrive a moment before the record is written."""
    media = uploaded(client, tenant)
    record = _stored_item(tenant, media)
    record.delete()  # as if not written yet...
    pauses: list[float] = []

    def write_it_meanwhile(seconds: float) -> None:  # ...and written during the first pause
        pauses.append(seconds)
        if len(pauses) == 1:
            record.save()

    monkeypatch.setattr(worker.time, "sleep", write_it_meanwhile)
    assert worker.make(key_of(media)).thumbnail == ThumbnailOutcome.MADE and len(pauses) == 1


@pytest.mark.moto
def test_a_record_written_between_the_refused_attach_and_the_read_back_gets_its_thumbnail(
    client: Client, tenant: Tenant
) -> None:
    """The upload's transaction can commit after the thumbnail's update was refused and
    before the record is read back: the record is there, without a thumbnail yet."""
    from chalicelib.models import MediaItem

    media = uploaded(client, tenant)
    record = _stored_item(tenant, media)
    record.delete()  # not written yet when the thumbnail is attached...
    refused: list[str] = []

    def written_meanwhile(parsed: dict[str, Any], **_: Any) -> None:  # ...and written right after
        if "Error" in parsed and not refused:
            refused.append(parsed["Error"]["Code"])
            record.save()

    events = MediaItem._get_connection().connection.client.meta.events
    events.register("after-call.dynamodb.UpdateItem", written_meanwhile)
    try:
        assert worker.make(key_of(media)).thumbnail == ThumbnailOutcome.MADE
    finally:
        events.unregister("after-call.dynamodb.UpdateItem", written_meanwhile)
    assert refused == ["ConditionalCheckFailedException"]
    assert call(client, "GET", f"{API}/media/{media['id']}", tenant).body["thumbnail_url"] is not None


@pytest.mark.moto
def test_the_thumbnail_of_a_file_that_never_got_a_record_is_removed(
    client: Client, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    media = uploaded(client, tenant)
    _stored_item(tenant, media).delete()
    delete_object(key_of(media))  # the promotion was withdrawn
    put_object(key_of(media), fixture_bytes("sample.png"), **{"media-id": "1"})
    monkeypatch.setattr(worker.time, "sleep", lambda _: delete_object(key_of(media)))
    assert worker.make(key_of(media)).thumbnail == ThumbnailOutcome.IGNORED
    assert keys_under("thumbs/") == []


def pixel(img: Image.Image, x: int, y: int) -> tuple[int, ...]:
    """A pixel's channels, a tuple whatever the mode (a one-channel image gives one)."""
    value = img.getpixel((x, y))
    return tuple(int(v) for v in value) if isinstance(value, tuple) else (int(value or 0),)


def _close(got: Any, want: Any, tolerance: int = 24) -> bool:
    return all(abs(int(a) - int(b)) <= tolerance for a, b in zip(got, want, strict=False))


def test_big_images_are_reduced_without_darkening_transparent_edges() -> None:
    big = Image.new("RGBA", (4000, 2000), (0, 0, 0, 0))
    big.paste(Image.new("RGBA", (2000, 2000), (250, 250, 250, 255)), (2000, 0))  # opaque white right half
    out = io.BytesIO()
    big.save(out, "PNG")
    small = thumb(out.getvalue())
    assert small.size == (480, 240) and small.mode == "RGBA"
    assert pixel(small, 100, 120)[3] == 0
    edge = pixel(small, 241, 120)  # the first opaque column: still white, not greyed by its neighbours
    assert edge[3] > 200 and min(edge[:3]) > 230, edge


def _stored_item(tenant: Tenant, media: dict[str, Any]) -> Any:
    """The file's item in the table itself, to delete and write back past the service."""
    from chalicelib.models import MediaItem, bind

    bind()
    return MediaItem.get(tenant.account_id, media["id"])
