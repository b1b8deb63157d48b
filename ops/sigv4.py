"""Is a request to the local storage port signed with the stack's own credentials?

The signature is RECOMPUTED with botocore's own signers (the code that signed it on
the client side) over a request rebuilt from the WSGI environ, then compared in
constant time. Three ways to sign, as AWS has them:

- an ``Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``
  header (every SDK call). S3 signs the payload's hash as the ``x-amz-content-sha256``
  header (or ``UNSIGNED-PAYLOAD``); the other services sign the body itself.
- a presigned URL: the same fields in the query string (``X-Amz-Signature`` ...),
  valid ``X-Amz-Expires`` seconds after ``X-Amz-Date``, payload unsigned.
- a browser POST form: ``x-amz-signature`` over the base64 policy, with the signing key
  of the credential's date, region and service (``post_signature``).

S3 paths are signed as sent (no normalisation); the query string is canonicalised from
its decoded pairs, so a client that encodes ``/`` or ``~`` differently still matches.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote

from botocore.auth import S3SigV4Auth, S3SigV4PostAuth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from ops.storage_errors import Reason, Refusal

ALGORITHM = "AWS4-HMAC-SHA256"
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
#: How far a signed request's clock may be from ours (S3: RequestTimeTooSkewed beyond).
MAX_SKEW = timedelta(minutes=15)
#: The longest a presigned URL may live (SigV4: seven days).
MAX_EXPIRES = 7 * 24 * 3600
_BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. Check your key and signing method."
)
_UNKNOWN_KEY = "The AWS Access Key Id you provided does not exist in our records."


@dataclass(frozen=True)
class Authorization:
    """What a request claims about its signature, read from its header or query string."""

    access_key: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    timestamp: str
    expires: int | None = None  # presigned URLs only

    @property
    def in_query(self) -> bool:
        return self.expires is not None


def query_pairs(query: str) -> list[tuple[str, str]]:
    """The decoded (name, value) pairs of a raw query string, in order ('+' stays '+', as AWS reads it)."""
    pairs = []
    for item in query.split("&"):
        if item:
            name, _, value = item.partition("=")
            pairs.append((unquote(name), unquote(value)))
    return pairs


def _scope(credential: str, header: bool) -> tuple[str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        where = "header" if header else "query-string"
        raise Refusal(Reason.MALFORMED, f"The authorization {where} is malformed; the Credential is mal-formed.")
    return parts[0], parts[1], parts[2], parts[3]


def read_authorization(environ: dict[str, Any]) -> Authorization | None:
    """The request's claimed signature (None when it carries none); Refusal when malformed."""
    header = environ.get("HTTP_AUTHORIZATION", "")
    query = dict(query_pairs(environ.get("QUERY_STRING", "")))
    in_query = "X-Amz-Signature" in query or "X-Amz-Credential" in query
    if header and in_query:
        raise Refusal(Reason.MALFORMED, "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter.")
    if header:
        algorithm, _, rest = header.strip().partition(" ")
        if algorithm != ALGORITHM:
            raise Refusal(Reason.MALFORMED, f"The authorization mechanism you provided is not supported: {ALGORITHM}.")
        fields = dict(part.strip().partition("=")[::2] for part in rest.split(","))
        if not all(fields.get(name) for name in ("Credential", "SignedHeaders", "Signature")):
            raise Refusal(Reason.MALFORMED, "The authorization header is malformed.")
        access_key, _, region, service = _scope(fields["Credential"], header=True)
        timestamp = environ.get("HTTP_X_AMZ_DATE", "")
        if not timestamp:
            raise Refusal(Reason.DENIED, "AWS authentication requires a valid Date or x-amz-date header")
        return Authorization(
            access_key, region, service, tuple(fields["SignedHeaders"].split(";")), fields["Signature"], timestamp
        )
    if not in_query:
        return None
    needed = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders")
    if any(not query.get(name) for name in (*needed, "X-Amz-Signature")) or query["X-Amz-Algorithm"] != ALGORITHM:
        raise Refusal(Reason.MALFORMED, "Query-string authentication version 4 requires the " + ", ".join(needed))
    access_key, _, region, service = _scope(query["X-Amz-Credential"], header=False)
    expires = query["X-Amz-Expires"]
    if not expires.isdigit() or not 1 <= int(expires) <= MAX_EXPIRES:
        raise Refusal(Reason.MALFORMED, f"X-Amz-Expires must be a number of seconds from 1 to {MAX_EXPIRES}.")
    return Authorization(
        access_key,
        region,
        service,
        tuple(query["X-Amz-SignedHeaders"].split(";")),
        query["X-Amz-Signature"],
        query["X-Amz-Date"],
        int(expires),
    )


