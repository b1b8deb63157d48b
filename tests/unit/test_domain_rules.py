"""The domain's rules, unit by unit: sizes and types (chalicelib.domain.formats), names
(domain.fields), storage keys (domain.layout), timestamps (domain.clock), and the
MediaFile JSON shape (chalicelib.presenters)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from chalicelib import caches, presenters
from chalicelib.domain import clock, fields, formats, layout
from chalicelib.domain.names import FileType, Uploader
from chalicelib.domain.values import MediaFile

# -- formatted_size (1024-based, B/KB/MB/GB, at most 2 decimals, zeros dropped) --------


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (204800, "200 KB"),  # the contract's own examples
        (1536000, "1.46 MB"),
        (0, "0 B"),
        (1, "1 B"),
        (1023, "1023 B"),
        (1024, "1 KB"),
        (1536, "1.5 KB"),
        (1126, "1.1 KB"),  # 1.0996 -> 1.1, trailing zero dropped
        (10 * 1024 + 10, "10.01 KB"),
        (1048576, "1 MB"),
        (52_428_800, "50 MB"),  # the 50 MB cap
        (4 * 1024 * 1024, "4 MB"),
        (1073741824, "1 GB"),
        (1610612736, "1.5 GB"),
        (3 * 1024**4, "3072 GB"),  # GB is the largest unit
    ],
)
def test_formatted_size_examples(size: int, text: str) -> None:
    assert formats.formatted_size(size) == text


def test_formatted_size_never_shows_more_than_two_decimals_or_trailing_zeros() -> None:
    pattern = re.compile(r"^(0|[1-9]\d*)(\.\d?[1-9])? (B|KB|MB|GB)$")
    for size in [*range(0, 5000, 7), *range(1_000_000, 60_000_000, 999_983)]:
        text = formats.formatted_size(size)
        assert pattern.match(text), (size, text)


# -- allowed types ---------------------------------------------------------------------------


def test_allowed_extensions_are_exactly_the_contracts() -> None:
    assert {e: formats.family_of(e) for e in ("jpg", "jpeg", "png", "gif")} == dict.fromkeys(
        ("jpg", "jpeg", "png", "gif"), "image"
    )
    assert {e: formats.family_of(e) for e in ("mp4", "avi", "mov", "wmv", "flv", "webm")} == dict.fromkeys(
        ("mp4", "avi", "mov", "wmv", "flv", "webm"), "video"
    )
    assert set(formats.EXTENSIONS) == {"jpg", "jpeg", "png", "gif", "mp4", "avi", "mov", "wmv", "flv", "webm"}


@pytest.mark.parametrize("extension", ["", "svg", "webp", "txt", "html", "php", "exe", "heic", "mkv", "JPG"])
def test_other_extensions_have_no_family(extension: str) -> None:
    assert formats.family_of(extension) is None


@pytest.mark.parametrize(
    ("filename", "extension"),
    [
        ("photo.JPG", "jpg"),
        ("clip.Mp4", "mp4"),
        ("archive.tar.gz", "gz"),
        ("noextension", ""),
        ("dir.d/noextension", ""),
        ("a.b/c.png", "png"),
    ],
)
def test_extension_is_lower_case_without_the_dot(filename: str, extension: str) -> None:
    assert formats.extension_of(filename) == extension


# -- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "cleaned"),
    [
        ("hero-product-v2.jpg", "hero-product-v2.jpg"),
        ("../../etc/passwd.png", "passwd.png"),
        ("..\\..\\windows\\evil.png", "evil.png"),
        ("C:\\Users\\me\\pic.jpg", "pic.jpg"),
        ("a\x00b.png", "ab.png"),
        ("photo\u202egnp.png", "photognp.png"),
        ("x\u2066y\u2069.png", "xy.png"),
        ("tab\tname.png", "tabname.png"),
        ("  spaced.png  ", "spaced.png"),
        ("e\u0301te\u0301.png", "\u00e9t\u00e9.png"),  # NFC
        ("", "file"),
        ("...", "file"),
    ],
)
def test_clean_original_name(filename: str, cleaned: str) -> None:
    assert fields.clean_original_name(filename) == cleaned


def test_clean_original_name_shortens_long_names_keeping_the_extension() -> None:
    cleaned = fields.clean_original_name("a" * 400 + ".jpeg")
    assert len(cleaned) == fields.NAME_MAX == 255
    assert cleaned.endswith(".jpeg")


@pytest.mark.parametrize(
    "name", ["Product Hero Image", "x", "n" * 255, "  " + "n" * 255 + "  ", "Café ☕ 2026", "50% off"]
)
def test_valid_names(name: str) -> None:
    assert fields.name_errors(name) == []


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "\t\n",
        "n" * 256,
        "a\x00b",
        "bell\x07",
        "line\nbreak",
        "rtl\u202eoverride",
        "\u2066isolate",
        12,
        None,
        ["a"],
        True,
    ],
)
def test_invalid_names(name: object) -> None:
    errors = fields.name_errors(name)
    assert errors and all(isinstance(e, str) and e for e in errors)


# -- storage keys ------------------------------------------------------------------------------

KEY = re.compile(
    r"^media/(?P<account>[^/]+)/(?P<dir>images|videos)/(?P<ts>\d+)_(?P<random>[A-Za-z0-9]+)\.(?P<ext>[a-z0-9]+)$"
)


@pytest.mark.parametrize(("family", "folder", "extension"), [("image", "images", "png"), ("video", "videos", "mp4")])
def test_public_key_layout_is_random_per_promotion(family: str, folder: str, extension: str) -> None:
    key = layout.media_key("acc123", FileType(family), extension)
    match = KEY.match(key)
    assert match, key
    assert (match["account"], match["dir"], match["ext"]) == ("acc123", folder, extension)
    assert re.fullmatch(r"[a-f0-9]{32}", match["random"])
    assert layout.media_key("acc123", FileType(family), extension) != key


def test_upload_ids_are_random_and_unguessable() -> None:
    ids = {layout.new_upload_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"[a-f0-9]{32}", i) for i in ids)


def test_staged_key_is_private_and_names_its_session() -> None:
    upload_id = layout.new_upload_id()
    key = layout.staged_key("acc123", upload_id)
    assert key == f"uploads/acc123/{upload_id}"
    assert layout.parse_staged_key(key) == ("acc123", upload_id)


@pytest.mark.parametrize(
    "key",
    [
        "media/acc1/images/1700000000_" + "a" * 32 + ".png",  # a public key, not a staged one
        "uploads/acc1/" + "a" * 31,  # not one of our upload ids
        "uploads/acc1/" + "A" * 32,
        "uploads/../" + "a" * 32,
        "uploads/acc1/" + "a" * 32 + "/extra",
        "uploads/acc1/" + "a" * 32 + ".png",
        "uploads/" + "a" * 32,
        "",
    ],
)
def test_parse_staged_key_refuses_keys_we_did_not_issue(key: str) -> None:
    assert layout.parse_staged_key(key) is None


@pytest.mark.parametrize(
    ("mime", "declared", "stored"),
    [
        ("image/jpeg", "jpeg", "jpeg"),  # the name fits the content: kept
        ("image/jpeg", "jpg", "jpg"),
        ("image/png", "jpg", "png"),  # PNG bytes named photo.jpg
        ("video/mp4", "avi", "mp4"),
        ("video/quicktime", "mp4", "mov"),
    ],
)
def test_the_content_decides_the_stored_extension(mime: str, declared: str, stored: str) -> None:
    assert formats.extension_for(mime, declared) == stored


# -- timestamps and the MediaFile object ------------------------------------------------------


def test_now_iso_is_utc_with_microseconds_and_z() -> None:
    stamp = clock.now_text()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z", stamp)
    datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")


def _record(**overrides: Any) -> MediaFile:
    values: dict[str, Any] = {
        "account_id": "9",
        "upload_id": "0" * 32,
        "media_id": 15,
        "name": "Product Hero Image",
        "original_name": "hero-product-v2.jpg",
        "storage_key": "media/9/images/1741430012_abc123.jpg",
        "file_type": FileType.IMAGE,
        "mime_type": "image/jpeg",
        "extension": "jpg",
        "file_size": 204800,
        "metadata": {"width": 1920, "height": 1080},
        "uploaded_by": Uploader.CLIENT,
        "is_active": True,
        "created_at": "2026-03-08T10:00:00.000000Z",
        "updated_at": "2026-03-08T10:00:00.000000Z",
        "thumbnail_key": None,
    }
    values.update(overrides)
    return MediaFile(**values)


@pytest.fixture
def cdn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIA_PUBLIC_BASE_URL", "https://cdn.example.com")
    caches.reset()


def test_media_json_is_the_contracts_example(cdn: None) -> None:
    assert presenters.media_json(_record()) == {
        "id": 15,
        "name": "Product Hero Image",
        "original_name": "hero-product-v2.jpg",
        "url": "https://cdn.example.com/media/9/images/1741430012_abc123.jpg",
        "file_type": FileType.IMAGE,
        "mime_type": "image/jpeg",
        "extension": "jpg",
        "file_size": 204800,
        "formatted_size": "200 KB",
        "metadata": {"width": 1920, "height": 1080},
        "uploaded_by": Uploader.CLIENT,
        "is_active": True,
        "created_at": "2026-03-08T10:00:00.000000Z",
        "updated_at": "2026-03-08T10:00:00.000000Z",
        "thumbnail_url": None,  # until it is made
        "description": None,
        "tags": [],
        "delivery": {
            "status": "ready",
            "rendition": None,
            "channels": {
                name: {
                    "url": "https://cdn.example.com/media/9/images/1741430012_abc123.jpg",
                    "source": "original",
                    "reason": None,
                }
                for name in ("whatsapp", "messenger", "instagram", "telegram", "web")
            },
        },
    }
    thumbed = presenters.media_json(_record(thumbnail_key="thumbs/9/1741430012_abc123.webp"))
    assert thumbed["thumbnail_url"] == "https://cdn.example.com/thumbs/9/1741430012_abc123.webp"


def test_records_give_integers_and_null_metadata_when_nothing_was_read(cdn: None) -> None:
    """PynamoDB reads numbers back as floats: the stored item's value has integers."""
    from chalicelib.models import MediaItem
    from chalicelib.records.media_items import item_of, media_of

    item = item_of(_record(metadata=None))
    item.media_id, item.file_size = 3.0, 1536000.0
    out = presenters.media_json(media_of(item))
    assert type(out["id"]) is int and out["id"] == 3
    assert type(out["file_size"]) is int and out["formatted_size"] == "1.46 MB"
    assert out["metadata"] is None
    assert presenters.media_json(_record(metadata={}))["metadata"] is None
    assert isinstance(item, MediaItem) and item.name_lower == "product hero image"
