"""What is stored, read straight from the stores (moto), past the service's own code."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import boto3

from tests.helpers.aws import REGION

if TYPE_CHECKING:
    from chalicelib.domain.upload import UploadSession
    from chalicelib.domain.values import Account, MediaFile


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


def object_exists(key: str) -> bool:
    return int(s3().list_objects_v2(Bucket=bucket(), Prefix=key).get("KeyCount", 0)) > 0


def stored_objects(account_id: str) -> dict[str, dict[str, Any]]:
    """Key -> head of every object under the account's media prefix."""
    listed = s3().list_objects_v2(Bucket=bucket(), Prefix=f"media/{account_id}/").get("Contents", [])
    return {item["Key"]: s3().head_object(Bucket=bucket(), Key=item["Key"]) for item in listed}


def key_of(media: dict[str, Any]) -> str:
    """The storage key of a MediaFile, from its public url."""
    from chalicelib.config import get_settings

    prefix = get_settings().public_base_url + "/"
    assert media["url"].startswith(prefix), media["url"]
    return str(media["url"][len(prefix) :])


def table_name(model_name: str) -> str:
    from chalicelib import models

    models.bind()
    return str(getattr(models, model_name).Meta.table_name)


def media_items(account_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = aws_client("dynamodb").query(
        TableName=table_name("MediaItem"),
        KeyConditionExpression="account_id = :a",
        ExpressionAttributeValues={":a": {"S": account_id}},
    )["Items"]
    return items


def session_items(account_id: str) -> list[dict[str, Any]]:
    items = aws_client("dynamodb").scan(TableName=table_name("UploadItem"))["Items"]
    return [i for i in items if i.get("account_id", {}).get("S") == account_id]


def counters(account_id: str) -> dict[str, int]:
    from chalicelib import records

    account = records.store().get_account(account_id)
    assert account is not None
    return {
        "media_count": account.media_count,
        "image_count": account.image_count,
        "video_count": account.video_count,
        "bytes_used": account.bytes_used,
    }


# -- records the test expects to exist (read through the service's own records module) ---------


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
