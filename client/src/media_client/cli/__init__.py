"""The `media` command: the Media API from a terminal or a script.

Exit codes: 0 done, 1 API or network failure, 2 usage (bad arguments, no API key).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from media_client import __version__
from media_client._retry import RetryPolicy
from media_client.cli import _output as out
from media_client.cli._upload import Batch, progress_display
from media_client.client import API_KEY_ENV, API_URL_ENV, DEFAULT_BASE_URL, Client
from media_client.errors import MediaAPIError, MissingApiKey

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
MISSING_KEY_HINT = f"Error: no API key. Set {API_KEY_ENV} (export {API_KEY_ENV}=sk_live_...) or pass --api-key."


@dataclass(frozen=True)
class Settings:
    api_key: str | None
    base_url: str | None
    retries: int

    def client(self) -> Client:
        return Client(self.api_key, self.base_url, retry=RetryPolicy(max_retries=self.retries))


def api_command(func: F) -> F:
    """Give the command a Client (as ``client``) and turn failures into one line and an exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        settings = click.get_current_context().find_object(Settings)
        assert settings is not None
        as_json = bool(kwargs.get("as_json"))
        try:
            client = settings.client()
        except MissingApiKey:
            click.echo(MISSING_KEY_HINT, err=True)
            raise click.exceptions.Exit(out.EXIT_USAGE) from None
        except ValueError as exc:  # an address that is not http(s)
            click.echo(f"Error: {exc}", err=True)
            raise click.exceptions.Exit(out.EXIT_USAGE) from None
        try:
            with client:
                return func(*args, client=client, **kwargs)
        except MediaAPIError as exc:
            out.fail(exc, as_json)

    return wrapper  # type: ignore[return-value]


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts) instead of text.")


@click.group(
    context_settings=CONTEXT,
    epilog=(
        "Examples:\n\n\b\n"
        f"  export {API_KEY_ENV}=sk_live_...   {API_URL_ENV}=https://media.example.com\n"
        "  media upload launch.mp4 photos/*.jpg\n"
        "  media ls --type video --search launch\n"
        "  media download 42 -o launch.mp4\n"
        "  media ls --json | jq '.[].url'\n"
        "  media mcp                          (MCP tools on stdio, for desktop agents)\n\n"
        "Exit codes: 0 done, 1 API or network failure, 2 usage."
    ),
)
@click.option("--api-key", envvar=API_KEY_ENV, show_envvar=True, help="The account's API key.")
@click.option(
    "--url",
    "base_url",
    envvar=API_URL_ENV,
    show_envvar=True,
    help=f"The server's root, without /api/v1 [default: {DEFAULT_BASE_URL}].",
)
@click.option(
    "--retries", type=click.IntRange(0, 10), default=4, show_default=True, help="Retries of a failed request."
)
@click.version_option(__version__, "-V", "--version", prog_name="media")
@click.pass_context
def cli(ctx: click.Context, api_key: str | None, base_url: str | None, retries: int) -> None:
    """Upload, list, rename, download and delete the images and videos of a Media API account."""
    ctx.obj = Settings(api_key, base_url, retries)


