"""The MCP endpoint's pure rules: a tool's arguments against its input schema, what a JSON-RPC message
is, which Accept headers admit JSON, and where a request presents its key."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.auth import presented_key
from chalicelib.errors import InvalidInput
from chalicelib.mcp.arguments import check_arguments
from chalicelib.mcp.endpoint import accepts_json
from chalicelib.mcp.tools import TOOLS
from chalicelib.mcp.wire import Notice, Request, RpcError, read_message

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "limit": {"type": ["integer", "null"], "minimum": 1, "maximum": 50, "default": 10},
        "note": {"type": ["string", "null"], "maxLength": 5},
        "tags": {"type": ["array", "null"], "maxItems": 2, "items": {"type": "string", "minLength": 1}},
    },
    "required": ["id"],
    "additionalProperties": False,
}


def refusal(arguments: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(InvalidInput) as refused:
        check_arguments("tool", SCHEMA, arguments)
    assert refused.value.errors is not None
    return refused.value.errors


def test_defaults_fill_absent_arguments_and_an_explicit_null_stays_null() -> None:
    assert check_arguments("tool", SCHEMA, {"id": 3}) == {"id": 3, "limit": 10}
    assert check_arguments("tool", SCHEMA, {"id": 3, "note": None}) == {"id": 3, "limit": 10, "note": None}
    assert check_arguments("tool", SCHEMA, {"id": 3.0, "tags": ["a"]}) == {"id": 3, "limit": 10, "tags": ["a"]}


def test_an_array_item_is_named_by_its_index_and_the_input_is_left_alone() -> None:
    tags = ["ok", ""]
    assert refusal({"id": 1, "tags": tags}) == {"tags.1": ["The tags.1 field must be at least 1 characters."]}
    assert tags == ["ok", ""]
    assert refusal({"id": 1, "tags": [3]}) == {"tags.0": ["The tags.0 field must be a string."]}


def test_each_rule_has_its_message() -> None:
    assert refusal({}) == {"id": ["The id field is required."]}
    assert refusal({"id": None}) == {"id": ["The id field is required."]}
    assert refusal({"id": False}) == {"id": ["The id field must be an integer."]}
    assert refusal({"id": 1, "limit": 99}) == {"limit": ["The limit field must not be greater than 50."]}
    assert refusal({"id": 1, "note": "toolong"}) == {"note": ["The note field must not be greater than 5 characters."]}
    unsafe = refusal({"id": 1, "note": "\x00"})["note"][0]
    assert unsafe.startswith("The note field must not contain control characters")
    assert refusal({"id": 1, "tags": ["a", "b", "c"]}) == {"tags": ["The tags field must not have more than 2 items."]}
    assert refusal({"id": 1, "other": 1}) == {"other": ["The other field is not an argument of tool."]}


def test_every_tool_schema_is_within_the_part_of_json_schema_the_check_implements() -> None:
    known = {
        "type",
        "enum",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "maxItems",
        "items",
        "default",
        "description",
    }
    for tool in TOOLS.values():
        schema = tool.input_schema
        assert set(schema) == {"type", "properties", "required", "additionalProperties"}, tool.name
        for name, rule in schema["properties"].items():
            assert set(rule) <= known, (tool.name, name, set(rule) - known)
            assert set(rule.get("items", {})) <= known


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"jsonrpc": "2.0", "id": 1, "method": "ping"}, Request(1, "ping", {})),
        ({"jsonrpc": "2.0", "id": "a", "method": "x", "params": None}, Request("a", "x", {})),
        ({"jsonrpc": "2.0", "method": "notifications/initialized"}, Notice("notifications/initialized")),
        ({"jsonrpc": "2.0", "id": 1, "result": {}}, Notice(None)),
        ({"jsonrpc": "2.0", "id": None, "error": {"code": 1, "message": "m", "data": [1]}}, Notice(None)),
    ],
)
def test_what_a_message_is(value: Any, expected: Request | Notice) -> None:
    assert read_message(value) == expected


def test_an_invalid_message_keeps_an_id_worth_answering() -> None:
    with pytest.raises(RpcError) as refused:
        read_message({"jsonrpc": "2.0", "id": 7, "method": ""})
    assert (refused.value.code, refused.value.request_id) == (-32600, 7)
    with pytest.raises(RpcError) as unnamed:
        read_message({"jsonrpc": "2.0", "id": [7], "method": "ping"})
    assert unnamed.value.request_id is None


@pytest.mark.parametrize(
    ("accept", "admits"),
    [
        (None, True),
        ("", True),
        ("application/json", True),
        ("text/event-stream, application/json;q=0.9", True),
        ("APPLICATION/JSON", True),
        ("*/*;q=0.1", True),
        ("application/json;q=0", False),
        ("application/json;q=nope", False),
        ("text/event-stream", False),
        ("application/*;q=0, application/json", True),
    ],
)
def test_which_accept_headers_admit_json(accept: str | None, admits: bool) -> None:
    assert accepts_json(accept) is admits


def test_the_key_comes_from_x_api_key_first_else_a_bearer_token() -> None:
    assert presented_key("sk_a", "Bearer sk_b") == "sk_a"
    assert presented_key(None, "Bearer sk_b") == "sk_b"
    assert presented_key("", "  bearer   sk_b  ") == "sk_b"
    for authorization in (None, "", "Bearer", "Bearer   ", "Basic sk_b", "sk_b"):
        assert presented_key(None, authorization) is None, authorization
