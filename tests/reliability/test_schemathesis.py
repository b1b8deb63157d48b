"""Schemathesis against the running API (docs/architecture.md, "The contract"): every operation of
chalicelib/openapi.json, every built-in check, with a valid key and with none.

The API runs over real HTTP (chalice's local server; moto in the process, made
safe for the server's threads), as in test_plan_limit_concurrency.py. The run is deterministic
(derandomized, no example database) and bounded (MAX_EXAMPLES per operation
and phase). The library is seeded so get/rename/delete/complete sometimes
hit real records: ids 1.. are small integers Hypothesis draws often, and the
upload session id is the document's own example value.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test
from PIL import Image

from tests.helpers.media import fixture_bytes, png_bytes
from tests.helpers.servers import api_over_http, threaded_aws_env
from tests.helpers.tenants import make_tenant

pytestmark = pytest.mark.slow(seconds=0.4)

OPENAPI = Path(__file__).parents[2] / "chalicelib" / "openapi.json"
MAX_EXAMPLES = 12
WORKFLOWS = 15
SEEDED_UPLOAD_ID = "0123456789abcdef0123456789abcdef"  # the document's example upload_id
PUBLIC = {"GET /api/v1/openapi.json"}

# Two list rules no JSON Schema of query parameters can state: a cursor is an opaque
# signed token (any other string is a tampered cursor), and page + cursor together
# are refused. Both are documented 422s, so valid-looking list queries may get one.
LIST_RULES = {
    "include-operation-id": "listMedia",
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "422"]}},
}
# An If-Match no schema can tell from a current one: a well-formed tag of another
# version is a documented 412 (precondition_failed), so valid-looking PUT and DELETE
# requests may get one.
PRECONDITION_RULES = [
    {
        "include-operation-id": operation,
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "412"]}},
    }
    for operation in ("renameMedia", "deleteMedia")
]
_KEYS = itertools.count(1)


def own_key(case: schemathesis.Case) -> schemathesis.Case:
    """A valid Idempotency-Key drawn again for another request is a documented 422
    (idempotency_key_reused), and every phase draws the same few: each case that draws
    a valid one gets a key of its own. Invalid keys (too long, not ASCII) stay as drawn."""
    key = (case.headers or {}).get("Idempotency-Key")
    if case.headers is not None and key is not None and 1 <= len(key) <= 255 and key.isascii() and key.isprintable():
        case.headers["Idempotency-Key"] = f"schemathesis-{next(_KEYS)}"
    return case


def config(generation: dict[str, Any] | None = None) -> schemathesis.Config:
    deterministic = {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"}
    return schemathesis.Config.from_dict(
        {"generation": {**deterministic, **(generation or {})}, "operations": [LIST_RULES, *PRECONDITION_RULES]}
    )


schema = schemathesis.openapi.from_path(OPENAPI, config=config())


# Characters whose acceptance no pattern of the document can state (its descriptions say
# the rule, tests/api/test_invisible_names.py tests it): a zero-width joiner or non-joiner
# and a variation selector are refused or kept by their neighbours, and a pattern names
# only the BMP, so format characters past it are described, not patterned.
SELECTORS = (*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0))
CONTEXTUAL = frozenset("\u200c\u200d" + "".join(chr(c) for c in SELECTORS))


def _beyond_the_patterns(value: Any) -> bool:
    if isinstance(value, str):
        return any(c in CONTEXTUAL or (ord(c) > 0xFFFF and unicodedata.category(c) == "Cf") for c in value)
    if isinstance(value, dict):
        return any(_beyond_the_patterns(v) for v in value.values())
    return False


@schemathesis.hook
def filter_case(context: schemathesis.HookContext, case: schemathesis.Case) -> bool:
    """A positive case asserts its data is accepted: it holds none of those characters."""
    return (
        case.meta is None
        or case.meta.generation.mode != schemathesis.GenerationMode.POSITIVE
        or not _beyond_the_patterns(case.body)
    )


def _image(kind: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "blue").save(out, kind)
    return out.getvalue()


# Real images for the multipart `file` part (the document's encoding lists their types),
# so valid requests carry content the API must accept. Schemathesis names a file part
# after the format its bytes start with: it knows PNG, JPEG and GIF, not the videos.
schemathesis.openapi.media_type("image/png", st.sampled_from([png_bytes(4, 3), fixture_bytes("sample.png")]))
schemathesis.openapi.media_type("image/jpeg", st.sampled_from([_image("JPEG", (5, 4)), fixture_bytes("sample.jpg")]))
schemathesis.openapi.media_type("image/gif", st.just(fixture_bytes("sample.gif")))


@dataclass
class Stack:
    url: str
    env: dict[str, str]
    api_key: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Api-Key": self.api_key}


def _seed(stack: Stack) -> None:
    """Client files (ids 1-3), an admin file (id 4) and a pending session whose bytes arrived."""
    from datetime import timedelta

    from chalicelib import records, storage, uploads
    from chalicelib.domain.layout import staged_key
    from chalicelib.domain.names import FileType, Uploader, UploadFlow
    from chalicelib.domain.upload import Declared, UploadSession

    tenant = make_tenant("Schemathesis")
    stack.api_key = tenant.api_key
    for index, name in enumerate(("hero.png", "banner.png", "clip.mp4")):
        data = fixture_bytes("sample.mp4") if name.endswith("mp4") else png_bytes(8 + index, 8)
        uploads.upload_direct(tenant.account_id, name, data)
    uploads.upload_direct(tenant.account_id, "logo.png", png_bytes(), uploaded_by=Uploader.ADMIN)
    session = UploadSession.open(
        tenant.account_id,
        Declared("later.png", "Later", "png", FileType.IMAGE),
        size=len(png_bytes()),
        content_type="image/png",
        uploaded_by=Uploader.CLIENT,
        flow=UploadFlow.PRESIGNED,
        lifetime=timedelta(minutes=15),
    )
    # Under the id the tests name (a new session's id is random).
    records.store().put_session(dataclasses.replace(session, upload_id=SEEDED_UPLOAD_ID))
    storage.store().put_object(staged_key(tenant.account_id, SEEDED_UPLOAD_ID), png_bytes(), "image/png")


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with threaded_aws_env() as env, api_over_http() as base:
        running = Stack(base, env)
        _seed(running)
        yield running


@pytest.fixture
def extra_env(stack: Stack) -> dict[str, str]:
    """conftest sets the environment for every test; this process talks to the stack."""
    return stack.env


@schema.parametrize()
def test_every_operation_with_a_valid_key_conforms_to_the_document(case: schemathesis.Case, stack: Stack) -> None:
    # The generated X-Api-Key is replaced by the stack's; a negative case that left the
    # key out on purpose goes without it (and must be refused, 401).
    keyed = "X-Api-Key" in (case.headers or {})
    own_key(case).call_and_validate(base_url=stack.url, headers=stack.headers if keyed else {})


def test_linked_workflows_conform_to_the_document(stack: Stack) -> None:
    """Stateful phase: upload -> get/rename/delete, start -> get/complete, by the document's links."""
    # Its own schema: positive data only (negative cases are the parametrized tests' job,
    # and a multipart text field cannot carry the "wrong type" a negative case draws),
    # and no feedback learned by the tests that ran before it in this process.
    workflows = schemathesis.openapi.from_path(OPENAPI, config=config({"mode": "positive"}))
    base = workflows.as_state_machine()

    class Workflow(base):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            own_key(case)
            return {"base_url": stack.url, "headers": stack.headers}

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            # The key is ours, not generated: ignored_auth then re-sends without it.
            case.validate_response(response, headers=stack.headers, recorder=self.recorder)

    settings = hypothesis.settings(
        max_examples=WORKFLOWS, stateful_step_count=6, derandomize=True, database=None, deadline=None
    )
    run_state_machine_as_test(Workflow, settings=settings)


