"""The HTTP side of the local server: chalice's request handler, made to answer
every request the way the deployed API does, in the contract's JSON.

On AWS, API Gateway stands between clients and the app: it refuses malformed
requests, oversized headers and bodies, and routes nobody registered. Locally
http.server and chalice's handler are all there is, and out of the box they
answer some requests with HTML pages (400, 431, 501, 505), drop the connection
on a ``Content-Length`` that is not a number, wait for any body a client
announces (10 GB from a client without a key holds a thread), and leave a
chunked body in the stream. This handler refuses all of that early, in JSON.

It also applies the request rate limits a WAF applies deployed (``ops.rate_limit``),
when the server has a limiter: a request over its limit gets 429 ``rate_limited`` with
``Retry-After`` and the CORS headers the app would send, before the app runs.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from chalice.local import ChaliceRequestHandler, ForbiddenError, ThreadedHTTPServer

from ops.rate_limit import RateLimiter, Refused

API = "/api/v1"
PUBLIC = {f"{API}/openapi.json"}
#: Short codes for the statuses http.server itself answers.
_CODES = {
    400: ("bad_request", "The request could not be understood."),
    408: ("request_timeout", "The request was not received in time."),
    411: ("length_required", "Send the body with a Content-Length (chunked bodies are not accepted)."),
    413: ("payload_too_large", "The request body is too large."),
    414: ("uri_too_long", "The request URI is too long."),
    431: ("headers_too_large", "The request headers are too large."),
    501: ("not_implemented", "This method is not supported."),
    505: ("http_version_not_supported", "Use HTTP/1.1."),
}
_DIGITS = re.compile(r"^[0-9]{1,20}$")


def max_body_bytes() -> int:
    """The largest body any route takes: a direct upload at its limit plus the form's envelope."""
    from chalicelib.config import get_settings
    from chalicelib.uploads import FORM_OVERHEAD

    return get_settings().direct_upload_max_bytes + FORM_OVERHEAD


class ApiRequestHandler(ChaliceRequestHandler):
    """chalice's handler; unmatched routes get our 404 JSON, malformed requests a JSON 4xx.

    The local gateway raises ForbiddenError "Missing Authentication Token" when
    no route matches (mirroring API Gateway); the app has no chalice
    authorizers, so a ForbiddenError here always means "no such route".
    """

    #: A client that stops sending mid-request is dropped after this many seconds.
    timeout = 30

    def setup(self) -> None:
        """chalice's event converter writes 127.0.0.1 as every request's
        ``requestContext.identity.sourceIp``; API Gateway writes the caller's address
        there, and so does this server (one handler per connection, one client)."""
        super().setup()
        self.local_gateway.event_converter.LOCAL_SOURCE_IP = self.client_address[0]

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """The app writes one event line per request (chalicelib.telemetry): no access line."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def __getattr__(self, name: str) -> Any:
        # http.server answers methods it has no do_* handler for with its own HTML 501
        # page. Here every method reaches the app, so the answer is the contract's JSON
        # (405 with the path's Allow, or 404).
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (bad request line, 431, 505...), in JSON."""
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":  # nobody speaks it: send a status line
            self.request_version = "HTTP/1.1"
        short, text = _CODES.get(code, ("bad_request", message or "The request could not be understood."))
        self._refuse(code, short, text)

    def _refuse(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        body = json.dumps({"message": message, "code": code}).encode()
        self.log_error("code %d, %s", status, code)
        self.close_connection = True  # whatever body was announced stays unread
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        if getattr(self, "command", None) != "HEAD":
            self.wfile.write(body)

    def _generic_handle(self) -> None:
        # http.server decodes the request line as Latin-1, one character per byte; a client
        # that sends UTF-8 as it is (curl "?search=CAFÉ") is read as if it had sent the
        # percent-encoded form: those bytes are percent-encoded before chalice parses them.
        raw: str = self.path  # type: ignore[has-type]  # chalice assigns it unannotated
        self.path = "".join(c if c < "\x80" else f"%{ord(c):02X}" for c in raw)
        limited = self._rate_limited()
        if limited is not None:
            from chalicelib import cors, edge

            own = {"Retry-After": str(limited.retry_after)}
            headers = edge.final_headers(own, cors.response_headers(self.headers.get("origin")))
            self._refuse(429, "rate_limited", limited.message, headers)
            return
        refusal = self._precheck()
        if refusal is not None:
            self._refuse(*refusal)
            return
        super()._generic_handle()

    def _rate_limited(self) -> Refused | None:
        """The WAF's answer, when the server has limits. Preflights are not counted: a
        browser sends them on its own, and a refused one reads as a CORS failure."""
        limiter: RateLimiter | None = getattr(self.server, "rate_limiter", None)
        if limiter is None or self.command == "OPTIONS":
            return None
        from chalicelib.auth import presented_key

        # A bearer token is a key too (remote agents send it so to /mcp), as WAF's per-bearer-key rule counts it.
        key = presented_key(self.headers.get("x-api-key"), self.headers.get("authorization"))
        return limiter.check(key, self.client_address[0])

    # chalice binds these to its own _generic_handle; every method goes through the checks.
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def _precheck(self) -> tuple[int, str, str] | None:
        """A refusal decided from the request line and headers alone, before any body is read."""
        if self.headers.get("transfer-encoding"):
            return (411, *_CODES[411])
        raw = self.headers.get("content-length")
        if raw is not None and not _DIGITS.match(raw.strip()):
            return 400, "bad_request", "The Content-Length header must be a number of bytes."
        length = int(raw) if raw is not None else 0
        path = self.path.split("?", 1)[0]
        needs_key = path.startswith(API) and path not in PUBLIC and self.command != "OPTIONS"
        if length and needs_key and not self.headers.get("x-api-key"):
            return 401, "unauthenticated", "Missing API key: send it in the X-Api-Key header."
        if length > max_body_bytes():
            return 413, "payload_too_large", "The request body is too large."
        return None

    def _send_error_response(self, error: Any) -> None:
        if isinstance(error, ForbiddenError):
            path = self.path.split("?", 1)[0]
            body = {"message": f"No route matches {self.command} {path}.", "code": "not_found"}
            headers = dict(error.headers)
            headers.pop("x-amzn-ErrorType", None)
            headers["Content-Type"] = "application/json"
            self._send_http_response(404, headers, json.dumps(body))
            return
        super()._send_error_response(error)


class ApiHTTPServer(ThreadedHTTPServer):
    """chalice's threaded server with a real listen backlog: socketserver's
    default of 5 resets connections when a client opens more at once."""

    request_queue_size = 128
    #: The request rate limits (None: none), shared by the handler threads.
    rate_limiter: RateLimiter | None = None
