"""Sending one logical request, with retries: the only place that catches httpx's errors."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from media_client._retry import TRANSIENT_ERRORS, RetryPolicy, is_transient_status
from media_client.errors import APIConnectionError

#: Failures where the request cannot have reached the server.
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: Answers that say the server did not act (the rest of 5xx may come after it did).
NOT_ACTED = frozenset({429, 503})


@dataclass(frozen=True)
class Sent:
    """The final answer of a request and what its earlier attempts may have done."""

    response: httpx.Response
    attempts: int
    #: True when an earlier attempt may have reached the server and acted (its answer was lost).
    may_have_acted_before: bool


def _in_progress(response: httpx.Response) -> bool:
    """409 ``idempotency_in_progress``: the first attempt still runs; ask again after Retry-After."""
    if response.status_code != 409:
        return False
    try:
        return bool(json.loads(response.content).get("code") == "idempotency_in_progress")
    except (ValueError, AttributeError):
        return False


def _origin(url: httpx.URL) -> str:
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}"


class Sender:
    """Sends requests built afresh for each attempt (a streamed body cannot be replayed)."""

    def __init__(self, http: httpx.Client, policy: RetryPolicy, sleep: Callable[[float], None] = time.sleep) -> None:
        self.http = http
        self.policy = policy
        self.sleep = sleep

    def send(
        self,
        build: Callable[[], httpx.Request],
        *,
        stream: bool = False,
        transient: Callable[[httpx.Response], bool] | None = None,
    ) -> Sent:
        """The first answer that is not worth retrying, or the last one when the retries run out.

        Raises APIConnectionError when the last attempt got no answer at all.
        With ``stream=True`` a successful response's body is left unread (the
        caller closes it); error bodies are always read. ``transient`` names
        more answers worth retrying (a storage's own ways of saying "again").
        """
        attempt, acted = 0, False
        while True:
            request = build()
            try:
                response = self.http.send(request, stream=stream)
            except TRANSIENT_ERRORS as exc:
                delay = self.policy.wait(attempt, None)
                if delay is None:
                    raise APIConnectionError(
                        f"No answer from {_origin(request.url)} after {attempt + 1} attempt(s): "
                        f"{exc or type(exc).__name__}"
                    ) from exc
                acted = acted or not isinstance(exc, NEVER_SENT)
            except httpx.TransportError as exc:  # a proxy refusing, a protocol error: retrying cannot help
                raise APIConnectionError(f"Could not send to {_origin(request.url)}: {exc}") from exc
            else:
                if response.status_code < 400:
                    return Sent(response, attempt + 1, acted)
                if stream:
                    response.read()
                    response.close()
                retry = is_transient_status(response) or _in_progress(response)
                if not (retry or (transient is not None and transient(response))):
                    return Sent(response, attempt + 1, acted)
                delay = self.policy.wait(attempt, response)
                if delay is None:
                    return Sent(response, attempt + 1, acted)
                acted = acted or response.status_code not in NOT_ACTED
                response.close()
            self.sleep(delay)
            attempt += 1
