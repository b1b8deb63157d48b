"""`media mcp` on stdio, driven by the official SDK's stdio client as a desktop agent runs it: the command
with MEDIA_API_KEY and MEDIA_API_URL in its environment, the tools the server defines, over the HTTP API."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pytest
from mcp import ClientSession, MCPError, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp_types import TextContent

from tests.client.conftest import Stack, Tenant, png_file
from tests.helpers.servers import closed_port_url

pytestmark = pytest.mark.slow(seconds=3)

T = TypeVar("T")
MEDIA = str(Path(sys.executable).parent / "media")


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    return anyio.run(scenario)


@asynccontextmanager
async def media_mcp(env: dict[str, str], log_path: Path, *options: str) -> AsyncIterator[ClientSession]:
    """`media [options] mcp` started by the SDK, as a desktop agent's mcpServers entry starts it
    (its stderr kept in ``log_path``)."""
    server = StdioServerParameters(command=MEDIA, args=[*options, "mcp"], env=env)
    with log_path.open("w") as log:
        async with stdio_client(server, errlog=log) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            yield session


def agent_env(stack: Stack, tenant: Tenant) -> dict[str, str]:
    return {"MEDIA_API_KEY": tenant.api_key, "MEDIA_API_URL": stack.api_url}


def test_the_sdk_lists_the_six_tools_over_stdio_and_calls_them(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    with stack.client(tenant) as client:
        hero = client.upload(png_file(tmp_path / "hero.png"), name="Hero").id
        spare = client.upload(png_file(tmp_path / "spare.png"), name="Spare").id

    async def scenario() -> dict[str, Any]:
        async with media_mcp(agent_env(stack, tenant), tmp_path / "stderr.log") as session:
            return {
                "tools": [tool.name for tool in (await session.list_tools()).tools],
                "search": await session.call_tool("search_media", {"query": "her"}),
                "get": await session.call_tool("get_media", {"id": hero, "channel": "whatsapp"}),
                "rename": await session.call_tool("rename_media", {"id": hero, "name": "Hero v2"}),
                "describe": await session.call_tool("describe_media", {"id": hero, "tags": ["summer"]}),
                "delete": await session.call_tool("delete_media", {"id": spare}),
                "again": await session.call_tool("delete_media", {"id": spare}),
                "account": await session.call_tool("get_account", {}),
                "version": session.protocol_version,
            }

    seen = run(scenario)
    assert sorted(seen["tools"]) == sorted(
        ["search_media", "get_media", "describe_media", "rename_media", "delete_media", "get_account"]
    )
    assert seen["version"] == "2025-11-25"
    assert [f["id"] for f in seen["search"].structured_content["files"]] == [hero]
    assert seen["get"].structured_content["channel_url"] == seen["get"].structured_content["url"]
    assert seen["rename"].structured_content["name"] == "Hero v2"
    assert seen["describe"].structured_content["tags"] == ["summer"]
    assert seen["delete"].structured_content == {"id": spare, "deleted": True}
    again = seen["again"].content[0]
    assert seen["again"].is_error is True and isinstance(again, TextContent) and "not_found" in again.text
    assert seen["account"].structured_content["usage"]["files"] == 1
    assert "tools of " in (tmp_path / "stderr.log").read_text()  # logs on stderr, never on stdout


def test_a_bad_key_is_a_json_rpc_error_naming_the_api_s_refusal(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    env = {**agent_env(stack, tenant), "MEDIA_API_KEY": "sk_live_" + "x" * 43}

    async def scenario() -> None:
        async with media_mcp(env, tmp_path / "stderr.log"):
            raise AssertionError("initialized with a bad key")

    matcher = pytest.RaisesExc(
        MCPError, check=lambda e: e.error.code == -32010 and "Invalid API key" in e.error.message
    )
    with pytest.RaisesGroup(matcher, flatten_subgroups=True):
        run(scenario)


def test_an_unreachable_api_is_a_json_rpc_error_not_a_hang(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    env = {**agent_env(stack, tenant), "MEDIA_API_URL": closed_port_url()}

    async def scenario() -> None:
        async with media_mcp(env, tmp_path / "stderr.log", "--retries", "0"):
            raise AssertionError("initialized without a server")

    matcher = pytest.RaisesExc(
        MCPError, check=lambda e: e.error.code == -32011 and "could not be reached" in e.error.message
    )
    with pytest.RaisesGroup(matcher, flatten_subgroups=True):
        run(scenario)


def test_its_help_shows_a_desktop_agent_s_configuration() -> None:
    from click.testing import CliRunner

    from media_client.cli import cli

    shown = CliRunner().invoke(cli, ["mcp", "--help"])
    assert shown.exit_code == 0
    assert "Examples:" in shown.stdout and '"mcpServers"' in shown.stdout and '"args": ["mcp"]' in shown.stdout


def test_without_a_key_media_mcp_says_so_and_exits_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [MEDIA, "mcp"], input=b"", capture_output=True, timeout=60, env={"PATH": str(Path(sys.executable).parent)}
    )
    assert done.returncode == 2
    assert b"MEDIA_API_KEY" in done.stderr and done.stdout == b""
