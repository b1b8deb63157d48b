"""Ops CLI of the Media API: accounts, API keys, admin uploads, the local stack.

    .venv/bin/python manage.py --help
    .venv/bin/python manage.py serve                       # what `make run` runs
    .venv/bin/python manage.py accounts create --name Acme # acts on the running local stack
    .venv/bin/python manage.py --stage prod keys list acc123

Without --stage every command except ``serve`` acts on the local stack started
by ``make run`` in this checkout (found through .data/stack.json) and refuses
to run when there is none. Exit codes: 0 done, 1 the operation failed
(message on stderr), 2 usage error or nothing to act on.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from ops import deploy_cli, redrive_cli
from ops.cli import Target, emit, json_option, operation


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--stage",
    metavar="STAGE",
    help="Act on a deployed stage (environment from .chalice/config.json + AWS credentials) "
    "instead of the running local stack.",
)
@click.pass_context
def cli(ctx: click.Context, stage: str | None) -> None:
    """Media API operations: accounts, keys, admin uploads and the local stack."""
    ctx.obj = Target(stage)


# -- accounts ----------------------------------------------------------------


@cli.group()
def accounts() -> None:
    """Create accounts and set their plan limits."""


def _account_text(data: dict[str, Any]) -> str:
    limit = "unlimited" if data["media_limit"] is None else data["media_limit"]
    return (
        f"Account {data['account_id']} ({data['name']}): limit {limit}, "
        f"{data['media_count']} files ({data['image_count']} images, {data['video_count']} videos), "
        f"{data['bytes_used']} bytes"
    )


@accounts.command("create")
@click.option("--name", required=True, help="Display name of the account.")
@click.option("--media-limit", type=click.IntRange(min=0), help="Plan limit (number of files); default unlimited.")
@json_option
@operation
def accounts_create(name: str, media_limit: int | None, as_json: bool) -> None:
    """Create an account and its first API key (the key is shown once)."""
    from chalicelib import accounts as library

    account, issued = library.create_account(name, media_limit)
    data = {"account_id": account.account_id, "api_key": issued.api_key}
    text = (
        f"Created account {account.account_id} ({account.name}).\nAPI key (shown once, store it now): {issued.api_key}"
    )
    emit(data, as_json, text)


def parse_limit(raw: str) -> int | None:
    value = raw.strip().lower()
    if value in ("none", "unlimited"):
        return None
    try:
        limit = int(value)
    except ValueError:
        raise click.BadParameter(f"{raw!r} is not a number or 'none'.", param_hint="LIMIT") from None
    if limit < 0:
        raise click.BadParameter("the limit must be 0 or more (or 'none').", param_hint="LIMIT")
    return limit


@accounts.command("set-limit")
@click.argument("account_id")
@click.argument("limit", metavar="N|none")
@json_option
@operation
def accounts_set_limit(account_id: str, limit: str, as_json: bool) -> None:
    """Set an account's media file limit (N files, or none for unlimited)."""
    from chalicelib import accounts as library

    library.set_limit(account_id, parse_limit(limit))
    data = library.account_json(library.require_account(account_id))
    emit(data, as_json, _account_text(data))


# -- keys --------------------------------------------------------------------


@cli.group()
def keys() -> None:
    """Issue, list and revoke API keys."""


@keys.command("issue")
@click.argument("account_id")
@json_option
@operation
def keys_issue(account_id: str, as_json: bool) -> None:
    """Issue a new API key for an account (shown once)."""
    from chalicelib import accounts as library

    issued = library.issue_key(account_id)
    data = {
        "account_id": issued.account_id,
        "api_key": issued.api_key,
        "prefix": issued.prefix,
        "created_at": issued.created_at,
    }
    emit(data, as_json, f"API key for {account_id} (shown once, store it now): {issued.api_key}")


@keys.command("revoke")
@click.argument("key_or_prefix")
@json_option
@operation
def keys_revoke(key_or_prefix: str, as_json: bool) -> None:
    """Revoke a key, given in full or by its 16-character prefix (sk_live_AbCdEfGh)."""
    from chalicelib import auth
    from chalicelib.errors import KeyNotFound

    revoked = auth.revoke(key_or_prefix)
    if not revoked:
        raise KeyNotFound("No active key matches that key or prefix (unknown or already revoked).")
    emit({"revoked": revoked}, as_json, "\n".join(f"Revoked {prefix}" for prefix in revoked))


