"""A browser POST form's policy, checked as S3 checks it, before a byte is stored.

The form's fields (names compared without case) must carry a policy, its signature and
the credential it was signed with. The policy (base64 JSON) must not have expired, and
its conditions decide the rest:

- ``{"field": "value"}`` and ``["eq", "$field", "value"]``: the field equals the value
  (``bucket`` is the bucket the form is posted to);
- ``["starts-with", "$field", "prefix"]``: the field starts with it ("" takes any value);
- ``["content-length-range", min, max]``: the file's real size, counted while it streams.

Every field of the form must be named by a condition, except ``policy``,
``x-amz-signature``, ``file`` and ``x-ignore-*`` ("Extra input fields" otherwise).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.credentials import Credentials

from ops.sigv4 import ALGORITHM, check_post_signature
from ops.storage_errors import Reason, Refusal, unsigned

#: S3's largest single object (5 GB): the range when a policy names none.
LARGEST_OBJECT = 5 * 1024**3
_EXEMPT = frozenset({"policy", "x-amz-signature", "file"})
_SIGNED = ("policy", "x-amz-signature", "x-amz-credential", "x-amz-algorithm", "x-amz-date")


@dataclass(frozen=True)
class SizeRange:
    low: int
    high: int


def _decode(policy: str) -> dict[str, Any]:
    try:
        document = json.loads(base64.b64decode(policy, validate=True))
    except (binascii.Error, ValueError):
        raise Refusal(Reason.POLICY_INVALID, "Invalid Policy: Invalid JSON.") from None
    if not isinstance(document, dict) or not isinstance(document.get("conditions"), list):
        raise Refusal(Reason.POLICY_INVALID, "Invalid Policy: Policy missing conditions.")
    return document


def _expiration(document: dict[str, Any]) -> datetime:
    raw = document.get("expiration")
    if not isinstance(raw, str):
        raise Refusal(Reason.POLICY_INVALID, "Invalid Policy: Policy missing expiration.")
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise Refusal(Reason.POLICY_INVALID, f"Invalid Policy: Invalid 'expiration' value: '{raw}'") from None
    if when.tzinfo is None:
        raise Refusal(Reason.POLICY_INVALID, f"Invalid Policy: Invalid 'expiration' value: '{raw}'")
    return when


def _failed(condition: Any) -> Refusal:
    return Refusal(Reason.DENIED, f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}")


def _invalid(condition: Any) -> Refusal:
    return Refusal(Reason.POLICY_INVALID, f"Invalid Policy: Invalid Condition: {json.dumps(condition)}")


def _check_condition(condition: Any, fields: dict[str, str], bucket: str, covered: set[str]) -> SizeRange | None:
    """Refusal when the form breaks ``condition``; the size range when it is one."""
    if isinstance(condition, dict) and len(condition) == 1:
        ((name, value),) = condition.items()
        name, op, field = name.lower(), "eq", name.lower()
    elif isinstance(condition, list) and len(condition) == 3 and isinstance(condition[0], str):
        op = condition[0].lower()
        if op == "content-length-range":
            low, high = condition[1], condition[2]
            if not (isinstance(low, int) and isinstance(high, int) and 0 <= low <= high):
                raise _invalid(condition)
            return SizeRange(low, high)
        if op not in ("eq", "starts-with") or not isinstance(condition[1], str) or not condition[1].startswith("$"):
            raise _invalid(condition)
        field, value = condition[1][1:].lower(), condition[2]
    else:
        raise _invalid(condition)
    if not isinstance(value, str):
        raise _invalid(condition)
    actual = bucket if field == "bucket" else fields.get(field, "")
    covered.add(field)
    if op == "eq" and actual != value or op == "starts-with" and not actual.startswith(value):
        raise _failed(condition)
    return None


def check_form(fields: dict[str, str], bucket: str, credentials: Credentials, now: datetime) -> SizeRange:
    """The size range the file may have, once every other rule of the form holds (else Refusal).

    ``fields``: the form's text fields before the file, names lower-cased, first value kept.
    """
    if "signature" in fields and "awsaccesskeyid" in fields:
        raise Refusal(Reason.FORM_INVALID, f"Only {ALGORITHM} (signature version 4) forms are accepted here.")
    if not fields.get("x-amz-signature"):
        raise unsigned()  # an anonymous form: the bucket grants nobody s3:PutObject
    missing = [name for name in _SIGNED if not fields.get(name)]
    if missing:
        raise Refusal(Reason.FORM_INVALID, f"Bucket POST must contain a field named '{missing[0]}'.")
    if fields["x-amz-algorithm"] != ALGORITHM:
        raise Refusal(Reason.FORM_INVALID, f"Only {ALGORITHM} is supported as x-amz-algorithm.")
    if "key" not in fields:
        raise Refusal(Reason.FORM_INVALID, "Bucket POST must contain a field named 'key'.")
    check_post_signature(
        credentials, fields["x-amz-credential"], fields["x-amz-date"], fields["policy"], fields["x-amz-signature"]
    )
    document = _decode(fields["policy"])
    if _expiration(document) < now:
        raise Refusal(Reason.DENIED, "Invalid according to Policy: Policy expired.")
    covered: set[str] = set()
    size = SizeRange(0, LARGEST_OBJECT)
    for condition in document["conditions"]:
        size = _check_condition(condition, fields, bucket, covered) or size
    extra = sorted(n for n in fields if n not in covered and n not in _EXEMPT and not n.startswith("x-ignore-"))
    if extra:
        raise Refusal(Reason.DENIED, f"Invalid according to Policy: Extra input fields: {', '.join(extra)}")
    return size


def check_size(size: int, allowed: SizeRange) -> None:
    """The file's real size against the policy's content-length-range."""
    if size > allowed.high:
        raise too_large(size, allowed)
    if size < allowed.low:
        raise Refusal(
            Reason.TOO_SMALL, "Your proposed upload is smaller than the minimum allowed size",
            ProposedSize=size, MinSizeAllowed=allowed.low,
        )  # fmt: skip


def too_large(size: int, allowed: SizeRange) -> Refusal:
    return Refusal(
        Reason.TOO_LARGE, "Your proposed upload exceeds the maximum allowed size",
        ProposedSize=size, MaxSizeAllowed=allowed.high,
    )  # fmt: skip
