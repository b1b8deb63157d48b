"""CORS on the local storage port, decided as S3 decides it from the bucket's CORS rules.

A rule applies to a request when its ``AllowedOrigins`` match the ``Origin`` (``*``, the
exact origin, or a pattern with one ``*``), its ``AllowedMethods`` hold the method and its
``AllowedHeaders`` every header a preflight asks for; the first such rule answers.
``Access-Control-Allow-Origin`` is then ``*`` for a ``*`` rule, else the origin the rule
lists: an origin no rule lists gets no CORS header at all (moto, left alone, reflects
any origin). Preflights are answered here and never reach moto.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from ops.storage_errors import Reason, Refusal

Rule = dict[str, Any]
_NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
    "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted "
    "by the resource's CORS spec."
)


def _matches(value: str, pattern: str, *, ignore_case: bool = False) -> bool:
    if ignore_case:
        value, pattern = value.lower(), pattern.lower()
    if "*" not in pattern:
        return value == pattern
    # One wildcard at most (S3's rule); fnmatch's other metacharacters are escaped.
    escaped = pattern.replace("[", "[[]").replace("?", "[?]")
    return fnmatch.fnmatchcase(value, escaped)


def _origin_allowed(rule: Rule, origin: str) -> str | None:
    """The Allow-Origin value ``rule`` gives ``origin`` (None: the rule does not list it)."""
    for pattern in rule.get("AllowedOrigins", []):
        if pattern == "*":
            return "*"
        if _matches(origin, pattern):
            return origin
    return None


def _headers_allowed(rule: Rule, requested: list[str]) -> bool:
    allowed = rule.get("AllowedHeaders", [])
    return all(any(_matches(name, pattern, ignore_case=True) for pattern in allowed) for name in requested)


def _find(rules: list[Rule], origin: str, method: str, requested: list[str]) -> tuple[Rule, str] | None:
    for rule in rules:
        allow_origin = _origin_allowed(rule, origin)
        if allow_origin and method in rule.get("AllowedMethods", []) and _headers_allowed(rule, requested):
            return rule, allow_origin
    return None


def _rule_headers(rule: Rule, allow_origin: str) -> list[tuple[str, str]]:
    headers = [
        ("Access-Control-Allow-Origin", allow_origin),
        ("Access-Control-Allow-Methods", ", ".join(rule.get("AllowedMethods", []))),
    ]
    if rule.get("ExposeHeaders"):
        headers.append(("Access-Control-Expose-Headers", ", ".join(rule["ExposeHeaders"])))
    if rule.get("MaxAgeSeconds") is not None:
        headers.append(("Access-Control-Max-Age", str(rule["MaxAgeSeconds"])))
    return headers


_VARY = ("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")


def response_headers(rules: list[Rule], origin: str | None, method: str) -> list[tuple[str, str]]:
    """The CORS headers of an ordinary answer to ``origin`` (none when no rule allows it)."""
    if not origin:
        return []
    found = _find(rules, origin, method, [])
    if found is None:
        return [_VARY] if rules else []
    return [*_rule_headers(*found), _VARY]


def preflight(rules: list[Rule], environ: dict[str, Any]) -> list[tuple[str, str]]:
    """The headers of a 200 answer to an OPTIONS preflight, or the Refusal S3 answers."""
    origin = environ.get("HTTP_ORIGIN")
    if not origin:
        raise Refusal(Reason.CORS_BAD_REQUEST, "Insufficient information. Origin request header needed.")
    method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")
    if not method:
        raise Refusal(Reason.CORS_BAD_REQUEST, "Invalid Access-Control-Request-Method: null")
    if not rules:
        raise Refusal(Reason.CORS_FORBIDDEN, "CORSResponse: CORS is not enabled for this bucket.")
    raw = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")
    requested = [h.strip().lower() for h in raw.split(",") if h.strip()]
    found = _find(rules, origin, method, requested)
    if found is None:
        raise Refusal(Reason.CORS_FORBIDDEN, _NOT_ALLOWED)
    headers = _rule_headers(*found)
    if requested:
        headers.append(("Access-Control-Allow-Headers", ", ".join(requested)))
    return [*headers, _VARY]
