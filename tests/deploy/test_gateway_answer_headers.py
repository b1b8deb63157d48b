"""API Gateway's own answers (throttled, too large, unknown path, its 4xx and 5xx) carry the
headers the app puts on every API answer: never stored by a cache, never sniffed."""

from __future__ import annotations

from ops import template


def test_every_gateway_response_is_no_store_and_nosniff() -> None:
    responses = template.merge_template("dev")["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]
    assert len(responses) == 6
    for kind, response in responses.items():
        headers = response["ResponseParameters"]["Headers"]
        assert (headers["Cache-Control"], headers["X-Content-Type-Options"]) == ("'no-store'", "'nosniff'"), kind
