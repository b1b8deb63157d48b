"""A tool's arguments checked against its input schema, in the API's own words.

The tools' input schemas use a small part of JSON Schema: an object of named
properties, each an integer, a string, a boolean or an array of strings,
maybe nullable, with ``enum``, ``minimum``/``maximum``, ``minLength``/``maxLength``
and ``maxItems``. This module checks exactly that part, so the schema an agent
reads and the check its call meets are one definition. Every message names its
field, as the API's 422 answers do, so an agent can correct the call; a string
never holds a character no displayed text may hold (chalicelib.domain.fields:
names, queries and tags are all shown to people).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.domain.fields import unsafe_errors
from chalicelib.errors import InvalidInput

_TYPE_NAMES = {
    "integer": "an integer",
    "string": "a string",
    "boolean": "true or false",
    "array": "an array",
    "object": "an object",
}


def check_arguments(tool: str, schema: Mapping[str, Any], arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments the schema names, defaults filled in (an absent optional one without
    default is absent; an explicit null stays null), or InvalidInput naming every bad field."""
    properties: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    errors: dict[str, list[str]] = {
        name: [f"The {name} field is not an argument of {tool}."] for name in arguments if name not in properties
    }
    values: dict[str, Any] = {}
    for name, rule in properties.items():
        if arguments.get(name) is None and name in required:
            errors[name] = [f"The {name} field is required."]
        elif name not in arguments:
            if "default" in rule:
                values[name] = rule["default"]
        else:
            value, problem = _checked(name, rule, arguments[name])
            if problem is None:
                values[name] = value
            else:
                errors[problem[0]] = [problem[1]]
    if errors:
        raise InvalidInput(errors)
    return values


def _types(rule: Mapping[str, Any]) -> list[str]:
    kind = rule.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


Problem = tuple[str, str]  # (the field, as Laravel names it: "tags.3"; the message)


def _checked(name: str, rule: Mapping[str, Any], value: Any) -> tuple[Any, Problem | None]:
    """(the value as used, None) or (None, what refuses it)."""
    types = _types(rule)
    if value is None:
        return (None, None) if "null" in types else (None, (name, f"The {name} field must be {_type_name(types)}."))
    if "integer" in types and isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON Schema counts 10.0 as an integer
    if not any(_is_a(kind, value) for kind in types):
        return None, (name, f"The {name} field must be {_type_name(types)}.")
    enum = rule.get("enum")
    if enum is not None and value not in enum:
        named = [str(v) for v in enum if v is not None]
        return None, (name, f"The selected {name} is invalid. Use {', '.join(named[:-1])} or {named[-1]}.")
    message = _bounds_problem(name, rule, value)
    if message is not None:
        return None, (name, message)
    if isinstance(value, list):
        items = []
        for index, item in enumerate(value):
            item_value, problem = _checked(f"{name}.{index}", rule.get("items", {}), item)
            if problem is not None:
                return None, problem
            items.append(item_value)
        value = items
    return value, None


def _is_a(kind: str, value: Any) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "array":
        return isinstance(value, list)
    return kind == "object" and isinstance(value, dict)


def _type_name(types: list[str]) -> str:
    return " or ".join(_TYPE_NAMES[t] for t in types if t != "null")


def _bounds_problem(name: str, rule: Mapping[str, Any], value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        if "minimum" in rule and value < rule["minimum"]:
            return f"The {name} field must be at least {rule['minimum']}."
        if "maximum" in rule and value > rule["maximum"]:
            return f"The {name} field must not be greater than {rule['maximum']}."
    if isinstance(value, str):
        if "maxLength" in rule and len(value) > rule["maxLength"]:
            return f"The {name} field must not be greater than {rule['maxLength']} characters."
        if "minLength" in rule and len(value) < rule["minLength"]:
            return f"The {name} field must be at least {rule['minLength']} characters."
        unsafe = unsafe_errors(value, name)
        if unsafe:
            return unsafe[0]
    if isinstance(value, list) and "maxItems" in rule and len(value) > rule["maxItems"]:
        return f"The {name} field must not have more than {rule['maxItems']} items."
    return None
