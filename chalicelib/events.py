"""Storage events in: every object an S3 event names goes to the function its key's prefix
routes to (chalicelib.domain.layout.ROUTES), whichever entry point received it.

The Lambda handlers in app.py, the local event pump and the failed-event
redrive all call :func:`handle`. Objects of another bucket are ignored. A
ServiceUnavailable propagates, so the platform delivers the event again;
every handler is safe to repeat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from chalicelib.config import get_settings
from chalicelib.domain.layout import event_objects, route_of

log = logging.getLogger(__name__)
IGNORED = "ignored"


def _handler(function: str, deadline: float | None) -> Callable[[str], Any]:
    """The code behind a route's function name (imported on first use: each Lambda
    function loads only its own)."""
    if function == "ingest":
        from chalicelib import promotion

        return promotion.ingest_logged
    from chalicelib import worker

    return lambda key: worker.make_logged(key, deadline)


def handle(event: dict[str, Any], deadline: float | None = None) -> list[str]:
    """Run every created object of an S3 event notification through its route; their outcomes.
    ``deadline``: a ``time.monotonic()`` value the work must end by (Lambda's remaining time)."""
    bucket = get_settings().bucket
    outcomes = []
    for found in event_objects(event):
        route = route_of(found.key)
        if found.bucket != bucket or route is None:
            log.warning("events: ignoring %r in bucket %r", found.key, found.bucket)
            outcomes.append(IGNORED)
            continue
        outcomes.append(str(_handler(route.function, deadline)(found.key)))
    return outcomes
