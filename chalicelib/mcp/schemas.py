"""The tools' output schemas, made from the API's own OpenAPI document.

``get_media`` answers the MediaFile object and ``get_account`` the account
object: their schemas are the document's (chalicelib/openapi.json, which the
tests keep equal to what the API answers), made self-contained (references
inlined, examples dropped) as an MCP ``outputSchema`` must be. A field the
MediaFile gains in the document reaches the tools' schemas with it; the search
result's ``description`` and ``tags`` take the document's definitions once it has them.
"""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any

#: Keywords of the document that describe examples, not shapes: left out of the tools' schemas.
_EXAMPLES = ("example", "examples")
#: The MediaFile fields a search result carries (with description, tags and channel_url).
SEARCH_FIELDS = ("id", "name", "original_name", "file_type", "mime_type", "url", "thumbnail_url", "metadata")
CHANNEL_URL = {
    "type": ["string", "null"],
    "format": "uri",
    "description": (
        "The URL to send on the channel asked for (the original, or a rendition that channel takes); "
        "null without a channel, or when that channel cannot take this file."
    ),
}
#: Until the document defines them (a file's alt text and its lower-case tags).
DESCRIPTION = {"type": ["string", "null"], "maxLength": 1000, "description": "Alt text for people and agents."}
TAGS = {"type": "array", "maxItems": 20, "items": {"type": "string"}, "description": "Lower-case tags."}


@functools.lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """chalicelib/openapi.json (ships with chalicelib), read once."""
    return dict(json.loads(resources.files("chalicelib").joinpath("openapi.json").read_text("utf-8")))


def _inlined(node: Any, components: dict[str, Any]) -> Any:
    """``node`` with every ``#/components/schemas/...`` reference replaced by its schema."""
    if isinstance(node, list):
        return [_inlined(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    reference = node.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/components/schemas/"):
        return _inlined(components[reference.rsplit("/", 1)[1]], components)
    return {key: _inlined(value, components) for key, value in node.items() if key not in _EXAMPLES}


def component(name: str) -> dict[str, Any]:
    """A component schema of the document, self-contained."""
    components = document()["components"]["schemas"]
    return dict(_inlined(components[name], components))


def _object(properties: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


@functools.lru_cache(maxsize=1)
def media_file() -> dict[str, Any]:
    return component("MediaFile")


@functools.lru_cache(maxsize=1)
def account() -> dict[str, Any]:
    return component("Account")


@functools.lru_cache(maxsize=1)
def media_file_for_channel() -> dict[str, Any]:
    """get_media: the MediaFile object and, for the channel asked for, ``channel_url``."""
    schema = copy.deepcopy(media_file())
    schema["properties"]["channel_url"] = CHANNEL_URL
    schema["required"] = [*schema["required"], "channel_url"]
    return schema


@functools.lru_cache(maxsize=1)
def search_result() -> dict[str, Any]:
    fields = media_file()["properties"]
    item = {name: fields[name] for name in SEARCH_FIELDS}
    item["description"] = fields.get("description", DESCRIPTION)
    item["tags"] = fields.get("tags", TAGS)
    item["channel_url"] = CHANNEL_URL
    files = {"type": "array", "items": _object(item, "A file found: what an agent needs to choose it and send it.")}
    return _object({"files": files}, "The files found, best match first (without a query, the newest first).")


@functools.lru_cache(maxsize=1)
def deleted() -> dict[str, Any]:
    return _object(
        {"id": {"type": "integer", "minimum": 1}, "deleted": {"const": True}},
        "The file is gone: its record, its stored bytes and what was made from it.",
    )


def server_version() -> str:
    """The API's version, as the document names it."""
    return str(document()["info"]["version"])
