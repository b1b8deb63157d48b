"""The local stack's storage port answers only what S3, DynamoDB and SQS would answer.

WSGI middleware in front of moto (which accepts anything: an unsigned PutItem would mint
an API key, an anonymous ListObjectsV2 list every tenant's files). Served:

- requests signed with the stack's own credentials (``ops.sigv4``): SigV4 headers and
  presigned URLs, the signature recomputed; S3 bodies are hashed as they stream and a
  body that is not the one signed is refused after moto read it, before it acted.
- POST forms to the bucket whose policy signature checks out and whose conditions the
  form meets (``ops.post_policy``, ``ops.post_form``); a refused form stores nothing.
- anonymous GET/HEAD of the public prefixes (those the bucket policy grants, so a
  prefix added there is public here too), without query string or body;
- anonymous ``GET /moto-api/config`` (read-only: how ``manage.py`` tells a stack is up).
  The rest of moto's management API (reset, seed, data dumps, recordings) must be signed.
- CORS preflights, answered from the bucket's CORS rules (``ops.storage_cors``).

Everything else is refused in the service's own error shape (``ops.storage_errors``).
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from botocore.credentials import Credentials

from ops import post_form, sigv4, storage_cors
from ops.post_policy import SizeRange, check_form
from ops.storage_errors import Reason, Refusal, render, unsigned

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
#: The largest body a DynamoDB/SQS call may carry (DynamoDB's own request limit is 16 MB).
MAX_SIGNED_BODY = 32 * 1024 * 1024
_UNSIGNED_PAYLOADS = {"UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}


def public_prefixes(policy: dict[str, Any], bucket: str) -> tuple[str, ...]:
    """The key prefixes anyone may GET, read from a bucket policy's ``Principal: *`` grants."""
    prefixes = []
    for statement in policy.get("Statement", []):
        actions = statement.get("Action")
        actions = [actions] if isinstance(actions, str) else actions or []
        if statement.get("Effect") != "Allow" or statement.get("Principal") != "*" or "s3:GetObject" not in actions:
            continue
        resources = statement.get("Resource")
        for resource in [resources] if isinstance(resources, str) else resources or []:
            head, _, pattern = str(resource).partition(f":::{bucket}/")
            if head.startswith("arn:") and pattern.endswith("*") and "*" not in pattern[:-1]:
                prefixes.append(pattern[:-1])
    return tuple(prefixes)


@dataclass(frozen=True)
class StorageAccess:
    """Who may use the storage port: the stack's credentials, its bucket and what of it is public."""

    access_key: str
    secret_key: str
    bucket: str
    public_prefixes: tuple[str, ...]


def _service(environ: dict[str, Any], auth: sigv4.Authorization | None) -> str:
    if auth is not None:
        return auth.service
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target.startswith("DynamoDB"):
        return "dynamodb"
    if target.startswith("AmazonSQS"):
        return "sqs"
    return "s3"


def _local_host(environ: dict[str, Any]) -> bool:
    """A Host moto will not take for another service's endpoint (it dispatches on the Host)."""
    host = environ.get("HTTP_HOST", "")
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if name == "localhost":
        return True
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def _no_body(environ: dict[str, Any]) -> bool:
    return environ.get("CONTENT_LENGTH", "") in ("", "0") and not environ.get("HTTP_TRANSFER_ENCODING")


class _SignedPayload:
    """wsgi.input that hashes the body as moto reads it; ``mismatch`` once it is not the signed one."""

    def __init__(self, stream: Any, expected: str, length: int | None) -> None:
        self._stream = stream
        self._expected = expected
        self._remaining = length
        self._digest = hashlib.sha256()
        self.mismatch = False

    def read(self, size: int = -1) -> bytes:
        if self._remaining is not None:
            size = self._remaining if size is None or size < 0 else min(size, self._remaining)
        data = self._stream.read(size) if size != 0 else b""
        self._digest.update(data)
        if self._remaining is not None:
            self._remaining -= len(data)
        if (self._remaining == 0 or not data) and self._digest.hexdigest() != self._expected:
            self.mismatch = True
            # Raised before moto has the whole body, hence before it acts on it.
            raise self.refusal()
        return data

    @staticmethod
    def refusal() -> Refusal:
        return Refusal(
            Reason.PAYLOAD_MISMATCH, "The provided 'x-amz-content-sha256' header does not match what was computed."
        )

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


