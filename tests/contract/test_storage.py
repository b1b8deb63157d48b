"""The storage port's promises, held by S3 (on moto) and by the in-memory fake alike."""

from __future__ import annotations

import hashlib
import io

import pytest

from chalicelib.errors import ObjectChanged
from chalicelib.storage import Storage

DATA = bytes(range(256)) * 4


def test_an_object_is_stored_with_its_type_and_an_md5_etag(bucket: Storage) -> None:
    bucket.put_object("media/a/x.png", DATA, "image/png", {"media-id": "7"})
    info = bucket.head_object("media/a/x.png")
    assert info is not None
    assert (info.size, info.content_type, info.etag) == (len(DATA), "image/png", f'"{hashlib.md5(DATA).hexdigest()}"')
    assert info.last_modified is not None
    assert bucket.head_object("media/a/missing.png") is None


def test_ranged_reads_give_the_bytes_asked_for_and_nothing_past_the_end(bucket: Storage) -> None:
    bucket.put_object("uploads/a/1", DATA, "image/png")
    assert bucket.read_range("uploads/a/1", 10, 5) == DATA[10:15]
    assert bucket.read_range("uploads/a/1", len(DATA) - 3, 10) == DATA[-3:]
    assert bucket.read_range("uploads/a/1", len(DATA) + 5, 10) == b""
    assert bucket.read_range("uploads/a/1", 0, 0) == b""


def test_a_read_under_if_match_fails_once_the_bytes_changed(bucket: Storage) -> None:
    bucket.put_object("uploads/a/1", DATA, "image/png")
    etag = bucket.head_object("uploads/a/1").etag  # type: ignore[union-attr]
    assert bucket.read_range("uploads/a/1", 0, 4, if_match=etag) == DATA[:4]
    bucket.put_object("uploads/a/1", b"other bytes", "image/png")
    with pytest.raises(ObjectChanged):
        bucket.read_range("uploads/a/1", 0, 4, if_match=etag)


def test_reading_an_object_that_is_gone_by_range_says_it_changed(bucket: Storage) -> None:
    """Deleted between its HEAD and a read (a storage event refused it meanwhile): the
    object being read changed, which its caller checks again; the bucket itself is fine."""
    bucket.put_object("uploads/a/1", DATA, "image/png")
    etag = bucket.head_object("uploads/a/1").etag  # type: ignore[union-attr]
    bucket.delete_object("uploads/a/1")
    with pytest.raises(ObjectChanged, match="gone"):
        bucket.read_range("uploads/a/1", 0, 4, if_match=etag)
    with pytest.raises(ObjectChanged, match="gone"):
        bucket.read_range("uploads/a/none", 0, 4)


def test_a_whole_read_streams_the_bytes_and_answers_the_metadata(bucket: Storage) -> None:
    bucket.put_object("media/a/x.png", DATA, "image/png", {"media-id": "7"})
    sink = io.BytesIO()
    assert bucket.read_object_into("media/a/x.png", sink, chunk=100) == {"media-id": "7"}
    assert sink.getvalue() == DATA
    assert bucket.read_object_into("media/a/none.png", io.BytesIO()) is None


def test_a_copy_keeps_the_bytes_and_etag_with_a_new_type_and_metadata(bucket: Storage) -> None:
    bucket.put_object("uploads/a/1", DATA, "image/jpeg", {"old": "yes"})
    etag = bucket.head_object("uploads/a/1").etag  # type: ignore[union-attr]
    copied = bucket.copy_object("uploads/a/1", "media/a/x.png", "image/png", if_match=str(etag), metadata={"m": "1"})
    assert copied == etag
    info = bucket.head_object("media/a/x.png")
    assert info is not None and (info.content_type, info.etag) == ("image/png", etag)
    sink = io.BytesIO()
    assert bucket.read_object_into("media/a/x.png", sink) == {"m": "1"} and sink.getvalue() == DATA


def test_a_copy_of_a_missing_source_is_a_change(bucket: Storage) -> None:
    with pytest.raises(ObjectChanged):
        bucket.copy_object("uploads/a/none", "media/a/x.png", "image/png", if_match="*")
    assert bucket.head_object("media/a/x.png") is None


def test_deleting_is_idempotent_and_lists_come_in_key_order(bucket: Storage) -> None:
    for key in ("media/b/2", "media/a/1", "thumbs/a/1", "media/a/0"):
        bucket.put_object(key, b"x" * len(key), "image/png")
    assert [k for k, _ in bucket.list_objects("media/")] == ["media/a/0", "media/a/1", "media/b/2"]
    assert [info.size for _, info in bucket.list_objects("media/a/")] == [9, 9]
    bucket.delete_object("media/a/1")
    bucket.delete_object("media/a/1")
    bucket.delete_object("never/there")
    assert [k for k, _ in bucket.list_objects("media/")] == ["media/a/0", "media/b/2"]
    assert list(bucket.list_objects("nothing/")) == []


def test_a_presigned_form_names_its_key_and_type(bucket: Storage) -> None:
    form = bucket.presign_upload("uploads/a/" + "c" * 32, "image/png", 1000, 600)
    assert form.method == "POST" and form.url.startswith("http")
    assert form.fields is not None
    assert (form.fields["key"], form.fields["Content-Type"]) == ("uploads/a/" + "c" * 32, "image/png")


def test_a_download_link_names_the_key_and_asks_for_an_attachment(bucket: Storage) -> None:
    from urllib.parse import parse_qs, unquote, urlsplit

    url = bucket.presign_download("media/a/x 1.png", 'attachment; filename="café.png"', 60)
    parts = urlsplit(url)
    assert parts.scheme.startswith("http") and unquote(parts.path).endswith("media/a/x 1.png")
    assert parse_qs(parts.query)["response-content-disposition"] == ['attachment; filename="café.png"']
