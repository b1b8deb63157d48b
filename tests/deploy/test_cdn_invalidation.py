"""DELETE makes the CDN forget a file, in batches: on moto's SQS and CloudFront, through the
API's DELETE and the invalidate function, as deployed (docs/deploy.md, "Delivery")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from chalice.test import Client

from chalicelib import cdn
from chalicelib.config import reset_settings
from ops import delivery, edge_setup
from tests.deploy.test_iam_covers_calls import ENV, assert_allowed
from tests.helpers.http import upload
from tests.helpers.tenants import Tenant

REGION = "us-east-1"
QUEUE = "media-api-test-invalidations"


def sqs_event(limit: int = 10_000) -> dict[str, Any]:
    """What Lambda's event source hands the function: every message on the queue, in one batch."""
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    found: list[dict[str, Any]] = []
    while len(found) < limit:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300).get("Messages", [])
        if not batch:
            break
        found += batch
    return {"Records": [{"messageId": m["MessageId"], "body": m["Body"], "eventSource": "aws:sqs"} for m in found]}


def invalidations(distribution: str) -> list[dict[str, Any]]:
    cloudfront = boto3.client("cloudfront", region_name=REGION)
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"].get("Items", [])
    return [
        cloudfront.get_invalidation(DistributionId=distribution, Id=i["Id"])["Invalidation"]["InvalidationBatch"]
        for i in listed
    ]


