"""The CDN in front of the public keys: a deleted file's paths are invalidated, in batches.

Objects are cached for a year (their keys are random and never reused), so a
DELETE must tell the CDN, or "permanently deleted" would mean "gone from the
bucket, still served". Invalidation requests are slow and limited (at most
3,000 paths in progress per distribution), so the API never calls CloudFront
itself:

- :func:`forget` (the DELETE path) sends the file's keys (original,
  thumbnail or poster, rendition: whatever exists) to a queue, one message per
  file; with no queue configured (the local stack, a public-bucket stage)
  there is nothing to invalidate and nothing is sent.
- :func:`invalidate_batch` (the ``invalidate`` function, fed by that queue with
  a batching window) makes ONE CreateInvalidation for a whole batch: paths
  de-duplicated, split only beyond CloudFront's 3,000 paths per request. A
  storm of deletions therefore costs a few requests, not one per file.
  A request that fails leaves its messages on the queue (partial batch
  response), so SQS retries them and, after its retries, moves them to the
  dead-letter queue an alarm watches.

No chalice import, and only imported when a DELETE or a batch needs it: the
API's cold start does not pay for it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import telemetry
from chalicelib.aws import new_session
from chalicelib.config import get_settings
from chalicelib.errors import ServiceUnavailable

#: CloudFront's ceiling of paths in one invalidation request.
MAX_PATHS_PER_REQUEST = 3000
#: CloudFront is a global service whose API lives in us-east-1.
CLOUDFRONT_REGION = "us-east-1"
_RETRIES = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=10)


@functools.lru_cache(maxsize=4)
def _client(service: str, region: str) -> Any:
    return new_session().create_client(service, region_name=region, config=_RETRIES)


def forget(keys: Iterable[str | None]) -> bool:
    """Queue a deleted file's public keys for invalidation; False when there is no CDN.

    Called after the objects are deleted and before the record is: if sending
    fails, the DELETE answers 503 and its retry (the record still exists)
    sends again, so an invalidation is never lost.
    """
    settings = get_settings()
    wanted = sorted({key for key in keys if key})
    if settings.invalidation_queue_url is None or not wanted:
        return False
    body = json.dumps({"keys": wanted}, separators=(",", ":"))
    try:
        _client("sqs", settings.function_region).send_message(
            QueueUrl=settings.invalidation_queue_url, MessageBody=body
        )
    except (ClientError, BotoCoreError) as exc:
        raise ServiceUnavailable("The delivery network could not be told yet. Retry the request.") from exc
    return True


def cdn_path(key: str) -> str:
    """The CDN path of a storage key (URL-encoded as CloudFront wants it)."""
    return "/" + quote(key, safe="/-_.~")


@dataclass
class _Request:
    paths: list[str] = field(default_factory=list)
    messages: set[str] = field(default_factory=set)


def plan_requests(messages: list[tuple[str, list[str]]]) -> list[_Request]:
    """Invalidation requests for a batch of (message id, keys): every path once, at most
    MAX_PATHS_PER_REQUEST per request, each request knowing the messages it serves."""
    requests: list[_Request] = [_Request()]
    home: dict[str, _Request] = {}
    for message_id, keys in messages:
        for path in sorted({cdn_path(k) for k in keys}):
            if path not in home:
                if len(requests[-1].paths) == MAX_PATHS_PER_REQUEST:
                    requests.append(_Request())
                requests[-1].paths.append(path)
                home[path] = requests[-1]
            home[path].messages.add(message_id)
    return [r for r in requests if r.paths]


def _keys(record: dict[str, Any]) -> list[str] | None:
    try:
        keys = json.loads(record["body"])["keys"]
    except (KeyError, TypeError, ValueError):
        return None
    if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
        return None
    return keys


def caller_reference(paths: list[str]) -> str:
    """The same paths give the same reference: a batch SQS delivers again after a
    failure does not start a second invalidation of what is already in progress."""
    return "media-api-" + hashlib.sha256("\n".join(sorted(paths)).encode()).hexdigest()[:48]


def invalidate_batch(event: dict[str, Any]) -> dict[str, Any]:
    """One SQS batch -> as few CreateInvalidation requests as CloudFront allows.

    Returns Lambda's partial batch response: the messages whose request failed
    (or that cannot be read) stay on the queue for SQS to retry.
    """
    started = time.perf_counter()
    failed: set[str] = set()
    messages: list[tuple[str, list[str]]] = []
    for record in event.get("Records") or []:
        keys = _keys(record)
        if keys is None:
            failed.add(str(record.get("messageId")))  # a defect: let the dead-letter queue keep it
        else:
            messages.append((str(record["messageId"]), keys))
    distribution = get_settings().distribution_id
    requests = plan_requests(messages)
    sent = 0
    for request in requests:
        if distribution is None:
            failed |= request.messages
            continue
        try:
            _client("cloudfront", CLOUDFRONT_REGION).create_invalidation(
                DistributionId=distribution,
                InvalidationBatch={
                    "Paths": {"Quantity": len(request.paths), "Items": request.paths},
                    "CallerReference": caller_reference(request.paths),
                },
            )
            sent += 1
        except (ClientError, BotoCoreError) as exc:
            telemetry.emit("invalidation_failed", error=str(exc), paths=len(request.paths))
            failed |= request.messages
    telemetry.emit(
        "invalidation",
        messages=len(messages),
        paths=sum(len(r.paths) for r in requests),
        requests=sent,
        failed_messages=len(failed),
        distribution=distribution or "(MEDIA_DISTRIBUTION_ID is not set)",
        ms=round((time.perf_counter() - started) * 1000, 1),
    )
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in sorted(failed)]}
