"""Which answers an Idempotency-Key keeps (chalicelib/idempotency.py): the final ones only."""

from __future__ import annotations

import json

import pytest

from chalicelib.idempotency import Answer, is_final


def answer(status: int, code: str | None = None, **headers: str) -> Answer:
    body = json.dumps({"message": "m", "code": code} if code else {"id": 1})
    return Answer(status, body, headers)


@pytest.mark.parametrize(
    "kept",
    [
        answer(201),
        answer(200),
        answer(204),
        answer(404, "not_found"),
        answer(410, "upload_expired"),
        answer(422, "validation_failed"),
        answer(403, "media_limit_reached"),
        answer(413, "payload_too_large"),
        Answer(201, "", {}),
        Answer(400, "not json", {}),
    ],
)
def test_final_answers_are_kept(kept: Answer) -> None:
    assert is_final(kept)


@pytest.mark.parametrize(
    "passing",
    [
        answer(409, "upload_not_received"),
        answer(409, "idempotency_in_progress", **{"Retry-After": "1"}),
        answer(409, "object_changed"),
        answer(429, "rate_limited"),
        answer(408, "request_timeout"),
        answer(400, "anything", **{"retry-after": "5"}),
        answer(500, "server_error"),
        answer(503, "service_unavailable", **{"Retry-After": "1"}),
    ],
)
def test_answers_that_invite_a_retry_are_not_kept(passing: Answer) -> None:
    assert not is_final(passing)