@schema.parametrize()
def test_every_operation_without_a_key_is_401(case: schemathesis.Case, stack: Stack) -> None:
    response = case.call(base_url=stack.url)
    case.validate_response(response)
    # OPTIONS is the CORS preflight browsers send without credentials: no data, no auth.
    if case.operation.label not in PUBLIC and case.method != "OPTIONS":
        assert response.status_code == 401, (case.method, case.formatted_path, response.text)


# -- defects schemathesis found, pinned ----------------------------------------------------


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("TRACE", "/api/v1/media", "GET, POST"),
        ("QUERY", "/api/v1/media/1", "DELETE, GET, PUT"),
        ("TRACE", "/api/v1/openapi.json", "GET"),
    ],
)
def test_a_method_no_route_knows_is_a_json_405_naming_the_served_methods(
    stack: Stack, method: str, path: str, allowed: str
) -> None:
    # Was: the local server's HTML 501 page; then chalice's 405 listing every method.
    response = requests.request(method, stack.url + path, headers=stack.headers, timeout=10)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert response.headers["Allow"] == allowed


def test_a_whole_number_file_size_written_with_a_decimal_point_is_accepted(stack: Stack) -> None:
    # JSON Schema counts 672.0 as an integer; the API answered 422.
    body = '{"filename": "photo.png", "file_size": 672.0}'
    headers = {**stack.headers, "Content-Type": "application/json"}
    response = requests.post(f"{stack.url}/api/v1/media/uploads", data=body, headers=headers, timeout=10)
    assert response.status_code == 201, response.text


def test_completing_an_upload_whose_file_was_deleted_is_404_not_a_rejection(stack: Stack) -> None:
    # Was: 422 "The file was rejected." (found by the stateful run on the seeded session).
    from chalicelib import storage

    api, headers = f"{stack.url}/api/v1/media", {**stack.headers, "Content-Type": "application/json"}
    started = requests.post(
        f"{api}/uploads", json={"filename": "a.png", "file_size": len(png_bytes())}, headers=headers, timeout=10
    )
    storage.store().put_object(started.json()["upload"]["fields"]["key"], png_bytes(), "image/png")
    complete = f"{api}/uploads/{started.json()['id']}/complete"
    media = requests.post(complete, headers=stack.headers, timeout=10).json()
    assert requests.delete(f"{api}/{media['id']}", headers=stack.headers, timeout=10).status_code == 204
    again = requests.post(complete, headers=stack.headers, timeout=10)
    assert (again.status_code, again.json()["code"]) == (404, "not_found")
    shown = requests.get(f"{api}/uploads/{started.json()['id']}", headers=stack.headers, timeout=10).json()
    assert (shown["status"], shown["media"]) == ("completed", None)
