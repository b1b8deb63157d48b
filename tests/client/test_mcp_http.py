"""The remote MCP endpoint over real HTTP, driven by the official SDK's client (`mcp` 2.3.0): its Streamable
HTTP transport and ClientSession list the six tools and call each (the SDK checks every structured result
against the tool's outputSchema), with either way of sending the key, for one account only."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import anyio
import httpx
import httpx2
import pytest
from mcp import ClientSession, MCPError
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult, ImageContent, TextContent

from tests.client.conftest import Stack, Tenant, png_file

pytestmark = pytest.mark.slow(seconds=2)

T = TypeVar("T")
TOOLS = {"search_media", "get_media", "describe_media", "rename_media", "delete_media", "get_account"}


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    return anyio.run(scenario)


@asynccontextmanager
async def connected(stack: Stack, headers: dict[str, str]) -> AsyncIterator[ClientSession]:
    """An initialized SDK session with the /mcp endpoint."""
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        streamable_http_client(f"{stack.api_url}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def keyed(tenant: Tenant) -> dict[str, str]:
    return {"X-Api-Key": tenant.api_key}


def text_of(result: CallToolResult) -> str:
    first = result.content[0]
    assert isinstance(first, TextContent)
    return first.text


def upload(stack: Stack, tenant: Tenant, tmp_path: Path, name: str) -> int:
    with stack.client(tenant) as client:
        return client.upload(png_file(tmp_path / f"{name}.png"), name=name).id


def wait_for_thumbnail(stack: Stack, tenant: Tenant, media_id: int) -> None:
    """The thumbnail is made by the storage event, off the request path."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        got = httpx.get(f"{stack.api_url}/api/v1/media/{media_id}", headers=keyed(tenant)).json()
        if got["thumbnail_url"]:
            return
        time.sleep(0.05)
    raise AssertionError("no thumbnail within 30 s")