class StorageGuard:
    """The WSGI app of the storage port: ``app`` (moto) behind the rules of the module docstring."""

    def __init__(self, app: WSGIApp, access: StorageAccess, clock: Callable[[], datetime] | None = None) -> None:
        self._app = app
        self.access = access
        self._credentials = Credentials(access.access_key, access.secret_key)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._cors_rules: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def set_cors_rules(self, rules: list[dict[str, Any]]) -> None:
        """The bucket's CORS rules (the same the stack puts on the bucket)."""
        with self._lock:
            self._cors_rules = [dict(rule) for rule in rules]

    def _rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return self._cors_rules

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        auth: sigv4.Authorization | None = None
        try:
            auth = sigv4.read_authorization(environ)
            return self._serve(environ, start_response, auth)
        except Refusal as refusal:
            return self._refuse(environ, start_response, refusal, _service(environ, auth))

    def _serve(
        self, environ: dict[str, Any], start_response: StartResponse, auth: sigv4.Authorization | None
    ) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        if auth is None:
            if method == "OPTIONS" and self._in_bucket(path):
                headers = storage_cors.preflight(self._rules(), environ)
                start_response("200 OK", [*headers, ("Content-Length", "0")])
                return [b""]
            if self._public_read(environ):
                # moto checks a HEAD against s3:HeadObject, which the policy does not grant (nor need
                # to: S3 authorises HEAD with s3:GetObject); the read is decided here, so moto gets it
                # as the stack's own request (it looks for the header, never at its signature).
                environ["HTTP_AUTHORIZATION"] = self._internal_authorization()
                return self._forward(environ, start_response)
            if self._stack_probe(environ):
                return self._forward(environ, start_response)
            if method == "POST" and path.rstrip("/") == f"/{self.access.bucket}" and not environ.get("QUERY_STRING"):
                return self._post_form(environ, start_response)
            raise unsigned()
        body = b""
        if auth.service != "s3":  # the other services sign the body itself (S3 signs a header with its hash)
            body = self._read_body(environ)
        sigv4.verify(auth, environ, self._credentials, self._clock(), body)
        sent_hash = environ.get("HTTP_X_AMZ_CONTENT_SHA256", "")
        if auth.service == "s3" and not auth.in_query and sent_hash not in _UNSIGNED_PAYLOADS:
            if sent_hash.startswith("STREAMING-"):
                # Signed chunks would need their own chain of signatures checked; no client here sends them.
                raise Refusal(Reason.NOT_IMPLEMENTED, "Signed aws-chunked payloads are not supported here.")
            # No Content-Length: no body, unless it comes chunked (werkzeug's input then ends by itself).
            length = environ.get("CONTENT_LENGTH", "")
            chunked = bool(environ.get("HTTP_TRANSFER_ENCODING"))
            size = None if chunked else int(length) if length.isdigit() else 0
            payload = _SignedPayload(environ["wsgi.input"], sent_hash, size)
            environ["wsgi.input"] = payload
            # It ends where the body ends: werkzeug may then read it in one piece, where it
            # otherwise collects 64 KB reads in a bytearray and copies that (43 MB twice).
            environ["wsgi.input_terminated"] = True
            return self._forward(environ, start_response, payload)
        return self._forward(environ, start_response)

    def _internal_authorization(self) -> str:
        day = self._clock().strftime("%Y%m%d")
        credential = f"{self.access.access_key}/{day}/us-east-1/s3/aws4_request"
        return f"{sigv4.ALGORITHM} Credential={credential}, SignedHeaders=host, Signature=public-read"

    def _in_bucket(self, path: str) -> bool:
        return path == f"/{self.access.bucket}" or path.startswith(f"/{self.access.bucket}/")

    def _public_read(self, environ: dict[str, Any]) -> bool:
        """An anonymous GET/HEAD of a public key: nothing else in the request, nothing moto could read otherwise."""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("QUERY_STRING"):
            return False
        if environ.get("HTTP_X_AMZ_TARGET") or not _no_body(environ) or not _local_host(environ):
            return False
        head = f"/{self.access.bucket}/"
        path = environ.get("PATH_INFO", "")
        if not path.startswith(head):
            return False
        key = path[len(head) :]
        if any(segment in ("", ".", "..") for segment in key.split("/")) or "\\" in key:
            return False
        return key.startswith(self.access.public_prefixes) if self.access.public_prefixes else False

    @staticmethod
    def _stack_probe(environ: dict[str, Any]) -> bool:
        return (
            environ.get("REQUEST_METHOD") == "GET"
            and environ.get("PATH_INFO") == "/moto-api/config"
            and not environ.get("QUERY_STRING")
            and _no_body(environ)
        )

    def _read_body(self, environ: dict[str, Any]) -> bytes:
        length = environ.get("CONTENT_LENGTH", "")
        if not length.isdigit():
            if environ.get("HTTP_TRANSFER_ENCODING"):
                raise Refusal(Reason.LENGTH_REQUIRED, "You must provide the Content-Length HTTP header.")
            return b""
        if int(length) > MAX_SIGNED_BODY:
            raise Refusal(Reason.MALFORMED, "The request body is too large to check its signature.")
        body = environ["wsgi.input"].read(int(length)) if int(length) else b""
        environ["wsgi.input"] = io.BytesIO(body)
        return bytes(body)

    def _post_form(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        now = self._clock()

        def check(fields: dict[str, str]) -> SizeRange:
            return check_form(fields, self.access.bucket, self._credentials, now)

        form = post_form.read_form(environ, check)
        environ["wsgi.input"] = form.body
        environ["wsgi.input_terminated"] = True  # the rewritten form ends with the file
        environ["CONTENT_LENGTH"] = str(form.length)
        environ["CONTENT_TYPE"] = form.content_type
        try:
            return self._forward(environ, start_response)
        finally:
            form.body.close()

    def _forward(
        self, environ: dict[str, Any], start_response: StartResponse, payload: _SignedPayload | None = None
    ) -> Iterable[bytes]:
        """moto's answer, its CORS headers replaced by the bucket rules' (moto reflects any origin)."""
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], Any]:
            captured[:] = [status, headers, exc_info]
            return lambda data: None  # moto's apps return their body; none writes through this

        result = self._app(environ, capture)
        if payload is not None and payload.mismatch:
            # moto stopped at the failed read (its answer is an error of its own): ours replaces it.
            close = getattr(result, "close", None)
            if close is not None:
                close()
            raise payload.refusal()
        status, headers, exc_info = captured
        kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
        if self._in_bucket(environ.get("PATH_INFO", "")):
            kept += storage_cors.response_headers(self._rules(), environ.get("HTTP_ORIGIN"), environ["REQUEST_METHOD"])
        start_response(status, kept, exc_info)
        return result

    def _refuse(
        self, environ: dict[str, Any], start_response: StartResponse, refusal: Refusal, service: str
    ) -> Iterable[bytes]:
        status, headers, body = render(refusal, service)
        method = environ.get("REQUEST_METHOD", "GET")
        if service == "s3" and self._in_bucket(environ.get("PATH_INFO", "")) and method != "OPTIONS":
            headers += storage_cors.response_headers(self._rules(), environ.get("HTTP_ORIGIN"), method)
        if method == "HEAD":
            body = b""
        start_response(f"{status} {HTTPStatus(status).phrase}", [*headers, ("Content-Length", str(len(body)))])
        return [body]