@pytest.fixture
def distribution(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A CDN stage on moto: the invalidation queue, a distribution, and the variables pointing at them."""
    url = boto3.client("sqs", region_name=REGION).create_queue(QueueName=QUEUE)["QueueUrl"]
    serving = delivery.Delivery("cloudfront")
    config = edge_setup.api_distribution_config("test", serving, "media-test.s3.us-east-1.amazonaws.com", "oac", "h")
    created = boto3.client("cloudfront", region_name=REGION).create_distribution(DistributionConfig=config)
    distribution_id = created["Distribution"]["Id"]
    monkeypatch.setenv("MEDIA_INVALIDATION_QUEUE_URL", url)
    monkeypatch.setenv("MEDIA_DISTRIBUTION_ID", distribution_id)
    reset_settings()
    yield distribution_id
    reset_settings()


@pytest.mark.slow(seconds=10)  # moto: each transaction copies the table, each receive walks the queue
def test_a_storm_of_120_deletes_makes_one_invalidation(client: Client, tenant: Tenant, distribution: str) -> None:
    from app import invalidate_paths
    from bench.listing import fill_library
    from chalicelib.models import MediaItem

    fill_library(tenant.account_id, 120)  # every fourth a video whose codecs were never read: it needs a rendition
    keys = {m.storage_key for m in MediaItem.query(tenant.account_id)}
    for media_id in range(1, 121):
        assert client.http.delete(f"/api/v1/media/{media_id}", headers=tenant.headers).status_code == 204
    event = sqs_event()
    assert len(event["Records"]) == 120  # one message per deleted file
    assert invalidate_paths(event, None) == {"batchItemFailures": []}
    (batch,) = invalidations(distribution)
    paths = batch["Paths"]["Items"]
    # Every original, every thumbnail or poster, and the videos' renditions.
    assert batch["Paths"]["Quantity"] == len(paths) == len(set(paths)) == 120 + 120 + 30
    assert {p.lstrip("/") for p in paths if p.startswith("/media/")} == keys
    assert sum(p.startswith("/thumbs/") for p in paths) == 120
    assert sum(p.startswith("/renditions/") for p in paths) == 30
    # SQS may deliver a batch again (a timed-out invocation): the same CallerReference,
    # which CloudFront answers with the invalidation already made (moto makes another).
    invalidate_paths(event, None)
    assert {b["CallerReference"] for b in invalidations(distribution)} == {batch["CallerReference"]}


def test_more_paths_than_one_request_takes_are_split_and_repeats_sent_once(distribution: str) -> None:
    messages = [(f"m{n}", [f"media/1/images/{n}_a.png", f"thumbs/1/{n}_a.webp", "media/1/images/shared.png"])
                for n in range(1600)]  # fmt: skip
    plan = cdn.plan_requests(messages)
    assert [len(r.paths) for r in plan] == [3000, 201]
    event = {"Records": [{"messageId": m, "body": json.dumps({"keys": keys})} for m, keys in messages]}
    assert cdn.invalidate_batch(event) == {"batchItemFailures": []}
    sent = invalidations(distribution)
    assert sorted(b["Paths"]["Quantity"] for b in sent) == [201, 3000]
    every = [p for b in sent for p in b["Paths"]["Items"]]
    assert len(every) == len(set(every)) == 3201


def test_a_failed_request_leaves_its_messages_for_sqs_to_retry(
    distribution: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIA_DISTRIBUTION_ID", "E000000NOTHERE")  # CloudFront answers NoSuchDistribution
    reset_settings()
    event = {
        "Records": [
            {"messageId": "a", "body": json.dumps({"keys": ["media/1/images/1_a.png"]})},
            {"messageId": "b", "body": "not json"},
        ]
    }
    assert cdn.invalidate_batch(event) == {"batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": "b"}]}
    assert invalidations(distribution) == []


def test_without_a_cdn_delete_sends_nothing(client: Client, tenant: Tenant) -> None:
    reply = upload(client, tenant, "a.png")
    assert client.http.delete(f"/api/v1/media/{reply.json_body['id']}", headers=tenant.headers).status_code == 204
    assert cdn.forget(["media/1/images/1_a.png"]) is False


def test_delete_that_cannot_queue_answers_503_and_its_retry_queues(
    client: Client, tenant: Tenant, distribution: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    media_id = upload(client, tenant, "a.png").json_body["id"]
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    refused = client.http.delete(f"/api/v1/media/{media_id}", headers=tenant.headers)
    assert refused.status_code == 503 and refused.json_body["code"] == "service_unavailable"
    assert client.http.get(f"/api/v1/media/{media_id}", headers=tenant.headers).status_code == 200
    sqs.create_queue(QueueName=QUEUE)
    assert client.http.delete(f"/api/v1/media/{media_id}", headers=tenant.headers).status_code == 204
    (record,) = sqs_event()["Records"]
    assert any(key.startswith("media/") for key in json.loads(record["body"])["keys"])


def test_invalidation_path_is_allowed_by_the_policies(
    client: Client,
    tenant: Tenant,
    distribution: str,
    recorder: Any,  # noqa: F811
) -> None:
    media_id = upload(client, tenant, "a.png").json_body["id"]
    env = {**ENV, "MEDIA_DISTRIBUTION_ID": distribution}
    with recorder() as calls:
        assert client.http.delete(f"/api/v1/media/{media_id}", headers=tenant.headers).status_code == 204
    assert "SendMessage" in {op for _, op, _ in calls}
    assert_allowed("api_handler", calls, env)
    event = sqs_event()
    with recorder() as calls:
        assert cdn.invalidate_batch(event) == {"batchItemFailures": []}
    assert [op for _, op, _ in calls] == ["CreateInvalidation"]
    assert_allowed("invalidate", calls, env)


def test_the_page_shows_media_from_the_distribution(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CSP follows MEDIA_PUBLIC_BASE_URL, which a CloudFront stage points at its distribution."""
    from chalicelib import site

    monkeypatch.setenv("MEDIA_PUBLIC_BASE_URL", "https://d111abcdef8.cloudfront.net")
    reset_settings()
    policy = dict(part.split(" ", 1) for part in site.page_policy().split("; "))
    assert policy["img-src"] == policy["media-src"] == "'self' https://d111abcdef8.cloudfront.net"
    reset_settings()