def test_the_sdk_lists_the_six_tools_and_calls_each(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    hero = upload(stack, tenant, tmp_path, "Hero shot")
    other = upload(stack, tenant, tmp_path, "Banner")
    wait_for_thumbnail(stack, tenant, hero)

    async def scenario() -> dict[str, Any]:
        async with connected(stack, keyed(tenant)) as session:
            listed = await session.list_tools()
            seen: dict[str, Any] = {"tools": {tool.name: tool for tool in listed.tools}}
            seen["search"] = await session.call_tool("search_media", {"query": "hero"})
            seen["get"] = await session.call_tool("get_media", {"id": hero, "include_thumbnail": True})
            seen["rename"] = await session.call_tool("rename_media", {"id": hero, "name": "Hero v2"})
            seen["describe"] = await session.call_tool("describe_media", {"id": hero, "description": "A hero"})
            seen["delete"] = await session.call_tool("delete_media", {"id": other})
            seen["account"] = await session.call_tool("get_account", {})
            seen["version"] = session.protocol_version
            return seen

    seen = run(scenario)
    tools = seen["tools"]
    assert set(tools) == TOOLS
    assert tools["search_media"].annotations.read_only_hint is True
    assert tools["delete_media"].annotations.destructive_hint is True
    assert tools["get_media"].output_schema["properties"]["channel_url"]
    assert seen["version"] == "2025-11-25"
    assert [f["id"] for f in seen["search"].structured_content["files"]] == [hero]
    got = seen["get"]
    assert got.structured_content["id"] == hero and got.structured_content["thumbnail_url"]
    image = got.content[1]
    assert isinstance(image, ImageContent) and image.mime_type == "image/webp" and image.data
    assert seen["rename"].structured_content["name"] == "Hero v2"
    assert seen["describe"].structured_content["description"] == "A hero"
    assert seen["delete"].structured_content == {"id": other, "deleted": True}
    assert seen["account"].structured_content["usage"]["files"] == 1
    files = httpx.get(f"{stack.api_url}/api/v1/media", headers=keyed(tenant)).json()["data"]
    assert [(f["id"], f["name"]) for f in files] == [(hero, "Hero v2")]


def test_the_key_works_as_a_bearer_token(stack: Stack, tenant: Tenant) -> None:
    async def scenario() -> str:
        async with connected(stack, {"Authorization": f"Bearer {tenant.api_key}"}) as session:
            account = await session.call_tool("get_account", {})
            return str(account.structured_content["name"])

    assert run(scenario) == "Tenant"


def test_a_bad_key_is_a_401_and_no_session_starts(stack: Stack) -> None:
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    for headers in ({}, {"X-Api-Key": "sk_live_" + "x" * 43}, {"Authorization": "Bearer nope"}):
        answer = httpx.post(f"{stack.api_url}/mcp", json=message, headers=headers)
        assert answer.status_code == 401 and answer.json()["code"] == "unauthenticated"

    async def scenario() -> None:
        async with connected(stack, {"X-Api-Key": "sk_live_" + "x" * 43}):
            raise AssertionError("initialized with a bad key")

    # The SDK's task groups wrap what the transport raised.
    with pytest.RaisesGroup(pytest.RaisesExc(MCPError, match="error response"), flatten_subgroups=True):
        run(scenario)


def test_two_accounts_never_see_each_other_through_any_tool(stack: Stack, tmp_path: Path) -> None:
    owner, stranger = stack.new_tenant("Owner"), stack.new_tenant("Stranger")
    ids = [upload(stack, owner, tmp_path, name) for name in ("one", "two", "secret")]
    admin = stack.admin_upload(owner, "logo.png", png_file(tmp_path / "logo.png").read_bytes())
    own = upload(stack, stranger, tmp_path, "mine")

    async def scenario() -> list[CallToolResult]:
        async with connected(stack, keyed(stranger)) as session:
            return [
                await session.call_tool("search_media", {}),
                await session.call_tool("search_media", {"query": "secret"}),
                await session.call_tool("get_media", {"id": ids[2], "include_thumbnail": True}),
                await session.call_tool("rename_media", {"id": ids[2], "name": "mine now"}),
                await session.call_tool("describe_media", {"id": ids[2], "tags": ["x"]}),
                await session.call_tool("delete_media", {"id": ids[2]}),
                await session.call_tool("delete_media", {"id": admin}),
                await session.call_tool("get_account", {}),
            ]

    listed, searched, *refused, account = run(scenario)
    assert [f["id"] for f in listed.structured_content["files"]] == [own]
    assert searched.structured_content["files"] == []
    for result in refused:
        assert result.is_error is True and '"code": "not_found"' in text_of(result), text_of(result)
    assert account.structured_content["usage"]["files"] == 1
    with stack.client(owner) as client:
        assert [m.name for m in client.iter_media()] == ["logo.png", "secret", "two", "one"]


def test_tool_failures_are_is_error_results_in_the_api_s_words(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    admin = stack.admin_upload(tenant, "logo.png", png_file(tmp_path / "logo.png").read_bytes())

    async def scenario() -> list[CallToolResult]:
        async with connected(stack, keyed(tenant)) as session:
            return [
                await session.call_tool("get_media", {"id": 404}),
                await session.call_tool("delete_media", {"id": admin}),
                await session.call_tool("search_media", {"limit": 51, "type": "audio"}),
                await session.call_tool("get_media", {"id": "abc"}),
                await session.call_tool("search_media", {"query": "q" * 10_000}),
            ]

    missing, admin_file, bad_search, bad_id, long_query = run(scenario)
    assert all(r.is_error for r in (missing, admin_file, bad_search, bad_id, long_query))
    assert "Media file not found." in text_of(missing)
    assert '"code": "admin_file"' in text_of(admin_file)
    assert '"limit"' in text_of(bad_search) and '"type"' in text_of(bad_search)
    assert '"id": ["The id field must be an integer."]' in text_of(bad_id)
    assert '"query"' in text_of(long_query)


def test_protocol_errors_are_json_rpc_errors_never_5xx(stack: Stack, tenant: Tenant) -> None:
    url, headers = f"{stack.api_url}/mcp", {**keyed(tenant), "Content-Type": "application/json"}
    bad_json = httpx.post(url, content=b'{"jsonrpc": "2.0", "id": 1, "method":', headers=headers)
    assert bad_json.status_code == 400 and bad_json.json()["error"]["code"] == -32700
    not_rpc = httpx.post(url, json={"id": 1, "method": "ping"}, headers=headers)
    assert not_rpc.status_code == 400 and not_rpc.json()["error"]["code"] == -32600
    assert httpx.get(url, headers=keyed(tenant)).status_code == 405

    async def scenario() -> MCPError:
        async with connected(stack, keyed(tenant)) as session:
            with pytest.raises(MCPError) as failure:
                await session.list_prompts()  # this server offers tools only
            await session.send_ping()  # and the session goes on
            return failure.value

    assert run(scenario).error.code == -32601


def test_the_sdk_s_auto_client_falls_back_from_its_2026_probe_to_initialize(stack: Stack, tenant: Tenant) -> None:
    """The SDK's Client probes `server/discover` at protocol 2026-07-28 first; the 400 (-32022) naming the
    versions served sends it to the handshake."""
    from mcp import Client

    async def scenario() -> tuple[str | None, int]:
        async with httpx2.AsyncClient(headers=keyed(tenant), timeout=30) as http:
            async with Client(streamable_http_client(f"{stack.api_url}/mcp", http_client=http)) as client:
                tools = await client.list_tools()
                return client.session.protocol_version, len(tools.tools)

    assert run(scenario) == ("2025-11-25", 6)
