"""The upload session's state machine (chalicelib.domain.upload): values in, values out, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.names import FileType, SessionStatus, Uploader, UploadFlow
from chalicelib.domain.upload import Declared, InvalidTransition, UploadSession
from chalicelib.errors import InvalidInput

NOW = datetime(2026, 3, 8, 10, 0, tzinfo=UTC)
PNG = Declared("photo.png", "Photo", "png", FileType.IMAGE)


def presigned() -> UploadSession:
    return UploadSession.presigned("acc1", PNG, size=100, content_type="image/png", lifetime=timedelta(minutes=15))


def test_a_presigned_session_opens_pending_with_a_private_staging_key_and_a_window() -> None:
    opened = UploadSession.open(
        "acc1", PNG, UploadFlow.PRESIGNED, 100, "image/png", lifetime=timedelta(minutes=15), now=NOW
    )
    assert (opened.status, opened.flow, opened.uploaded_by) == (
        SessionStatus.PENDING,
        UploadFlow.PRESIGNED,
        Uploader.CLIENT,
    )
    assert opened.staging_key == f"uploads/acc1/{opened.upload_id}" and opened.storage_key is None
    assert (opened.created_at, opened.expires_at) == ("2026-03-08T10:00:00.000000Z", "2026-03-08T10:15:00.000000Z")
    assert not opened.is_expired(NOW + timedelta(minutes=15, seconds=30))  # the clock-skew grace
    assert opened.is_expired(NOW + timedelta(minutes=15, seconds=31))
    assert opened.retain_until == NOW + timedelta(minutes=15, days=7)


def test_a_direct_session_has_its_public_key_and_nothing_staged() -> None:
    opened = UploadSession.direct(
        "acc1", PNG, storage_key="media/acc1/images/1_x.png", size=5, content_type="image/png",
        uploaded_by=Uploader.ADMIN, lifetime=timedelta(minutes=1),
    )  # fmt: skip
    assert (opened.staging_key, opened.storage_key, opened.uploaded_by) == (None, "media/acc1/images/1_x.png", "admin")


def test_a_session_closes_once_completed_or_rejected() -> None:
    opened = presigned()
    completed = opened.complete(7, "media/acc1/images/1_x.png")
    assert (completed.status, completed.media_id, completed.storage_key) == (
        "completed",
        7,
        "media/acc1/images/1_x.png",
    )
    rejected = opened.reject("corrupt_file", "The image is cut short.")
    assert (rejected.status, rejected.reason, rejected.reason_message) == (
        "rejected",
        "corrupt_file",
        "The image is cut short.",
    )
    assert opened.expire("Too late.").reason == "upload_expired"
    for closed in (completed, rejected):
        with pytest.raises(InvalidTransition):
            closed.complete(8, "media/acc1/images/2_x.png")
        with pytest.raises(InvalidTransition):
            closed.reject("x", "y")
    assert opened.is_pending  # transitions return new values


def test_settling_says_what_a_late_arrival_removes_and_finds() -> None:
    opened = presigned()
    with pytest.raises(InvalidTransition):
        opened.settle()
    completed = opened.complete(7, "media/acc1/images/1_x.png").settle()
    assert (completed.leftovers, completed.media_id) == ((opened.staging_key,), 7)  # a re-sent form's bytes
    rejected = opened.reject("corrupt_file", "cut").settle()
    assert (rejected.leftovers, rejected.media_id) == ((opened.staging_key,), None)
    direct = UploadSession.direct(
        "acc1",
        PNG,
        storage_key="media/acc1/images/1_x.png",
        size=5,
        content_type="image/png",
        lifetime=timedelta(minutes=1),
    )
    refused = direct.reject("service_unavailable", "retry").settle()
    assert (refused.leftovers, refused.media_id) == (("media/acc1/images/1_x.png",), None)  # a delete that failed


def test_the_declared_file_is_checked_before_any_byte_is_read() -> None:
    declared = Declared.parse("../../etc/Hero.PNG", "  Hero image  ")
    assert declared == Declared("Hero.PNG", "Hero image", "png", FileType.IMAGE)
    assert Declared.parse("clip.mov", None).name == "clip.mov"
    with pytest.raises(InvalidInput) as refused:
        Declared.parse("notes.txt", "\x00")
    assert set(refused.value.errors or {}) == {"file", "name"}
    with pytest.raises(InvalidInput) as missing:
        Declared.parse(None, None, file_field="filename")
    assert refused.value.errors and missing.value.errors == {"filename": ["The filename field is required."]}


def test_a_session_makes_the_file_its_checked_bytes_become() -> None:
    opened = presigned()
    key = "media/acc1/images/1741430012_" + "ab" * 16 + ".png"
    media = opened.media_file(
        3, storage_key=key, mime_type="image/png", extension="png",
        metadata={"width": 2, "height": 1}, size=100, now="2026-03-08T10:00:00.000000Z",
    )  # fmt: skip
    assert (media.name, media.original_name, media.upload_id, media.file_type) == (
        "Photo",
        "photo.png",
        opened.upload_id,
        "image",
    )
    assert (media.version, media.thumbnail_key, media.derived_keys) == (
        1,
        None,
        ["thumbs/acc1/1_x.webp"][:0] or media.derived_keys,
    )