@keys.command("list")
@click.argument("account_id")
@json_option
@operation
def keys_list(account_id: str, as_json: bool) -> None:
    """List an account's keys (prefixes only: keys are stored hashed)."""
    from chalicelib import accounts as library

    rows = library.list_keys(account_id)
    lines = [
        f"{row['prefix']}...  created {row['created_at']}  "
        + (f"revoked {row['revoked_at']}" if row["revoked_at"] else "active")
        for row in rows
    ]
    emit(rows, as_json, "\n".join(lines) or f"Account {account_id} has no keys.")


# -- media -------------------------------------------------------------------


@cli.group()
def media() -> None:
    """Upload files on an account's behalf."""


@media.command("upload")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option("--account", "account_id", required=True, help="Account that receives the file.")
@click.option("--name", help="Display name (default: the file name).")
@click.option(
    "--as-admin",
    is_flag=True,
    help="Record the file as uploaded by an administrator (clients cannot delete it).",
)
@json_option
@operation
def media_upload(file: Path, account_id: str, name: str | None, as_admin: bool, as_json: bool) -> None:
    """Upload FILE into an account's library and print the MediaFile.

    The bytes are checked like any upload (type sniffed from the content,
    MEDIA_MAX_FILE_SIZE, plan limit); the direct route's request-size cap
    does not apply, there is no API Gateway in between.
    """
    from chalicelib import accounts as library
    from chalicelib import uploads
    from chalicelib.config import get_settings
    from chalicelib.errors import ContentRejected
    from chalicelib.states import Uploader

    library.require_account(account_id)
    limit = get_settings().max_file_size
    size = file.stat().st_size
    if size > limit:  # refuse before reading a huge file into memory
        raise ContentRejected("file_too_large", f"{file.name} is {size} bytes; the limit is {limit} bytes.")
    uploaded_by = Uploader.ADMIN if as_admin else Uploader.CLIENT
    data = uploads.upload_direct(account_id, file.name, file.read_bytes(), name, uploaded_by=uploaded_by)
    text = (
        f"Uploaded {file.name} to {account_id} as media {data['id']} "
        f"({data['mime_type']}, {data['formatted_size']}, by {uploaded_by}): {data['url']}"
    )
    emit(data, as_json, text)


# -- storage -----------------------------------------------------------------


@cli.command()
@click.option(
    "--min-age",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Minutes: younger objects and records are left to their own event or retry.",
)
@json_option
@operation
def reconcile(min_age: int, as_json: bool) -> None:
    """Make storage and records agree: ingest objects whose event was lost, remove
    orphan objects and records whose object is gone, close expired upload sessions."""
    from datetime import timedelta

    from chalicelib import reconcile as library

    report = library.reconcile(min_age=timedelta(minutes=min_age))
    data = report.to_json()
    lines = [f"Checked {report.objects} objects, {report.records} records, {report.sessions} sessions."]
    for label, items in (
        ("ingested", report.ingested),
        ("rejected", report.rejected),
        ("removed orphan object", report.removed_objects),
        ("removed record without object", report.removed_records),
        ("expired session", report.expired_sessions),
        ("error", report.errors),
    ):
        lines += [f"  {label}: {item}" for item in items]
    lines.append(f"Fixed {report.fixed}." if report.fixed else "Nothing to fix.")
    emit(data, as_json, "\n".join(lines))
    if report.errors:
        raise click.exceptions.Exit(1)


# -- local stack -------------------------------------------------------------


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    help="Port of the API (default: $PORT or 8000; 0 picks a free one).",
)
@click.pass_obj
def serve(target: Target, port: int | None) -> None:
    """Run the API locally on an embedded S3 + DynamoDB, data kept in .data/."""
    if target.stage:
        raise click.UsageError("serve runs the local stack; it takes no --stage.")
    if port is None:
        raw = os.environ.get("PORT", "").strip() or "8000"
        if not raw.isdigit() or int(raw) > 65535:
            raise click.UsageError(f"PORT must be a port number, got {raw!r}.")
        port = int(raw)
    from ops import dev_server

    raise click.exceptions.Exit(dev_server.serve(port))


cli.add_command(deploy_cli.bootstrap)
cli.add_command(deploy_cli.post_deploy)
cli.add_command(redrive_cli.ingest)


if __name__ == "__main__":
    cli(prog_name="manage.py")
