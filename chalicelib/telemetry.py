"""Structured logs and CloudWatch metrics, one JSON line per event.

Every request of the API, every object ingest looks at and every thumbnail
writes one line: on Lambda a JSON object on stdout, which CloudWatch Logs
keeps as it is and Logs Insights can query field by field. A line that
carries metrics also carries the Embedded Metric Format's ``_aws`` block, so
CloudWatch extracts the metrics from the log itself: no API call, no client,
nothing on the request's path but one write. Locally (``MEDIA_LOG_FORMAT=text``,
set by the local stack) the same events print as one readable line each;
``none`` keeps them out of the ops CLI's output.

Never logged: API keys (a request line names its key by the 16-character
display prefix `keys list` shows, never more), request bodies, file names a
client chose (they are user data); accounts by id only. A request line
carries the caller's IP, as API Gateway saw it, so a key's use can be traced.

Why not AWS Lambda Powertools' Logger and Metrics: the shapes are these few
lines, and importing Powertools costs the API's cold start more than the
whole service's own modules (bench ``import_ratio``).
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from typing import Any

NAMESPACE = "MediaApi"
#: metric name -> unit, and the dimension sets each is published under
UNITS = {
    "UploadsAccepted": "Count",
    "UploadsRejected": "Count",
    "PlanLimitRefusals": "Count",
    "IngestDuration": "Milliseconds",
    "ThumbnailFailures": "Count",
    "RenditionFailures": "Count",
    "ServerErrors": "Count",
}


def _stage() -> str:
    return os.environ.get("MEDIA_STAGE", "local")


def _text(fields: dict[str, Any]) -> str:
    head = f"{time.strftime('%H:%M:%S')} {fields.pop('event', '?')}"
    return head + "".join(f" {k}={v}" for k, v in fields.items() if v is not None and k != "_aws")


def emit(
    event: str, metrics: dict[str, float] | None = None, dimensions: dict[str, str] | None = None, **fields: Any
) -> None:
    """Write one event line; ``metrics`` (name -> value, units from UNITS) become
    CloudWatch metrics under the stage and, each, the given ``dimensions``."""
    style = os.environ.get("MEDIA_LOG_FORMAT", "json").lower()
    if style == "none":
        return
    line: dict[str, Any] = {"event": event, **{k: v for k, v in fields.items() if v is not None}}
    if metrics:
        dims = {"Stage": _stage(), **(dimensions or {})}
        line.update(dims)
        line.update(metrics)
        sets = [["Stage"], ["Stage", *sorted(dimensions)]] if dimensions else [["Stage"]]
        line["_aws"] = {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": sets,
                    "Metrics": [{"Name": name, "Unit": UNITS[name]} for name in metrics],
                }
            ],
        }
    if style == "text":
        sys.stderr.write(_text(dict(line)) + "\n")
    else:
        sys.stdout.write(json.dumps(line, separators=(",", ":"), default=str) + "\n")
        sys.stdout.flush()


def request(
    request_id: str | None,
    method: str,
    route: str,
    status: int,
    started: float,
    account_id: str | None,
    error_code: str | None,
    *,
    key_prefix: str | None = None,
    source_ip: str | None = None,
) -> None:
    """The API's line for one request (``started``: its ``time.perf_counter()``): who
    asked (the key's display prefix, chalicelib.auth.display_prefix, and the caller's
    IP) and how it went. Never a key, a body or a query string: they are the client's data."""
    emit(
        "request",
        {"ServerErrors": 1.0} if status >= 500 else None,
        request_id=request_id or uuid.uuid4().hex,
        method=method,
        route=route,
        status=status,
        latency_ms=round((time.perf_counter() - started) * 1000, 1),
        account_id=account_id,
        key_prefix=key_prefix,
        source_ip=source_ip,
        error_code=error_code if status >= 400 else None,
    )


def upload_rejected(reason: str, route: str) -> None:
    """A refused upload, by reason (plan-limit refusals counted on their own too)."""
    metrics = {"UploadsRejected": 1.0}
    if reason == "media_limit_reached":
        metrics["PlanLimitRefusals"] = 1.0
    emit("upload_rejected", metrics, {"Reason": reason}, reason=reason, route=route)


def plan_limit_refused(route: str) -> None:
    """An upload refused before any byte, the plan being full (403 at start)."""
    emit("plan_limit_refused", {"PlanLimitRefusals": 1.0}, route=route)
