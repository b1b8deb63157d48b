"""S3 ObjectCreated events for the local stack.

On AWS the bucket notifies the ingest Lambda. moto cannot run Lambda targets
without Docker, but it does deliver real S3 event bodies to SQS, so the
bucket notifies a local queue and a thread hands each event body to the
function its key's prefix routes to (chalicelib.domain.layout.ROUTES: the
app's own Lambda functions under ``serve``). A presigned upload is thus
recorded without ``complete``, as in production.
Each function handles its events on threads of its own, as Lambda runs invocations side
by side: a long rendition never holds up the ingest of the next upload. An event is
invisible in the queue while it is handled (like an invocation within its timeout); a
failing one comes back after RETRY_AFTER_SECONDS, like Lambda's async retries, and one
still failing after them goes to the failed-event queue, in the record shape of Lambda's
on-failure destination, as on AWS (`manage.py ingest redrive`).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config

from chalicelib.domain.layout import ROUTES, event_objects, route_of
from ops.snapshot import local_session

log = logging.getLogger("ops.events")
#: Like S3 on AWS, events arrive a little after the write.
EVENT_DELAY_SECONDS = 1
#: How long one receive waits for a message (a long poll: an idle pump costs next to nothing).
POLL_SECONDS = 1
#: A failed event comes back after this many seconds, at most MAX_ATTEMPTS times.
RETRY_AFTER_SECONDS = 5
MAX_ATTEMPTS = 3
#: How long an event stays invisible while it is handled: the worker's Lambda timeout.
IN_FLIGHT_SECONDS = 900
#: Events each function handles at once (Lambda would run more; this machine has a few cores).
CONCURRENCY = 2
EventHandler = Callable[[dict[str, Any]], Any]


class S3EventPump:
    """Delivers the bucket's ObjectCreated event bodies to the function their key's prefix routes to
    (``functions``: Lambda function name -> handler, as the template wires them on AWS)."""

    def __init__(
        self,
        endpoint_url: str,
        bucket: str,
        queue_name: str,
        functions: dict[str, EventHandler],
        session: boto3.session.Session | None = None,
        *,
        failures_queue: str | None = None,
        retry_after: int = RETRY_AFTER_SECONDS,
        delay: int = EVENT_DELAY_SECONDS,
    ) -> None:
        session = session or local_session()
        self._sqs = session.client("sqs", endpoint_url=endpoint_url)
        self._s3 = session.client("s3", endpoint_url=endpoint_url, config=Config(s3={"addressing_style": "path"}))
        self._bucket = bucket
        self._queue_name = queue_name
        self._functions = functions
        self._failures_name = failures_queue
        self._failures_url: str | None = None
        self._retry_after = retry_after
        self._delay = delay
        self._queue_url: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pools = {name: ThreadPoolExecutor(CONCURRENCY, f"events-{name}") for name in functions}

    def start(self) -> None:
        """Create the queue, point the bucket's notifications at it, start polling."""
        self._queue_url = self._sqs.create_queue(
            QueueName=self._queue_name,
            Attributes={
                "DelaySeconds": str(self._delay),
                "VisibilityTimeout": str(self._retry_after),
            },
        )["QueueUrl"]
        if self._failures_name:
            self._failures_url = self._sqs.create_queue(QueueName=self._failures_name)["QueueUrl"]
        arn = self._sqs.get_queue_attributes(QueueUrl=self._queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self._s3.put_bucket_notification_configuration(
            Bucket=self._bucket,
            NotificationConfiguration={
                "QueueConfigurations": [
                    {
                        "QueueArn": arn,
                        "Events": list(route.events),
                        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": route.prefix}]}},
                    }
                    for route in ROUTES
                    if route.function in self._functions
                ]
            },
        )
        self._thread = threading.Thread(target=self._run, name="s3-events", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            if self._queue_url is not None:
                try:  # ends the long poll in flight at once, rather than after up to a second
                    self._sqs.send_message(QueueUrl=self._queue_url, MessageBody="stop", DelaySeconds=0)
                except Exception:
                    log.debug("could not wake the S3 event pump; it stops after its poll")
            self._thread.join(timeout=10)
        for pool in self._pools.values():  # what is being handled finishes; the rest stays queued
            pool.shutdown(wait=True, cancel_futures=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll()
            except Exception:  # the server may be stopping; keep the thread alive otherwise
                if not self._stop.wait(1):
                    log.exception("S3 event polling failed; retrying")

    def poll(self) -> int:
        """Receive one batch and hand each event to its function's threads; returns how many
        were handed over."""
        response = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=POLL_SECONDS,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        handed = 0
        for message in response.get("Messages", []):
            event = _event_of(message["Body"])
            function = self._function_of(event) if event is not None else None
            if event is None or function is None or self._stop.is_set():
                if event is None or function is None:
                    self._delete(message)
                continue
            receipt = message["ReceiptHandle"]
            self._sqs.change_message_visibility(
                QueueUrl=self._queue_url, ReceiptHandle=receipt, VisibilityTimeout=IN_FLIGHT_SECONDS
            )
            attempt = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
            self._pools[function].submit(self._handle, function, event, message, attempt)
            handed += 1
        return handed

    def _handle(self, function: str, event: dict[str, Any], message: dict[str, Any], attempt: int) -> None:
        try:
            self._functions[function](event)
        except Exception as exc:
            if attempt < MAX_ATTEMPTS:
                log.warning("S3 event failed (attempt %d); retrying in %d s", attempt, self._retry_after)
                receipt = message["ReceiptHandle"]  # the queue delivers it again
                self._sqs.change_message_visibility(
                    QueueUrl=self._queue_url, ReceiptHandle=receipt, VisibilityTimeout=self._retry_after
                )
                return
            log.exception("S3 event failed %d times; kept in the failed-event queue", attempt)
            self._keep_failure(event, exc, attempt)
        self._delete(message)

    def _delete(self, message: dict[str, Any]) -> None:
        self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])

    def _keep_failure(self, event: dict[str, Any], error: Exception, attempts: int) -> None:
        """What Lambda's on-failure destination sends after the retries (its record's shape)."""
        if self._failures_url is None:
            return
        record = {
            "version": "1.0",
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "requestContext": {
                "requestId": uuid.uuid4().hex,
                "functionArn": "arn:aws:lambda:local:000000000000:function:media-local:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": attempts,
            },
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "responsePayload": {"errorType": type(error).__name__, "errorMessage": str(error)},
        }
        self._sqs.send_message(QueueUrl=self._failures_url, MessageBody=json.dumps(record))

    def _function_of(self, event: dict[str, Any]) -> str | None:
        found = event_objects(event)
        route = route_of(found[0].key) if found else None
        return route.function if route is not None and route.function in self._functions else None


def _event_of(body: str) -> dict[str, Any] | None:
    """The S3 event in a queue message; None for S3's TestEvent and non-JSON bodies."""
    try:
        event = json.loads(body)
    except ValueError:
        return None
    return event if isinstance(event, dict) and event.get("Records") else None