def _signed_at(timestamp: str) -> datetime:
    try:
        return datetime.strptime(timestamp, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise Refusal(Reason.DENIED, "AWS authentication requires a valid Date or x-amz-date header") from None


class _ExactHeaders:
    """Sign exactly the headers the client listed: botocore's own choice leaves out a few
    (User-Agent, Expect...) that another client may have signed."""

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        signed = HTTPHeaders()
        for name, value in request.headers.items():
            signed[name.lower()] = value
        return signed


class _HeaderSigner(_ExactHeaders, SigV4Auth):
    pass


class _S3HeaderSigner(_ExactHeaders, S3SigV4Auth):
    pass


class _QuerySigner(_ExactHeaders, SigV4QueryAuth):
    pass


class _S3QuerySigner(_ExactHeaders, S3SigV4QueryAuth):
    pass


def _header_value(environ: dict[str, Any], name: str) -> str | None:
    key = name.upper().replace("-", "_")
    if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        return environ.get(key) or None
    return environ.get(f"HTTP_{key}")


def _raw_path(environ: dict[str, Any]) -> str:
    """The path as the client sent it (S3 signs it percent-encoded, as sent)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return str(raw).split("?", 1)[0]
    return quote(environ.get("PATH_INFO", "/"), safe="/~")


def verify(
    auth: Authorization, environ: dict[str, Any], credentials: Credentials, now: datetime, body: bytes = b""
) -> None:
    """Refusal unless ``auth`` is the stack's key and its signature is the one we compute.

    ``body``: the payload, for the services that sign it (all but S3, whose header carries its hash).
    """
    if auth.access_key != credentials.access_key:
        raise Refusal(Reason.UNKNOWN_KEY, _UNKNOWN_KEY, AWSAccessKeyId=auth.access_key)
    signed_at = _signed_at(auth.timestamp)
    if auth.expires is not None:
        if now > signed_at + timedelta(seconds=auth.expires):
            expired = signed_at + timedelta(seconds=auth.expires)
            raise Refusal(Reason.EXPIRED, "Request has expired", Expires=expired.strftime(TIMESTAMP_FORMAT))
        if signed_at > now + MAX_SKEW:
            raise Refusal(Reason.DENIED, "Request is not valid yet")
    elif abs(now - signed_at) > MAX_SKEW:
        raise Refusal(
            Reason.SKEWED, "The difference between the request time and the current time is too large.",
            RequestTime=auth.timestamp, ServerTime=now.strftime(TIMESTAMP_FORMAT),
        )  # fmt: skip
    s3 = auth.service == "s3"
    headers = {}
    for name in auth.signed_headers:
        value = _header_value(environ, name)
        if value is not None:
            headers[name] = value
    if s3 and not auth.in_query and "x-amz-content-sha256" not in headers:
        raise Refusal(Reason.MALFORMED, "Missing required header for this request: x-amz-content-sha256")
    pairs = [(k, v) for k, v in query_pairs(environ.get("QUERY_STRING", "")) if k != "X-Amz-Signature"]
    request = AWSRequest(
        method=environ.get("REQUEST_METHOD", "GET"),
        url=f"http://{environ.get('HTTP_HOST', '')}{_raw_path(environ)}",
        headers=headers,
        data=body,
        params=pairs,
    )
    request.context["timestamp"] = auth.timestamp
    if auth.in_query:
        signer: SigV4Auth = (_S3QuerySigner if s3 else _QuerySigner)(
            credentials, auth.service, auth.region, expires=auth.expires
        )
    else:
        signer = (_S3HeaderSigner if s3 else _HeaderSigner)(credentials, auth.service, auth.region)
    canonical = signer.canonical_request(request)
    # A client listing a header twice or in another order signs another header list.
    if signer.signed_headers(signer.headers_to_sign(request)) != ";".join(auth.signed_headers):
        raise Refusal(Reason.BAD_SIGNATURE, _BAD_SIGNATURE)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, auth.signature):
        raise Refusal(Reason.BAD_SIGNATURE, _BAD_SIGNATURE)


def post_signature(credentials: Credentials, credential: str, timestamp: str, policy: str) -> str:
    """The ``x-amz-signature`` a POST form's base64 ``policy`` must carry (S3SigV4PostAuth's
    signature with the signing key of the credential's region and service); Refusal when
    the credential is not the stack's."""
    access_key, _, region, service = _scope(credential, header=False)
    if access_key != credentials.access_key:
        raise Refusal(Reason.UNKNOWN_KEY, _UNKNOWN_KEY, AWSAccessKeyId=access_key)
    _signed_at(timestamp)
    request = AWSRequest(method="POST", url="http://storage/")
    request.context["timestamp"] = timestamp
    return str(S3SigV4PostAuth(credentials, service, region).signature(policy, request))


def check_post_signature(credentials: Credentials, credential: str, timestamp: str, policy: str, sent: str) -> None:
    if not hmac.compare_digest(post_signature(credentials, credential, timestamp, policy), sent):
        raise Refusal(Reason.BAD_SIGNATURE, _BAD_SIGNATURE)
