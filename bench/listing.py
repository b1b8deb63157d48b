"""Listing a 10,000-file library: a page's latency against the bare DynamoDB reads
it needs, and the items read to serve a deep page vs the same page by cursor."""

from __future__ import annotations

import gc
import tempfile
from typing import Any

from bench.harness import AwsCalls, emit, in_process_aws, interleaved, median, new_account, paired_ratio, timed_ms

FILES = 10_000
PER_PAGE = 25
DEEP_PAGE = 400
ROUNDS = 25


def fill_library(account_id: str, files: int) -> None:
    """``files`` records written straight to the table (batch writes), counters to match,
    as if uploaded one by one: ids 1..files, every fourth a video."""
    from chalicelib.models import AccountItem as Account
    from chalicelib.models import MediaItem as MediaFile

    counts = {"image": 0, "video": 0}
    size = 204_800
    with MediaFile.batch_write() as batch:
        for media_id in range(1, files + 1):
            kind = "video" if media_id % 4 == 0 else "image"
            ext = "mp4" if kind == "video" else "jpg"
            counts[kind] += 1
            upload_id = f"{media_id:032x}"
            stamp = f"2026-01-01T00:00:00.{media_id % 1_000_000:06d}Z"
            name = f"File {media_id}"
            original = f"file-{media_id}.{ext}"
            batch.save(
                MediaFile(
                    account_id,
                    media_id,
                    type_key=f"{account_id}#{kind}",
                    name=name,
                    original_name=original,
                    name_lower=name.lower(),
                    original_lower=original,
                    storage_key=f"media/{account_id}/{kind}s/1767225600_{upload_id}.{ext}",
                    upload_id=upload_id,
                    file_type=kind,
                    mime_type="video/mp4" if kind == "video" else "image/jpeg",
                    extension=ext,
                    file_size=size,
                    metadata={"width": 1920, "height": 1080},
                    uploaded_by="client",
                    is_active=True,
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
    Account(account_id).update(
        actions=[
            Account.media_count.set(files),
            Account.image_count.set(counts["image"]),
            Account.video_count.set(counts["video"]),
            Account.bytes_used.set(files * size),
            Account.next_media_id.set(files),
        ]
    )


def _raw_reads(account_id: str) -> Any:
    """What a page needs from DynamoDB, with a bare boto3 client: the newest
    ``PER_PAGE`` items and the account's counter for ``total``."""
    import boto3

    from chalicelib.config import get_settings

    settings = get_settings()
    dynamodb = boto3.client("dynamodb", region_name=settings.region)
    media_table, accounts_table = settings.table_name("media"), settings.table_name("accounts")

    def read() -> None:
        page = dynamodb.query(
            TableName=media_table,
            KeyConditionExpression="account_id = :a",
            ExpressionAttributeValues={":a": {"S": account_id}},
            ScanIndexForward=False,
            Limit=PER_PAGE,
        )
        assert page["Count"] == PER_PAGE
        dynamodb.get_item(TableName=accounts_table, Key={"account_id": {"S": account_id}})

    return read


def run() -> dict[str, Any]:
    from chalice.test import Client

    from app import app
    from chalicelib.pagination import Cursor, encode_cursor

    with in_process_aws(), tempfile.TemporaryDirectory() as project:
        account_id, headers = new_account()
        fill_library(account_id, FILES)
        # moto holds the 10,000 items as Python objects: keep the garbage
        # collector from walking them in the middle of a timed request.
        gc.collect()
        gc.freeze()
        counter = AwsCalls().attach()
        raw = _raw_reads(account_id)
        with Client(app, stage_name="bench", project_dir=project) as client:

            def api_page() -> None:
                response = client.http.get(f"/api/v1/media?per_page={PER_PAGE}", headers=headers)
                assert response.status_code == 200 and len(response.json_body["data"]) == PER_PAGE

            for _ in range(3):  # warm: key cache, connections, lazy imports
                api_page()
                raw()
            api_ms, raw_ms = interleaved(lambda: timed_ms(api_page), lambda: timed_ms(raw), ROUNDS)

            counter.reset()
            deep = client.http.get(f"/api/v1/media?page={DEEP_PAGE}&per_page={PER_PAGE}", headers=headers)
            page_reads = counter.items_read
            # The same page by cursor: items older than the last one of the page before.
            last_before = FILES - (DEEP_PAGE - 1) * PER_PAGE + 1
            token = encode_cursor(account_id, Cursor(last_before, True))
            counter.reset()
            by_cursor = client.http.get(f"/api/v1/media?cursor={token}&per_page={PER_PAGE}", headers=headers)
            cursor_reads = counter.items_read
    page_ids = [m["id"] for m in deep.json_body["data"]]
    assert page_ids and page_ids == [m["id"] for m in by_cursor.json_body["data"]], "deep page and cursor differ"
    api_p50, raw_p50 = median(api_ms), median(raw_ms)
    return {
        "list_p50_ms": round(api_p50, 1),
        "list_raw_p50_ms": round(raw_p50, 1),
        "list_overhead_ratio": round(paired_ratio(api_ms, raw_ms), 2),
        "page_deep_reads": page_reads,
        "cursor_deep_reads": cursor_reads,
    }


if __name__ == "__main__":
    emit(run())
