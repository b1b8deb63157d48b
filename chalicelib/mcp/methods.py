"""The MCP methods this server answers: ``initialize``, ``ping``, ``tools/list`` and ``tools/call``.

The server offers tools only (no resources, prompts, logging or completions), so
every other method is "method not found". There is no session: a request is
answered from itself and the account of its key, whatever came before it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.mcp import schemas, tools
from chalicelib.mcp.wire import INVALID_PARAMS, METHOD_NOT_FOUND, Request, RpcError

#: The protocol revisions served, newest first: each has Streamable HTTP and tool annotations;
#: structured tool results and output schemas arrived in 2025-06-18 (older clients ignore them).
SUPPORTED_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26")
LATEST_VERSION = SUPPORTED_VERSIONS[0]
SERVER_NAME = "media-api"
INSTRUCTIONS = (
    "A library of images and videos that belongs to one account. Use search_media to find files (words of "
    "their name, tags, filename or description; without a query, the newest), get_media to read one "
    "(include_thumbnail: true to see it), then send "
    "the file's url in the conversation, or its channel_url when you pass the chat channel you are on. "
    "rename_media, describe_media and delete_media change the library: ask the user before deleting."
)


def _params_problem(params: dict[str, Any], field: str, kind: type, what: str) -> str | None:
    value = params.get(field)
    return None if isinstance(value, kind) and not isinstance(value, bool) else f"params.{field} must be {what}"


def initialize(account_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """Version negotiation: the client's version when we speak it, else our latest (the client
    then decides whether it can go on)."""
    problems = [
        _params_problem(params, "protocolVersion", str, "a string"),
        _params_problem(params, "capabilities", dict, "an object"),
        _params_problem(params, "clientInfo", dict, "an object with a name and a version"),
    ]
    client = params.get("clientInfo")
    if isinstance(client, dict) and not all(isinstance(client.get(k), str) for k in ("name", "version")):
        problems.append("params.clientInfo must be an object with a name and a version")
    found = [p for p in problems if p]
    if found:
        raise RpcError(INVALID_PARAMS, f"Invalid params: {'; '.join(found)}.")
    requested = params["protocolVersion"]
    return {
        "protocolVersion": requested if requested in SUPPORTED_VERSIONS else LATEST_VERSION,
        "capabilities": {"tools": {"listChanged": False}},
        "serverInfo": {"name": SERVER_NAME, "title": "Media API", "version": schemas.server_version()},
        "instructions": INSTRUCTIONS,
    }


def ping(account_id: str, params: dict[str, Any]) -> dict[str, Any]:
    return {}


def list_tools(account_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """Every tool in one page (six tools: no cursor)."""
    return {"tools": tools.list_tools()}


def call_tool(account_id: str, params: dict[str, Any]) -> dict[str, Any]:
    name, arguments = params.get("name"), params.get("arguments")
    if not isinstance(name, str):
        raise RpcError(INVALID_PARAMS, "Invalid params: params.name must be the name of a tool (a string).")
    if arguments is not None and not isinstance(arguments, dict):
        raise RpcError(INVALID_PARAMS, "Invalid params: params.arguments must be an object.")
    return tools.call_tool(account_id, name, arguments or {})


METHODS: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
    "initialize": initialize,
    "ping": ping,
    "tools/list": list_tools,
    "tools/call": call_tool,
}


def answer_request(account_id: str, request: Request) -> dict[str, Any]:
    """The result of ``request``, or RpcError carrying its id."""
    method = METHODS.get(request.method)
    try:
        if method is None:
            raise RpcError(METHOD_NOT_FOUND, f"Method not found: {request.method}. This server offers tools only.")
        return method(account_id, request.params)
    except RpcError as failure:
        failure.request_id = request.id
        raise
