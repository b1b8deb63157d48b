"""The OpenAPI 3.1 document (chalicelib/openapi.json) matches the app and the contract (docs/architecture.md,
"The contract"):
every route is documented and every documented operation is a route, the document
is valid OpenAPI 3.1, it is served without a key, and what the API really answers
validates against it (schemathesis checks the rest, test_schemathesis.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from chalice.test import Client
from openapi_spec_validator import validate as validate_openapi

from chalicelib import caches
from tests.helpers.http import MEDIA_FIELDS, call, upload_file
from tests.helpers.media import fixture_bytes
from tests.helpers.tenants import Tenant

DOCUMENT = Path(__file__).parents[2] / "chalicelib" / "openapi.json"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
DESIGN_FIELDS = MEDIA_FIELDS


def document() -> dict[str, Any]:
    return dict(json.loads(DOCUMENT.read_text("utf-8")))


def documented_operations() -> set[tuple[str, str]]:
    return {
        (path, method.upper()) for path, item in document()["paths"].items() for method in item if method in METHODS
    }


def app_operations() -> set[tuple[str, str]]:
    """Every (path, method) a view serves under /api/v1, and the MCP endpoint; the generated 405 and
    preflight (CORS) answers are not operations, nor is the media library page (/, /docs, /static)."""
    from app import app

    return {
        (path, method)
        for path, entries in app.routes.items()
        for method, entry in entries.items()
        if (path.startswith("/api/v1/") or path == "/mcp")
        and not entry.view_name.startswith(("method_not_allowed_", "preflight_"))
    }


def schema_of(name: str) -> dict[str, Any]:
    """A component schema, resolvable on its own (its $refs point into the document)."""
    return {**document(), "$ref": f"#/components/schemas/{name}"}


def test_every_route_is_documented_and_every_documented_operation_is_a_route() -> None:
    assert app_operations() == documented_operations()


def test_the_document_is_valid_openapi_3_1() -> None:
    spec = document()
    assert spec["openapi"].startswith("3.1.")
    validate_openapi(spec)


def test_every_operation_but_the_document_itself_requires_the_api_key() -> None:
    spec = document()
    assert spec["components"]["securitySchemes"]["ApiKey"] == {
        **spec["components"]["securitySchemes"]["ApiKey"],
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
    }
    assert spec["security"] == [{"ApiKey": []}]
    assert spec["components"]["securitySchemes"]["Bearer"] == {
        **spec["components"]["securitySchemes"]["Bearer"],
        "type": "http",
        "scheme": "bearer",
    }
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            public = path == "/api/v1/openapi.json"
            # The MCP endpoint also takes the key as a bearer token (remote agent platforms set only that).
            keyed: list[dict[str, list[str]]] | None = [{"ApiKey": []}, {"Bearer": []}] if path == "/mcp" else None
            assert operation.get("security") == ([] if public else keyed), (path, method)
            assert ("401" in operation["responses"]) is not public, (path, method)


def test_every_status_the_app_maps_an_error_to_is_documented() -> None:
    from chalicelib.edge import STATUS

    documented = {
        int(status)
        for item in document()["paths"].values()
        for method, operation in item.items()
        if method in METHODS
        for status in operation["responses"]
    }
    # 500 is a defect or a misconfiguration, never part of the contract.
    assert {s for s in STATUS.values() if s != 500} <= documented


def test_the_media_file_schema_is_exactly_the_design_fields() -> None:
    media = document()["components"]["schemas"]["MediaFile"]
    assert set(media["properties"]) == set(media["required"]) == DESIGN_FIELDS
    assert media["additionalProperties"] is False
    assert media["properties"]["metadata"]["oneOf"][0] == {"type": "null"}


def test_the_list_answers_either_paginator_envelope() -> None:
    list_op = document()["paths"]["/api/v1/media"]["get"]
    one_of = list_op["responses"]["200"]["content"]["application/json"]["schema"]["oneOf"]
    assert one_of == [
        {"$ref": "#/components/schemas/PagePaginator"},
        {"$ref": "#/components/schemas/CursorPaginator"},
    ]
    params = {p["name"] for p in list_op["parameters"]}
    assert params == {"type", "search", "tag", "channel", "per_page", "page", "cursor"}


def test_the_document_is_served_without_a_key_naming_the_deployment_as_server(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIA_PUBLIC_API_URL", "https://media.example.test")
    caches.reset()
    reply = call(client, "GET", "/api/v1/openapi.json", headers={"Host": "evil.example"})
    assert reply.status == 200
    assert reply.body == {**document(), "servers": [{"url": "https://media.example.test"}]}


@pytest.mark.parametrize("name", ["sample.png", "sample.jpg", "sample.mp4"])
def test_real_answers_validate_against_the_document(client: Client, tenant: Tenant, name: str) -> None:
    created = upload_file(client, tenant, name, fixture_bytes(name))
    assert created.status == 201
    jsonschema.validate(created.body, schema_of("MediaFile"))
    for query in ("", "?cursor=", "?type=image&per_page=1"):
        listed = call(client, "GET", f"/api/v1/media{query}", tenant)
        envelope = "CursorPaginator" if "cursor" in query else "PagePaginator"
        jsonschema.validate(listed.body, schema_of(envelope))
    refused = call(client, "GET", "/api/v1/media?per_page=0", tenant)
    jsonschema.validate(refused.body, schema_of("ValidationError"))
    missing = call(client, "GET", "/api/v1/media/999", tenant)
    jsonschema.validate(missing.body, schema_of("Error"))


# Neighbours that make a joiner or a variation selector acceptable (fields.py): a Latin letter,
# a virama, an emoji and an Arabic letter.
NEIGHBOURS = ("a", "\u0915\u094d", "\U0001f600", "\u0628")


def _text_patterns(node: Any) -> list[str]:
    """Every pattern of the document that states the character rules of names."""
    if isinstance(node, dict):
        own = [node["pattern"]] if "\\u0000-\\u001f" in node.get("pattern", "") else []
        return own + [p for value in node.values() for p in _text_patterns(value)]
    if isinstance(node, list):
        return [p for value in node for p in _text_patterns(value)]
    return []


def test_the_name_patterns_refuse_each_character_the_api_refuses_whatever_its_neighbours() -> None:
    # Was: the patterns named controls and bidirectional overrides only, so schemathesis drew
    # names holding a zero-width space or a soft hyphen as valid, and the API refused them.
    # A character refused only beside some neighbours (a joiner, a variation selector) is a
    # 422 no pattern states; characters outside the BMP are past what a pattern names, and a
    # lone surrogate is no character (no UTF-8 text holds one; the API refuses it all the same).
    from chalicelib.domain.fields import unsafe_positions

    patterns = _text_patterns(document())
    assert len(patterns) == 7  # names and descriptions (5), filenames (2)
    names = [re.compile(p) for p in patterns if "\\.(?:" not in p]
    for code in (*range(0xD800), *range(0xE000, 0x10000)):
        char = chr(code)
        refused = bool(unsafe_positions(char)) and all(
            unsafe_positions(f"{before}{char}{after}") for before in NEIGHBOURS for after in NEIGHBOURS
        )
        for pattern in names:
            assert (pattern.fullmatch(f"x{char}x") is None) == refused, (f"U+{code:04X}", pattern.pattern)