@cli.command("ls", context_settings=CONTEXT)
@click.option("--type", "file_type", type=click.Choice(["image", "video"]), help="Only images or only videos.")
@click.option("--search", metavar="TEXT", help="Part of the name or original name (any case, any accents).")
@click.option("--tag", metavar="TAG", help="Only files with this tag.")
@click.option(
    "--channel",
    type=click.Choice(["whatsapp", "messenger", "instagram", "telegram", "web"]),
    help="Only files this chat channel can take now.",
)
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="At most N files (default: all).")
@json_option
@api_command
def list_command(
    client: Client,
    file_type: str | None,
    search: str | None,
    tag: str | None,
    channel: str | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """List files, newest first.

    \b
    Examples:
      media ls
      media ls --type video --search launch --limit 10
      media ls --json > library.json
    """
    per_page = min(limit, 100) if limit else 100
    found = client.iter_media(type=file_type, search=search, per_page=per_page, tag=tag, channel=channel)
    items = list(itertools.islice(found, limit))
    if as_json:
        out.print_json([media.to_dict() for media in items])
    elif not items:
        click.echo("No files.")
    else:
        console = out.stdout()
        console.print(out.media_table(items, console.width))


@cli.command("upload", context_settings=CONTEXT)
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", help="Display name (one file only; default: the file's name).")
@click.option("--parallel", type=click.IntRange(1, 8), default=3, show_default=True, help="Files sent at once.")
@json_option
@api_command
def upload_command(client: Client, files: tuple[Path, ...], name: str | None, parallel: int, as_json: bool) -> None:
    """Upload images and videos of any allowed size, with progress bars.

    Prints each new file's id and URL; exits 1 if any file failed, naming it and why.

    \b
    Examples:
      media upload launch.mp4 --name "Launch video"
      media upload photos/*.jpg clips/*.mp4
      media upload big.mp4 --json | jq '.[0].media.url'
    """
    if name is not None and len(files) > 1:
        raise click.UsageError("--name names one file; upload the others separately.")
    console = out.stderr()
    with progress_display(console, enabled=console.is_terminal and not as_json) as progress:
        outcomes, interrupted = Batch(client, list(files), name, progress).run(parallel)
    failed = [o for o in outcomes if o.error is not None]
    if as_json:
        out.print_json([o.to_dict() for o in outcomes])
    else:
        for outcome in outcomes:
            if outcome.media is not None:
                click.echo(f"{outcome.media.id}\t{outcome.media.url}\t{outcome.path}")
        for outcome in failed:
            assert outcome.error is not None
            click.echo(f"Failed: {outcome.path}: {out.error_line(outcome.error)}", err=True)
        if len(files) > 1 or interrupted:
            summary = f"{len(outcomes) - len(failed)} uploaded, {len(failed)} failed"
            if interrupted:
                summary += f", {len(files) - len(outcomes)} not uploaded (interrupted)"
            click.echo(summary, err=True)
    if failed or interrupted:
        raise click.exceptions.Exit(out.EXIT_FAILED)


@cli.command("get", context_settings=CONTEXT)
@click.argument("media_id", metavar="ID", type=int)
@json_option
@api_command
def get_command(client: Client, media_id: int, as_json: bool) -> None:
    """Show one file.

    \b
    Examples:
      media get 42
      media get 42 --json | jq -r .url
    """
    media = client.get(media_id)
    if as_json:
        out.print_json(media.to_dict())
    else:
        click.echo(out.media_details(media))


@cli.command("rename", context_settings=CONTEXT)
@click.argument("media_id", metavar="ID", type=int)
@click.argument("name")
@json_option
@api_command
def rename_command(client: Client, media_id: int, name: str, as_json: bool) -> None:
    """Give a file a new display name.

    \b
    Examples:
      media rename 42 "Launch video v2"
    """
    media = client.rename(media_id, name)
    if as_json:
        out.print_json(media.to_dict())
    else:
        click.echo(f"Renamed {media.id}: {media.name}")


@cli.command("describe", context_settings=CONTEXT)
@click.argument("media_id", metavar="ID", type=int)
@click.option("--description", "-d", help="Alt text for people and agents (up to 1,000 characters).")
@click.option("--tag", "-t", "tags", multiple=True, help="A tag (repeat for several); replaces the file's tags.")
@click.option("--clear-description", is_flag=True, help="Remove the description.")
@click.option("--clear-tags", is_flag=True, help="Remove every tag.")
@json_option
@api_command
def describe_command(
    client: Client,
    media_id: int,
    description: str | None,
    tags: tuple[str, ...],
    clear_description: bool,
    clear_tags: bool,
    as_json: bool,
) -> None:
    """Set a file's description and tags (what is not given stays).

    \b
    Examples:
      media describe 42 --description "The café terrace at night" --tag cafe --tag night
      media describe 42 --clear-tags
    """
    if description is not None and clear_description:
        raise click.UsageError("Give --description or --clear-description, not both.")
    if tags and clear_tags:
        raise click.UsageError("Give --tag or --clear-tags, not both.")
    if description is None and not clear_description and not tags and not clear_tags:
        raise click.UsageError("Give --description, --tag, --clear-description or --clear-tags.")
    changes: dict[str, Any] = {}
    if description is not None or clear_description:
        changes["description"] = None if clear_description else description
    if tags or clear_tags:
        changes["tags"] = [] if clear_tags else list(tags)
    media = client.describe(media_id, **changes)
    if as_json:
        out.print_json(media.to_dict())
    else:
        out.stdout().print(out.media_details(media))


@cli.command("rm", context_settings=CONTEXT)
@click.argument("media_ids", metavar="ID...", nargs=-1, required=True, type=int)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@json_option
@api_command
def remove_command(client: Client, media_ids: tuple[int, ...], yes: bool, as_json: bool) -> None:
    """Delete files (asks first unless --yes).

    \b
    Answering no deletes nothing and exits 0.

    \b
    Examples:
      media rm 42
      media rm 42 43 44 --yes
    """
    ids = list(dict.fromkeys(media_ids))
    if not yes and not click.confirm(f"Delete {len(ids)} file(s): {', '.join(map(str, ids))}?", err=True):
        # Declining is an answer, not a failure: exit 1 is for the API or the network.
        if as_json:
            out.print_json([])
        click.echo("Nothing was deleted.", err=True)
        return
    results: list[dict[str, Any]] = []
    for media_id in ids:
        try:
            client.delete(media_id)
        except MediaAPIError as exc:
            results.append({"id": media_id, "deleted": False, "error": exc.to_dict()})
            if not as_json:
                click.echo(f"Failed: {media_id}: {out.error_line(exc)}", err=True)
            continue
        results.append({"id": media_id, "deleted": True})
        if not as_json:
            click.echo(f"Deleted {media_id}")
    if as_json:
        out.print_json(results)
    if any(not r["deleted"] for r in results):
        raise click.exceptions.Exit(out.EXIT_FAILED)


@cli.command("download", context_settings=CONTEXT)
@click.argument("media_id", metavar="ID", type=int)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Where to save it (a file or a directory; replaced if it exists). Default: ./ORIGINAL_NAME, never replaced.",
)
@json_option
@api_command
def download_command(client: Client, media_id: int, output: Path | None, as_json: bool) -> None:
    """Save a file's bytes.

    \b
    Examples:
      media download 42
      media download 42 -o launch.mp4
      media download 42 -o ~/Downloads/
    """
    media = client.get(media_id)
    if output is None:
        output = Path(Path(media.original_name).name or f"media-{media.id}.{media.extension}")
        if output.exists():
            raise click.UsageError(f"{output} already exists; pass -o PATH to choose where to save.")
    console = out.stderr()
    with progress_display(console, enabled=console.is_terminal and not as_json) as progress:
        task = progress.add_task(media.name, total=media.file_size)
        saved = client.download(
            media.id, output, progress=lambda sent, total: progress.update(task, completed=sent, total=total)
        )
    if as_json:
        out.print_json({"id": media.id, "path": str(saved), "bytes": saved.stat().st_size})
    else:
        click.echo(f"Saved {media.id} to {saved} ({media.formatted_size})")


@cli.command("usage", context_settings=CONTEXT)
@json_option
@api_command
def usage_command(client: Client, as_json: bool) -> None:
    """Show the account's usage, plan and upload limits.

    \b
    Examples:
      media usage
      media usage --json | jq .remaining
    """
    account = client.account()
    if as_json:
        out.print_json(account.to_dict())
    else:
        click.echo(out.account_details(account))


def _add_mcp() -> None:
    from media_client.cli._mcp import mcp_command

    cli.add_command(mcp_command)


_add_mcp()


def main() -> None:
    """Console script entry point."""
    cli(prog_name="media")


__all__ = ["cli", "main"]
