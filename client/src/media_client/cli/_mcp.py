"""`media mcp`: the library's MCP tools on stdio, for a desktop agent's one line of configuration."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from media_client._mcp_bridge import serve
from media_client.cli import _output as out
from media_client.client import API_KEY_ENV, API_URL_ENV
from media_client.errors import MissingApiKey

if TYPE_CHECKING:
    from media_client.cli import Settings


@click.command(
    "mcp",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=(
        "A desktop agent's configuration (Claude Desktop's claude_desktop_config.json, and the like):\n\n\b\n"
        '  {"mcpServers": {"media": {"command": "media", "args": ["mcp"],\n'
        f'    "env": {{"{API_KEY_ENV}": "sk_live_...", "{API_URL_ENV}": "https://media.example.com"}}}}}}}}'
    ),
)
@click.pass_context
def mcp_command(ctx: click.Context) -> None:
    """Serve the library as MCP tools on stdin/stdout, for desktop agents.

    The tools are the server's own (search_media, get_media, describe_media, rename_media, delete_media,
    get_account): each message is forwarded to the server's /mcp endpoint with the API key. Log lines go
    to stderr; stdout carries the protocol only.

    \b
    Examples:
      MEDIA_API_KEY=sk_live_... MEDIA_API_URL=https://media.example.com media mcp
      media --retries 2 mcp
    """
    settings: Settings = ctx.find_root().obj
    try:
        client = settings.client()
    except MissingApiKey:
        click.echo(f"Error: no API key. Set {API_KEY_ENV} in the agent's configuration (env).", err=True)
        raise click.exceptions.Exit(out.EXIT_USAGE) from None
    except ValueError as exc:  # an address that is not http(s)
        click.echo(f"Error: {exc}", err=True)
        raise click.exceptions.Exit(out.EXIT_USAGE) from None
    try:
        serve(client, sys.stdin.buffer, sys.stdout.buffer, sys.stderr)
    except KeyboardInterrupt:
        pass
