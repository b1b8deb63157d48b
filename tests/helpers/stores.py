"""What is stored, read through the ports (records.store(), storage.store()): the same answers on
moto and on the in-memory fakes. ``s3()``, ``aws_client()`` and ``table_name()`` reach past them,
into moto itself, for the tests that need the raw stores (they run on moto)."""

from __future__ import annotations

import functools
import io
from typing import TYPE_CHECKING, Any

import boto3

from tests.helpers.aws import REGION

if TYPE_CHECKING:
    from chalicelib.domain.upload import UploadSession
    from chalicelib.domain.values import Account, MediaFile
    from chalicelib.storage import ObjectInfo


@functools.lru_cache(maxsize=1)
def _boto3_session() -> boto3.session.Session:
    # One session for the run: moto intercepts every botocore session, and a
    # fresh one per call would re-read the service models each time.
    return boto3.session.Session(region_name=REGION)


@functools.cache
def aws_client(service: str) -> Any:
    # One client per service for the run, as for the session (each costs ~2-4 ms to build).
    return _boto3_session().client(service, region_name=REGION)


def s3() -> Any:
    return aws_client("s3")


def bucket() -> str:
    from chalicelib.config import get_settings

    return get_settings().bucket


def table_name(model_name: str) -> str:
    from chalicelib import models

    models.bind()
    return str(getattr(models, model_name).Meta.table_name)


# -- objects, through the storage port -----------------------------------------------------------


def object_info(key: str) -> ObjectInfo | None:
    from chalicelib import storage

    return storage.store().head_object(key)


def object_exists(key: str) -> bool:
    return object_info(key) is not None


def object_bytes(key: str) -> bytes | None:
    from chalicelib import storage

    sink = io.BytesIO()
    return sink.getvalue() if storage.store().read_object_into(key, sink) is not None else None


def object_metadata(key: str) -> dict[str, str] | None:
    from chalicelib import storage

    return storage.store().read_object_into(key, io.BytesIO())


def put_object(key: str, data: bytes, content_type: str = "binary/octet-stream", **metadata: str) -> None:
    """Bytes put under ``key`` past the service's checks (a storage fault, a form sent by hand)."""
    from chalicelib import storage

    storage.store().put_object(key, data, content_type, metadata)


def delete_object(key: str) -> None:
    from chalicelib import storage

    storage.store().delete_object(key)


def keys_under(prefix: str = "") -> list[str]:
    from chalicelib import storage

    return [key for key, _ in storage.store().list_objects(prefix)]


def stored_objects(account_id: str) -> dict[str, ObjectInfo]:
    """Key -> what storage says of every object under the account's media prefix."""
    from chalicelib import storage

    return dict(storage.store().list_objects(f"media/{account_id}/"))


def key_of(media: dict[str, Any]) -> str:
    """The storage key of a MediaFile, from its public url."""
    from chalicelib.config import get_settings

    prefix = get_settings().public_base_url + "/"
    assert media["url"].startswith(prefix), media["url"]
    return str(media["url"][len(prefix) :])


# -- records, through the records port -----------------------------------------------------------


def media_items(account_id: str) -> list[MediaFile]:
    """The account's media records, newest first."""
    from chalicelib import records

    return records.store().query_media(account_id, records.MediaQuery())


def session_items(account_id: str) -> list[UploadSession]:
    """The account's upload sessions, oldest first."""
    from chalicelib import records

    return sorted(
        (s for s in records.store().scan_sessions() if s.account_id == account_id), key=lambda s: s.created_at
    )


def counters(account_id: str) -> dict[str, int]:
    account = stored_account(account_id)
    return {
        "media_count": account.media_count,
        "image_count": account.image_count,
        "video_count": account.video_count,
        "bytes_used": account.bytes_used,
    }


def stored_account(account_id: str) -> Account:
    from chalicelib import records

    account = records.store().get_account(account_id)
    assert account is not None, f"no account {account_id}"
    return account


def stored_session(upload_id: str) -> UploadSession:
    from chalicelib import records

    session = records.store().get_session(upload_id)
    assert session is not None, f"no upload session {upload_id}"
    return session


def stored_media(account_id: str, media_id: int) -> MediaFile:
    from chalicelib import records

    media = records.store().get_media(account_id, media_id)
    assert media is not None, f"no media {account_id}/{media_id}"
    return media
