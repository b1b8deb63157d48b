"""The local stack's snapshot while objects come and go: an object listed for saving and
deleted before it is read (a staged upload that ingest just removed) is skipped, and the
rest of the save goes on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from ops.snapshot import Snapshot
from tests.helpers.aws import BUCKET, TABLE_PREFIX
from tests.helpers.servers import moto_server_env

pytestmark = pytest.mark.slow(seconds=1)  # an embedded moto server


def writer(env: dict[str, str]) -> Any:
    """Another client of the same storage (ingest's, say)."""
    config = Config(s3={"addressing_style": "path"})
    return boto3.session.Session(region_name="us-east-1").client(
        "s3", endpoint_url=env["MEDIA_S3_ENDPOINT_URL"], config=config
    )


STAGED = "uploads/demo/0123456789abcdef0123456789abcdef"
KEPT = "media/demo/images/1700000000_abc.png"


def test_an_object_deleted_between_listing_and_reading_is_skipped(tmp_path: Path) -> None:
    with moto_server_env() as env:
        session = boto3.session.Session(region_name="us-east-1")
        s3 = session.client(
            "s3", endpoint_url=env["MEDIA_S3_ENDPOINT_URL"], config=Config(s3={"addressing_style": "path"})
        )
        s3.put_object(Bucket=BUCKET, Key=STAGED, Body=b"staged bytes")
        s3.put_object(Bucket=BUCKET, Key=KEPT, Body=b"kept bytes")

        def ingest_removes_it_first(params: dict[str, Any], **_: Any) -> None:
            # What ingest does to a staged upload: it is gone by the time the snapshot reads it.
            if params.get("Key") == STAGED:
                s3.delete_object(Bucket=BUCKET, Key=STAGED)

        reader = boto3.session.Session(region_name="us-east-1")
        reader.events.register("before-parameter-build.s3.GetObject", ingest_removes_it_first)
        snapshot = Snapshot(tmp_path, env["MEDIA_S3_ENDPOINT_URL"], BUCKET, TABLE_PREFIX, reader)

        assert snapshot.save() is True
        saved = tmp_path / "s3" / "objects"
        assert (saved / KEPT).read_bytes() == b"kept bytes"
        assert not (saved / STAGED).exists()
        manifest = (tmp_path / "s3" / "manifest.json").read_text()
        assert KEPT in manifest and STAGED not in manifest
        assert snapshot.save() is False  # nothing left over to write


def test_a_saved_object_deleted_before_its_new_bytes_are_read_leaves_the_snapshot(tmp_path: Path) -> None:
    with moto_server_env() as env:
        session = boto3.session.Session(region_name="us-east-1")
        s3 = session.client(
            "s3", endpoint_url=env["MEDIA_S3_ENDPOINT_URL"], config=Config(s3={"addressing_style": "path"})
        )
        s3.put_object(Bucket=BUCKET, Key=STAGED, Body=b"first bytes")
        removing: list[bool] = []

        def removed_after_its_change(params: dict[str, Any], **_: Any) -> None:
            if removing and params.get("Key") == STAGED:
                s3.delete_object(Bucket=BUCKET, Key=STAGED)

        reader = boto3.session.Session(region_name="us-east-1")
        reader.events.register("before-parameter-build.s3.GetObject", removed_after_its_change)
        snapshot = Snapshot(tmp_path, env["MEDIA_S3_ENDPOINT_URL"], BUCKET, TABLE_PREFIX, reader)
        assert snapshot.save() is True
        assert (tmp_path / "s3" / "objects" / STAGED).read_bytes() == b"first bytes"

        s3.put_object(Bucket=BUCKET, Key=STAGED, Body=b"the form sent again")  # a new ETag: read again...
        removing.append(True)  # ...but ingest removes it first
        assert snapshot.save() is True
        assert not (tmp_path / "s3" / "objects" / STAGED).exists()
        assert STAGED not in (tmp_path / "s3" / "manifest.json").read_text()
