"""An httpx transport that forwards to the real network and injects faults, each once.

It sits where the client sends requests (``Client(transport=...)``), so the
faults are the network's (a dropped connection, a 503 from a gateway), never
a change to the server or to the client's code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx


class _Cut(Exception):
    """The connection went away while the body was being sent."""


class _BreakingStream(httpx.SyncByteStream):
    def __init__(self, inner: Any, after: int) -> None:
        self.inner = inner
        self.after = after

    def __iter__(self) -> Iterator[bytes]:
        sent = 0
        for chunk in self.inner:
            if sent + len(chunk) >= self.after:
                yield chunk[: self.after - sent]
                raise _Cut()
            sent += len(chunk)
            yield chunk


class _BreakingAnswer(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, after: int, request: httpx.Request) -> None:
        self.inner = inner
        self.after = after
        self.request = request

    def __iter__(self) -> Iterator[bytes]:
        received = 0
        for chunk in self.inner:
            if received + len(chunk) >= self.after:
                yield chunk[: self.after - received]
                raise httpx.ReadError("Connection reset by peer while reading the body", request=self.request)
            received += len(chunk)
            yield chunk

    def close(self) -> None:
        self.inner.close()


@dataclass
class Seen:
    method: str
    url: str
    status: int | str
    replayed: bool = False
    idempotency_key: str | None = None

    @property
    def path(self) -> str:
        return httpx.URL(self.url).path


@dataclass
class Rule:
    matches: Callable[[httpx.Request], bool]
    fault: str
    options: dict[str, Any]
    fired: bool = False


@dataclass
class FaultyNetwork(httpx.BaseTransport):
    """Records every request; each added fault fires on the first request it matches."""

    inner: httpx.BaseTransport = field(default_factory=httpx.HTTPTransport)
    seen: list[Seen] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)

    # -- faults --------------------------------------------------------------------------------

    def drop_after_answer(self, method: str, path: str) -> None:
        """The request reaches the server and is processed; its answer is lost with the connection."""
        self._add(method, path, "drop_after_answer")

    def time_out_after_answer(self, method: str, path: str) -> None:
        """The request is processed, but its answer does not come back before the read timeout."""
        self._add(method, path, "time_out_after_answer")

    def refuse_connection(self, method: str, path: str) -> None:
        """The connection cannot be made; nothing is sent."""
        self._add(method, path, "refuse")

    def answer_instead(self, method: str, path: str, status: int, body: dict[str, Any], **headers: str) -> None:
        """A gateway answers ``status`` before the request reaches the API."""
        self._add(method, path, "answer_instead", status=status, body=body, headers=headers)

    def answer_after(self, method: str, path: str, status: int, body: dict[str, Any], **headers: str) -> None:
        """The API processes the request, then a gateway replaces its answer with ``status``."""
        self._add(method, path, "answer_after", status=status, body=body, headers=headers)

    def cut_body(self, method: str, path: str, after_bytes: int) -> None:
        """The connection breaks after ``after_bytes`` of the request's body were sent."""
        self._add(method, path, "cut_body", after=after_bytes)

    def cut_upload_to(self, origin: str, after_bytes: int) -> None:
        """The connection to the storage at ``origin`` breaks after ``after_bytes`` of a POST's body."""
        port = httpx.URL(origin).port
        self.rules.append(Rule(lambda r: r.method == "POST" and r.url.port == port, "cut_body", {"after": after_bytes}))

    def cut_download_from(self, origin: str, after_bytes: int) -> None:
        """The connection to ``origin`` breaks after ``after_bytes`` of a GET's answer arrived."""
        port = httpx.URL(origin).port
        self.rules.append(
            Rule(lambda r: r.method == "GET" and r.url.port == port, "cut_answer", {"after": after_bytes})
        )

    def _add(self, method: str, path: str, fault: str, **options: Any) -> None:
        def matches(request: httpx.Request) -> bool:
            return request.method == method and request.url.path.endswith(path)

        self.rules.append(Rule(matches, fault, options))

    # -- transport -----------------------------------------------------------------------------

    def requests(self, method: str | None = None, path: str | None = None) -> list[Seen]:
        return [
            s for s in self.seen if (method is None or s.method == method) and (path is None or s.path.endswith(path))
        ]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        rule = next((r for r in self.rules if not r.fired and r.matches(request)), None)
        if rule is not None:
            rule.fired = True
        seen = Seen(request.method, str(request.url), "?", idempotency_key=request.headers.get("Idempotency-Key"))
        self.seen.append(seen)
        fault = rule.fault if rule else None
        if fault == "refuse":
            seen.status = "refused"
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if fault == "answer_instead":
            assert rule is not None
            seen.status = rule.options["status"]
            return httpx.Response(
                rule.options["status"], json=rule.options["body"], headers=rule.options["headers"], request=request
            )
        if fault == "cut_body":
            assert rule is not None
            request.stream = _BreakingStream(request.stream, rule.options["after"])
            try:
                self.inner.handle_request(request)
            except _Cut:
                seen.status = "cut"
                raise httpx.WriteError("Connection reset by peer while sending the body", request=request) from None
            raise AssertionError("the body was not cut")
        response = self.inner.handle_request(request)
        seen.status = response.status_code
        seen.replayed = response.headers.get("Idempotent-Replayed") == "true"
        if fault == "drop_after_answer":
            response.read()
            response.close()
            seen.status = f"dropped {response.status_code}"
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        if fault == "time_out_after_answer":
            response.read()
            response.close()
            seen.status = f"timed out {response.status_code}"
            raise httpx.ReadTimeout("The read operation timed out", request=request)
        if fault == "cut_answer":
            assert rule is not None and isinstance(response.stream, httpx.SyncByteStream)
            seen.status = f"cut {response.status_code}"
            broken = _BreakingAnswer(response.stream, rule.options["after"], request)
            return httpx.Response(response.status_code, headers=response.headers, stream=broken, request=request)
        if fault == "answer_after":
            assert rule is not None
            response.read()
            response.close()
            seen.status = f"replaced {response.status_code}"
            return httpx.Response(
                rule.options["status"], json=rule.options["body"], headers=rule.options["headers"], request=request
            )
        return response

    def close(self) -> None:
        self.inner.close()
