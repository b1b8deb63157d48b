"""Ops CLI of the Media API: accounts, API keys, an account's files, storage
checks and the local stack.

    .venv/bin/python manage.py --help
    .venv/bin/python manage.py serve                       # what `make run` runs
    .venv/bin/python manage.py accounts create --name Acme # acts on the running local stack
    .venv/bin/python manage.py --stage prod accounts show acc123

Without --stage every command except ``serve`` acts on the local stack started
by ``make run`` in this checkout (found through .data/stack.json) and refuses
to run when there is none. Exit codes: 0 done, 1 the operation failed
(message on stderr), 2 usage error or nothing to act on (ops/cli.py).

The commands live in ops/: accounts_cli, keys_cli, media_cli (their groups),
deploy_cli (bootstrap, post-deploy), redrive_cli (ingest redrive); this module
holds the group, storage reconciliation and the local server.
"""

from __future__ import annotations

import atexit
import gc
import os

import click

from ops import accounts_cli, deploy_cli, keys_cli, media_cli, redrive_cli
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
    """Media API operations: accounts, keys, an account's files, storage and the local stack.

    Without --stage, commands act on the stack `make run` started in this
    checkout. Every command but serve takes --json. Exit codes: 0 done, 1 failed,
    2 usage or nothing to act on (an unknown account or key).

    \b
    Examples:
      manage.py accounts list
      manage.py accounts show acc0123456789ab --json
      manage.py --stage prod keys revoke sk_live_AbCdEfGh
    """
    ctx.obj = Target(stage)


cli.add_command(accounts_cli.accounts)
cli.add_command(keys_cli.keys)
cli.add_command(media_cli.media)


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
    orphan objects and records whose object is gone, close expired upload sessions.

    Exits with 1 when something could not be fixed. JSON: {"objects",
    "records", "sessions", "ingested", "rejected", "removed_objects",
    "removed_records", "expired_sessions", "thumbnails", "errors", "fixed"}
    (counts, and arrays of strings: storage keys, session ids, error messages).

    \b
    Examples:
      manage.py reconcile
      manage.py --stage prod reconcile --min-age 60 --json
    """
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
        ("thumbnail made", report.thumbnails),
        ("error", report.errors),
    ):
        lines += [f"  {label}: {item}" for item in items]
    lines.append(f"Fixed {report.fixed}." if report.fixed else "Nothing to fix.")
    emit(data, as_json, "\n".join(lines))
    if report.errors:
        raise click.exceptions.Exit(1)


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    help="Port of the API (default: $PORT or 8000; 0 picks a free one).",
)
@click.pass_obj
def serve(target: Target, port: int | None) -> None:
    """Run the API locally on an embedded S3 + DynamoDB, data kept in .data/.

    Prints the API's URL and the demo account's key; Ctrl-C stops it. Other
    commands in this checkout act on it while it runs.

    \b
    Examples:
      manage.py serve
      manage.py serve --port 9000
    """
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
    # Exiting, the interpreter's last garbage collections walk every object still alive (botocore's
    # models, moto's backends...): ~0.8 s after `serve` has stopped. What lives then dies with the
    # process; frozen, it is not walked (the data is saved and the output flushed before).
    atexit.register(gc.freeze)
    cli(prog_name="manage.py")
