"""Per-key request limits on AWS: a WAF web ACL on the API stage (OWASP API4).

One definition, used as it is by both deploy paths (the WAFv2 API and
CloudFormation take the same shape): the packaged template declares it with its
association (ops.template), ``post-deploy`` creates or updates it and associates
it with the stage on the `chalice deploy` path (ops.edge_setup).

WAF cannot tell a valid key from an invented one (it never sees the key
table), so the rules are the closest honest approximation of "per key, and per
IP without a valid key":

1. ``per-key``: requests whose ``X-Api-Key`` has the key format
   (``sk_live_``/``sk_test_`` + 43 characters) are counted per key value,
   ``MEDIA_RATE_LIMIT`` a minute. One key's traffic never limits another key.
2. ``per-bearer-key``: the same for ``Authorization: Bearer <key>`` (how remote
   agent platforms send the key to ``/mcp``), per header value: without it
   every account behind one platform's addresses would share rule 3's limit.
3. ``anonymous-per-ip``: requests with no key, or one that cannot be a key, are
   counted per client IP, ``MEDIA_RATE_LIMIT_ANONYMOUS`` a minute.
4. ``per-ip-ceiling``: every request, per client IP, ``deploy.rate_limit_per_ip``
   a minute (default ten keys' worth). Without it, a client inventing a new
   well-formed key for each request would escape both rules above (each
   invented key is a fresh counter, and its requests are not "anonymous"); the
   API answers those 401 after one key lookup, and this rule bounds how many.

A refused request gets 429 with our error body (``code: rate_limited``) and
``Retry-After`` (the window: WAF re-evaluates rates continuously and stops
blocking once the last minute's count is under the limit). WAF's windows are
60, 120, 300 or 600 s; we use 60 s so the settings mean what the local
limiter's do (requests per minute). WAF refuses limits under 10 a window.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ops import iam

KEY_FORMAT = r"^sk_(live|test)_[A-Za-z0-9_-]{43}$"
KEY_HEADER = "x-api-key"
#: The key as a bearer token, matched once the header is lower-cased (the scheme is case-insensitive).
BEARER_FORMAT = r"^bearer sk_(live|test)_[a-z0-9_-]{43}$"
BEARER_HEADER = "authorization"
WINDOW_SECONDS = 60
#: The smallest Limit WAF accepts in a rate-based rule.
WAF_FLOOR = 10
WAF_CEILING = 2_000_000_000
RETRY_AFTER_SECONDS = WINDOW_SECONDS
BODY_KEY = "rate-limited"
_STAGE_PATH = "/restapis/${RestAPI}/stages/${RestAPI.Stage}"
MESSAGE = "Too many requests. Retry after the number of seconds in Retry-After."
DEFAULTS = {"MEDIA_RATE_LIMIT": 600, "MEDIA_RATE_LIMIT_ANONYMOUS": 120}


@dataclass(frozen=True)
class Limits:
    per_key: int
    anonymous: int
    per_ip: int


def _limit(name: str, raw: Any) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ValueError(f"{name} must be an integer (requests per minute), got {raw!r}.") from None
    if not WAF_FLOOR <= value <= WAF_CEILING:
        raise ValueError(f"{name} must be between {WAF_FLOOR} (WAF's smallest limit) and {WAF_CEILING}, got {value}.")
    return value


def stage_limits(env: dict[str, str], settings: dict[str, Any]) -> Limits:
    """The stage's limits: the same variables as the local limiter reads, plus the per-IP ceiling."""
    per_key = _limit("MEDIA_RATE_LIMIT", env.get("MEDIA_RATE_LIMIT") or DEFAULTS["MEDIA_RATE_LIMIT"])
    anonymous = _limit(
        "MEDIA_RATE_LIMIT_ANONYMOUS", env.get("MEDIA_RATE_LIMIT_ANONYMOUS") or DEFAULTS["MEDIA_RATE_LIMIT_ANONYMOUS"]
    )
    per_ip = _limit("deploy.rate_limit_per_ip", settings.get("rate_limit_per_ip") or 10 * per_key)
    return Limits(per_key, anonymous, per_ip)


def acl_name(stage: str) -> str:
    return f"{iam.APP_NAME}-{stage}-api"


def _visibility(name: str) -> dict[str, Any]:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name}


