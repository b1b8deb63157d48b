"""Refusals of the local storage port, in the shape each AWS service answers them.

S3 answers in XML (``<Error><Code>..</Code><Message>..</Message></Error>``); DynamoDB and
SQS in their JSON protocol (``{"__type": "com.amazon.coral.service#...", "message": ...}``).
The same reason has a different code and status per service: an unsigned DynamoDB call
is a 400 ``MissingAuthenticationTokenException``, an unsigned S3 call a 403 ``AccessDenied``.
The codes and statuses are the ones AWS documents (S3's error responses, DynamoDB's
error handling page, the common errors of the query-protocol services such as SQS).
"""

from __future__ import annotations

import json
import secrets
from enum import Enum
from xml.sax.saxutils import escape

CORAL = "com.amazon.coral.service#"


class Reason(Enum):
    """Why a request is refused; each service names it its own way (see _CODES)."""

    UNSIGNED = "unsigned"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    MALFORMED = "malformed"
    SKEWED = "skewed"
    EXPIRED = "expired"
    DENIED = "denied"
    # S3 only (POST forms, payloads, CORS): the JSON services never meet them.
    POLICY_INVALID = "policy_invalid"
    FORM_INVALID = "form_invalid"
    FORM_MALFORMED = "form_malformed"
    FIELDS_TOO_LARGE = "fields_too_large"
    TOO_LARGE = "too_large"
    TOO_SMALL = "too_small"
    LENGTH_REQUIRED = "length_required"
    PAYLOAD_MISMATCH = "payload_mismatch"
    NOT_IMPLEMENTED = "not_implemented"
    CORS_BAD_REQUEST = "cors_bad_request"
    CORS_FORBIDDEN = "cors_forbidden"


#: reason -> {service: (status, code)}; "s3" is also the fallback for any other service.
_CODES: dict[Reason, dict[str, tuple[int, str]]] = {
    Reason.UNSIGNED: {
        "s3": (403, "AccessDenied"),
        "dynamodb": (400, "MissingAuthenticationTokenException"),
        "sqs": (403, "MissingAuthenticationToken"),
    },
    Reason.UNKNOWN_KEY: {
        "s3": (403, "InvalidAccessKeyId"),
        "dynamodb": (400, "UnrecognizedClientException"),
        "sqs": (403, "InvalidClientTokenId"),
    },
    Reason.BAD_SIGNATURE: {
        "s3": (403, "SignatureDoesNotMatch"),
        "dynamodb": (400, "InvalidSignatureException"),
        "sqs": (403, "SignatureDoesNotMatch"),
    },
    Reason.MALFORMED: {
        "s3": (400, "AuthorizationHeaderMalformed"),
        "dynamodb": (400, "IncompleteSignatureException"),
        "sqs": (400, "IncompleteSignature"),
    },
    Reason.SKEWED: {
        "s3": (403, "RequestTimeTooSkewed"),
        "dynamodb": (400, "InvalidSignatureException"),
        "sqs": (400, "RequestExpired"),
    },
    Reason.EXPIRED: {
        "s3": (403, "AccessDenied"),
        "dynamodb": (400, "InvalidSignatureException"),
        "sqs": (400, "RequestExpired"),
    },
    Reason.DENIED: {
        "s3": (403, "AccessDenied"),
        "dynamodb": (400, "AccessDeniedException"),
        "sqs": (403, "AccessDenied"),
    },
    Reason.POLICY_INVALID: {"s3": (400, "InvalidPolicyDocument")},
    Reason.FORM_INVALID: {"s3": (400, "InvalidArgument")},
    Reason.FORM_MALFORMED: {"s3": (400, "MalformedPOSTRequest")},
    Reason.FIELDS_TOO_LARGE: {"s3": (400, "MaxPostPreDataLengthExceeded")},
    Reason.TOO_LARGE: {"s3": (400, "EntityTooLarge")},
    Reason.TOO_SMALL: {"s3": (400, "EntityTooSmall")},
    Reason.LENGTH_REQUIRED: {"s3": (411, "MissingContentLength")},
    Reason.PAYLOAD_MISMATCH: {"s3": (400, "XAmzContentSHA256Mismatch")},
    Reason.NOT_IMPLEMENTED: {"s3": (501, "NotImplemented")},
    Reason.CORS_BAD_REQUEST: {"s3": (400, "BadRequest")},
    Reason.CORS_FORBIDDEN: {"s3": (403, "AccessForbidden")},
}


#: What the JSON services say instead of S3's message.
_JSON_MESSAGES = {
    Reason.UNSIGNED: "Request is missing Authentication Token",
    Reason.UNKNOWN_KEY: "The security token included in the request is invalid.",
}


class Refusal(Exception):
    """A request the storage port will not serve; ``details`` become extra XML elements (S3)."""

    def __init__(self, reason: Reason, message: str, **details: str | int) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.details = details


def unsigned() -> Refusal:
    return Refusal(Reason.UNSIGNED, "Access Denied")


def status_and_code(reason: Reason, service: str) -> tuple[int, str]:
    by_service = _CODES[reason]
    return by_service.get(service) or by_service["s3"]


def render(refusal: Refusal, service: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of the refusal as ``service`` ("s3", "dynamodb", "sqs") sends it."""
    status, code = status_and_code(refusal.reason, service)
    request_id = secrets.token_hex(8).upper()
    if service in ("dynamodb", "sqs") and refusal.reason in _JSON_REASONS:
        message = _JSON_MESSAGES.get(refusal.reason, refusal.message)
        body = json.dumps({"__type": f"{CORAL}{code}", "message": message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-RequestId", request_id)]
        if service == "sqs":  # botocore reads the query-protocol code of SQS's JSON answers from here
            headers.append(("x-amzn-query-error", f"{code};Sender"))
        return status, headers, body
    elements = [("Code", code), ("Message", refusal.message), *refusal.details.items(), ("RequestId", request_id)]
    xml = "".join(f"<{name}>{escape(str(value))}</{name}>" for name, value in elements)
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{xml}</Error>'.encode()
    return status, [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)], body


_JSON_REASONS = frozenset(reason for reason, codes in _CODES.items() if "dynamodb" in codes)
