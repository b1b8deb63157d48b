"""Idempotent retries of POST requests, with Stripe's semantics.

The first attempt with an ``Idempotency-Key`` claims the key (a conditional
put) and runs; its answer, if final, is kept 24 h and replayed to every
retry of the same request. A retry with another request under the same key
is refused (422), one that arrives while the first still runs gets 409.

Final means the same request would get the same answer later: any 2xx, and
a 4xx about the request itself (422, 404, 410, 403...). An answer that invites
the client to try again is never kept, or the retry it asks for would get the
same refusal back for 24 hours: a 5xx, a 408 or 429, any answer that carries
``Retry-After``, and the 4xx whose code names a state that passes on its own
(``RETRY_CODES``: the session's bytes have not arrived yet, another attempt
still holds the key, the stored bytes changed while they were read). Then the
key is given back, and the retry runs the request again.

What "the same request" is: the method, the route with its path parameters,
and the body's fingerprint: a JSON body by its canonical form (key order and
spacing do not matter), a multipart body by its file's SHA-256, its file name
and its other fields (HTTP clients draw a new boundary for every attempt).

Why not AWS Lambda Powertools' idempotency utility: importing it costs about
150 ms and boto3 (the API's whole import budget, bench ``import_ratio``); it
keeps a function's return value and deletes its record on an exception, so
the 4xx answers Stripe keeps would need translating both ways; and its
DynamoDB layer has its own client, outside the records package that
translates errors and the hooks that count and fault-inject every call.
What is needed here is one conditional put, one update and one delete.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from chalicelib import records
from chalicelib.errors import IdempotencyInProgress, IdempotencyKeyReused, InvalidInput, MediaError

KEEP = timedelta(hours=24)
#: An attempt still "in progress" after this long died (the API times out at 29 s):
#: a retry may run the request again.
LOCK = timedelta(seconds=60)
KEY_MAX = 255
HEADER = "Idempotency-Key"
#: 4xx codes that say "not yet": the answer will change without the request changing.
RETRY_CODES = frozenset({"upload_not_received", "idempotency_in_progress", "object_changed"})
#: Statuses that ask for a later retry whatever their body says (Request Timeout, Too Many Requests).
RETRY_STATUSES = frozenset({408, 429})


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, the body's JSON text, the headers it set (all of them;
    :func:`kept_headers` picks those worth replaying)."""

    status: int
    body: str
    headers: dict[str, str]


def parse_key(raw: str) -> str:
    """The header's value: 1..255 printable ASCII characters, else 422."""
    if not 1 <= len(raw) <= KEY_MAX or not all(" " <= c <= "~" for c in raw):
        raise InvalidInput({HEADER: [f"The {HEADER} header must be 1 to {KEY_MAX} printable ASCII characters."]})
    return raw


def fingerprint(method: str, route: str, params: dict[str, str], content_type: str, body: bytes) -> str:
    """What makes two requests "the same" (see the module docstring)."""
    digest = hashlib.sha256()
    for part in (method.upper(), route, json.dumps(params, sort_keys=True), _body_digest(content_type, body)):
        digest.update(part.encode() + b"\x00")
    return digest.hexdigest()


def _body_digest(content_type: str, body: bytes) -> str:
    mime = content_type.split(";", 1)[0].strip().lower()
    try:
        if mime == "application/json":
            return "json:" + json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
        if mime == "multipart/form-data":
            from chalicelib.multipart import digest_form

            form = digest_form(body, content_type)  # hashes the file in place: no copy of a 50 MB body
            files = {name: list(file) for name, file in form.files.items()}
            return "form:" + json.dumps({"fields": form.fields, "files": files}, sort_keys=True)
    except (ValueError, RecursionError, MediaError):
        pass  # not parseable: the request fails the same way every time; its bytes decide
    return "raw:" + hashlib.sha256(body).hexdigest()


def begin(account_id: str, key: str, print_: str) -> Answer | None:
    """Claim ``key`` for this request: None to run it, or the kept answer to replay.

    Raises IdempotencyKeyReused (another request holds the key) or
    IdempotencyInProgress (the first attempt still runs).
    """
    held = records.store().claim_key(account_id, key, print_, LOCK, KEEP)
    if held is None:
        return None
    if held.fingerprint != print_:
        raise IdempotencyKeyReused()
    if held.status is None:
        raise IdempotencyInProgress()
    return Answer(held.status, held.body, dict(held.headers or {}))


def is_final(answer: Answer) -> bool:
    """Whether the same request would get this answer again (see the module docstring)."""
    if answer.status >= 500 or answer.status in RETRY_STATUSES:
        return False
    if any(name.lower() == "retry-after" for name in answer.headers):
        return False
    if answer.status < 400:
        return True
    try:
        body = json.loads(answer.body)
    except ValueError:
        return True
    return not (isinstance(body, dict) and body.get("code") in RETRY_CODES)


def finish(account_id: str, key: str, print_: str, answer: Answer) -> None:
    """Keep a final answer for the retries; give the key back after any other."""
    if not is_final(answer):
        release(account_id, key, print_)
    else:
        headers = kept_headers(answer.headers)
        records.store().keep_answer(account_id, key, print_, answer.status, answer.body, headers)


def release(account_id: str, key: str, print_: str) -> None:
    records.store().release_key(account_id, key, print_)


def kept_headers(headers: dict[str, Any]) -> dict[str, str]:
    """The headers of an answer worth replaying (the rest are per response)."""
    return {k: str(v) for k, v in headers.items() if k.lower() in ("location", "etag")}