def _well_formed_key() -> dict[str, Any]:
    return {
        "RegexMatchStatement": {
            "RegexString": KEY_FORMAT,
            "FieldToMatch": {"SingleHeader": {"Name": KEY_HEADER}},
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }


def _well_formed_bearer() -> dict[str, Any]:
    return {
        "RegexMatchStatement": {
            "RegexString": BEARER_FORMAT,
            "FieldToMatch": {"SingleHeader": {"Name": BEARER_HEADER}},
            "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}],
        }
    }


def _block(origins: tuple[str, ...]) -> dict[str, Any]:
    headers = [
        {"Name": "Retry-After", "Value": str(RETRY_AFTER_SECONDS)},
        # As every answer of the API (chalicelib.edge.final_headers): never kept, never sniffed.
        {"Name": "Cache-Control", "Value": "no-store"},
        {"Name": "X-Content-Type-Options", "Value": "nosniff"},
    ]
    if len(origins) == 1:
        # WAF answers before the API can add CORS: with one allowed origin (or "*") a
        # browser may read the 429; several origins cannot be echoed by a fixed header.
        headers += [
            {"Name": "Access-Control-Allow-Origin", "Value": origins[0]},
            {"Name": "Access-Control-Expose-Headers", "Value": "Retry-After"},
        ]
    return {
        "Block": {
            "CustomResponse": {"ResponseCode": 429, "CustomResponseBodyKey": BODY_KEY, "ResponseHeaders": headers}
        }
    }


def _rule(name: str, priority: int, statement: dict[str, Any], origins: tuple[str, ...]) -> dict[str, Any]:
    return {
        "Name": name,
        "Priority": priority,
        "Statement": {"RateBasedStatement": {"EvaluationWindowSec": WINDOW_SECONDS, **statement}},
        "Action": _block(origins),
        "VisibilityConfig": _visibility(f"{name}"),
    }


def web_acl(stage: str, limits: Limits, origins: tuple[str, ...]) -> dict[str, Any]:
    """The web ACL (CreateWebACL's parameters, which are also CloudFormation's properties)."""
    body = json.dumps({"message": MESSAGE, "code": "rate_limited"}, separators=(",", ":"))
    per_key = {
        "Limit": limits.per_key,
        "AggregateKeyType": "CUSTOM_KEYS",
        "CustomKeys": [{"Header": {"Name": KEY_HEADER, "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}],
        "ScopeDownStatement": _well_formed_key(),
    }
    per_bearer = {
        "Limit": limits.per_key,
        "AggregateKeyType": "CUSTOM_KEYS",
        # Counted per header value as sent (the scope-down lower-cases only to match).
        "CustomKeys": [{"Header": {"Name": BEARER_HEADER, "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}],
        "ScopeDownStatement": _well_formed_bearer(),
    }
    keyed = {"OrStatement": {"Statements": [_well_formed_key(), _well_formed_bearer()]}}
    anonymous = {
        "Limit": limits.anonymous,
        "AggregateKeyType": "IP",
        "ScopeDownStatement": {"NotStatement": {"Statement": keyed}},
    }
    ceiling = {"Limit": limits.per_ip, "AggregateKeyType": "IP"}
    return {
        "Name": acl_name(stage),
        "Scope": "REGIONAL",
        "Description": f"Media API {stage}: requests per key and per IP a minute, docs/deploy.md Rate limits",
        "DefaultAction": {"Allow": {}},
        "Rules": [
            _rule("per-key", 0, per_key, origins),
            _rule("per-bearer-key", 1, per_bearer, origins),
            _rule("anonymous-per-ip", 2, anonymous, origins),
            _rule("per-ip-ceiling", 3, ceiling, origins),
        ],
        "VisibilityConfig": _visibility(acl_name(stage).replace("-", "")),
        "CustomResponseBodies": {BODY_KEY: {"ContentType": "APPLICATION_JSON", "Content": body}},
    }


def stage_arn(region: str, api_id: str, api_stage: str, partition: str = "aws") -> str:
    """The API Gateway stage a regional web ACL is associated with."""
    return f"arn:{partition}:apigateway:{region}::/restapis/{api_id}/stages/{api_stage}"


def resources(stage: str, limits: Limits, origins: tuple[str, ...]) -> dict[str, Any]:
    """The web ACL and its association with the API's stage, for the packaged template."""
    return {
        "ApiWebAcl": {"Type": "AWS::WAFv2::WebACL", "Properties": web_acl(stage, limits, origins)},
        "ApiWebAclAssociation": {
            "Type": "AWS::WAFv2::WebACLAssociation",
            "Properties": {
                # RestAPI.Stage (SAM) names the stage and makes the association wait for it.
                "ResourceArn": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::" + _STAGE_PATH},
                "WebACLArn": {"Fn::GetAtt": ["ApiWebAcl", "Arn"]},
            },
        },
    }
