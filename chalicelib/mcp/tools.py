"""The library as six MCP tools: their definitions (tools/list) and their calls (tools/call).

Every call goes through the use cases the REST routes use, with the account of the
key, so a tool can never see another account's files, ids or counts. A refusal the
API would answer with a 4xx (not found, an admin file, a field that fails its rule)
is the tool's result with ``isError: true`` and the API's own error body as its
text; a backing service failing (5xx) is the HTTP answer it would be on any route.
Successful results are ``structuredContent`` (described by ``outputSchema``) plus a
short text for clients and models that read only text.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib import accounts, edge, library, presenters, previews, search
from chalicelib.domain.channels import CHANNELS
from chalicelib.domain.fields import DESCRIPTION_MAX, TAG_MAX, TAGS_MAX
from chalicelib.domain.search import QUERY_MAX
from chalicelib.domain.values import MediaFile
from chalicelib.errors import InvalidInput, MediaError
from chalicelib.mcp import schemas, summaries
from chalicelib.mcp.arguments import check_arguments
from chalicelib.mcp.wire import INVALID_PARAMS, RpcError

ID = {"type": "integer", "minimum": 1, "description": "The file's id (search_media finds it)."}
CHANNEL = {
    "type": ["string", "null"],
    "enum": [*CHANNELS, None],
    "description": "A chat channel: channel_url is then the URL to send on it (null when it cannot take the file).",
}
READ_ONLY = {"readOnlyHint": True, "openWorldHint": False}
EDITS = {"readOnlyHint": False, "destructiveHint": False, "idempotentHint": True, "openWorldHint": False}
DELETES = {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": True, "openWorldHint": False}


@dataclass(frozen=True)
class Outcome:
    structured: dict[str, Any]
    summary: str
    previews: list[previews.Preview] = field(default_factory=list)


@dataclass(frozen=True)
class Tool:
    name: str
    title: str
    description: str
    input_schema: dict[str, Any]
    output_schema: Callable[[], dict[str, Any]]
    annotations: dict[str, Any]
    run: Callable[[str, dict[str, Any]], Outcome]

    def definition(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "inputSchema": self.input_schema,
            "outputSchema": self.output_schema(),
            "annotations": {"title": self.title, **self.annotations},
        }


def _arguments(properties: dict[str, Any], *required: str) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}


def channel_url(media: dict[str, Any], channel: str | None) -> str | None:
    """The URL ``channel`` takes for this file (from its ``delivery``), or None."""
    channels = (media.get("delivery") or {}).get("channels") or {}
    url = (channels.get(channel) or {}).get("url") if channel else None
    return str(url) if url else None


def find_files(account_id: str, args: dict[str, Any]) -> list[MediaFile]:
    """The search behind search_media, one use-case call: agents' ranked search (chalicelib/search.py,
    with its own argument checks)."""
    limit = args.get("limit") or search.LIMIT_DEFAULT
    chosen = search.parse_search(args.get("query"), args.get("type"), args.get("tag"), limit)
    return search.search_media(
        account_id, chosen["query"], file_type=chosen["file_type"], tag=chosen["tag"], limit=chosen["limit"]
    )


def search_media(account_id: str, args: dict[str, Any]) -> Outcome:
    found = [presenters.media_json(m) for m in find_files(account_id, args)]
    files = [
        {
            **{name: media[name] for name in schemas.SEARCH_FIELDS},
            "description": media.get("description"),
            "tags": media.get("tags") or [],
            "channel_url": channel_url(media, args.get("channel")),
        }
        for media in found
    ]
    ranked = bool((args.get("query") or "").strip())
    return Outcome({"files": files}, summaries.found(files, args.get("channel"), ranked))


def get_media(account_id: str, args: dict[str, Any]) -> Outcome:
    found = library.get_media(account_id, str(args["id"])).media
    assert found is not None  # no If-None-Match: the file itself
    media = presenters.media_json(found)
    media["channel_url"] = channel_url(media, args.get("channel"))
    shown = previews.read_preview(found) if args.get("include_thumbnail") else None
    summary = summaries.one_file(media, args.get("channel"))
    if args.get("include_thumbnail"):
        summary += "\n" + summaries.preview_note(found.thumbnail_key is not None, shown is not None)
    return Outcome(media, summary, [shown] if shown else [])


def describe_media(account_id: str, args: dict[str, Any]) -> Outcome:
    changes = {field: args[field] for field in ("description", "tags") if field in args}
    if not changes:
        raise InvalidInput({"description": ["Give a description, tags, or both."]})
    described = library.update_media(account_id, str(args["id"]), changes).media
    assert described is not None
    media = presenters.media_json(described)
    return Outcome(media, f"Described: {summaries.one_file(media, None)}")


def rename_media(account_id: str, args: dict[str, Any]) -> Outcome:
    renamed = library.update_media(account_id, str(args["id"]), {"name": args["name"]}).media
    assert renamed is not None
    media = presenters.media_json(renamed)
    return Outcome(media, f"Renamed: {summaries.one_file(media, None)}")


def delete_media(account_id: str, args: dict[str, Any]) -> Outcome:
    library.delete_media(account_id, str(args["id"]))
    return Outcome({"id": args["id"], "deleted": True}, f"Deleted file #{args['id']}: its URL no longer serves it.")


def get_account(account_id: str, args: dict[str, Any]) -> Outcome:
    account = presenters.account_json(accounts.require_account(account_id))
    return Outcome(account, summaries.account(account))


TOOLS = {
    tool.name: tool
    for tool in (
        Tool(
            "search_media",
            "Search the media library",
            "Find images and videos to send in a conversation. The words of `query` are looked for in each file's "
            "name, tags, original filename and description, ignoring case and accents (cafe finds Café); best "
            "matches first (without a query: the newest files). Each file comes with its id, public url, "
            "thumbnail_url and metadata; with `channel`, channel_url is the URL that chat channel can take.",
            _arguments(
                {
                    "query": {"type": ["string", "null"], "maxLength": QUERY_MAX},
                    "type": {"type": ["string", "null"], "enum": ["image", "video", None]},
                    "channel": CHANNEL,
                    "tag": {"type": ["string", "null"], "maxLength": TAG_MAX, "description": "Only files with it."},
                    "limit": {
                        "type": ["integer", "null"],
                        "minimum": 1,
                        "maximum": search.LIMIT_MAX,
                        "default": search.LIMIT_DEFAULT,
                    },
                }
            ),
            schemas.search_result,
            READ_ONLY,
            search_media,
        ),
        Tool(
            "get_media",
            "Get a media file",
            "One file by id, every field: url, type, size, dimensions, duration. With `channel`, channel_url is "
            "the URL to send on that chat channel. With include_thumbnail: true, the file's thumbnail comes back "
            "as an image, so you can look at it before sending it.",
            _arguments(
                {"id": ID, "channel": CHANNEL, "include_thumbnail": {"type": ["boolean", "null"], "default": False}},
                "id",
            ),
            schemas.media_file_for_channel,
            READ_ONLY,
            get_media,
        ),
        Tool(
            "describe_media",
            "Describe a media file",
            "Set a file's description (alt text for people and agents, up to 1,000 characters; null clears it) "
            "and its tags (up to 20, each 1 to 40 letters, digits, spaces, - or _; stored lower-case; they "
            "replace the file's tags). Either or both.",
            _arguments(
                {
                    "id": ID,
                    "description": {"type": ["string", "null"], "maxLength": DESCRIPTION_MAX},
                    "tags": {
                        "type": "array",
                        "maxItems": TAGS_MAX,
                        "items": {"type": "string", "minLength": 1, "maxLength": TAG_MAX},
                    },
                },
                "id",
            ),
            schemas.media_file,
            EDITS,
            describe_media,
        ),
        Tool(
            "rename_media",
            "Rename a media file",
            "Give a file a new display name (1 to 255 characters). Only the name changes; its url stays the same.",
            _arguments({"id": ID, "name": {"type": "string", "minLength": 1, "maxLength": 255}}, "id", "name"),
            schemas.media_file,
            EDITS,
            rename_media,
        ),
        Tool(
            "delete_media",
            "Delete a media file",
            "Delete a file for good: its record, its stored bytes and its thumbnail; its url stops working. "
            "Files an administrator uploaded cannot be deleted. Ask the user first.",
            _arguments({"id": ID}, "id"),
            schemas.deleted,
            DELETES,
            delete_media,
        ),
        Tool(
            "get_account",
            "Get the account",
            "The account's plan and usage: files used and remaining, bytes stored, and the upload limits.",
            _arguments({}),
            schemas.account,
            READ_ONLY,
            get_account,
        ),
    )
}


def list_tools() -> list[dict[str, Any]]:
    return [tool.definition() for tool in TOOLS.values()]


def call_tool(account_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """A tools/call result; RpcError(INVALID_PARAMS) for a tool that does not exist."""
    tool = TOOLS.get(name)
    if tool is None:
        raise RpcError(INVALID_PARAMS, f"Unknown tool: {name}. tools/list names the six tools.")
    try:
        outcome = tool.run(account_id, check_arguments(name, tool.input_schema, arguments))
    except MediaError as error:
        answer = edge.answer_error(error)
        if answer.status >= 500:
            raise  # not the call's fault: the edge answers 5xx (and Retry-After) as on every route
        return {"content": [{"type": "text", "text": json.dumps(answer.body, ensure_ascii=False)}], "isError": True}
    images = [
        {"type": "image", "data": base64.b64encode(p.data).decode("ascii"), "mimeType": p.mime_type}
        for p in outcome.previews
    ]
    return {
        "content": [{"type": "text", "text": outcome.summary}, *images],
        "structuredContent": outcome.structured,
        "isError": False,
    }
