"""manage.py's `ingest` commands: replay the events that failed after their retries."""

from __future__ import annotations

from typing import Any

import click

from ops import targets
from ops.cli import Target, emit, fail, json_option


@click.group()
def ingest() -> None:
    """The bucket's events that failed after Lambda's retries (the failed-event queue).

    \b
    Examples:
      manage.py ingest redrive --dry-run
      manage.py --stage prod ingest redrive --json
    """


def _queue(target: Target) -> tuple[Any, str]:
    """(SQS client, queue URL) of the target's failed-event queue."""
    import boto3

    from chalicelib.config import get_settings
    from ops.iam import failure_queue_name
    from ops.snapshot import local_session

    if target.stage:
        targets.use_stage(target.stage)
        sqs = boto3.client("sqs", region_name=get_settings().function_region)
    else:
        running = targets.use_local_stack()
        # The stack's own credentials, named: a default session made earlier in the process
        # keeps whatever the environment held then, which the stack refuses.
        sqs = local_session().client("sqs", endpoint_url=str(running["moto_url"]))
    name = failure_queue_name(target.stage or "local")
    try:
        return sqs, str(sqs.get_queue_url(QueueName=name)["QueueUrl"])
    except sqs.exceptions.QueueDoesNotExist:
        raise targets.TargetUnavailable(f"There is no queue {name}: deploy the stage (or start `make run`).") from None


@ingest.command()
@click.option("--dry-run", is_flag=True, help="List what would be replayed; change nothing.")
@json_option
def redrive(dry_run: bool, as_json: bool) -> None:
    """Replay the failed events: ingest their staged uploads, make their thumbnails.

    \b
    Examples:
      manage.py ingest redrive --dry-run        # what waits in the local stack's queue
      manage.py --stage prod ingest redrive     # replay a stage's

    Exit codes: 0 all replayed, 1 some failed again (they stay queued),
    2 nothing to replay or no such queue.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from ops.redrive import redrive as replay

    target = click.get_current_context().find_object(Target)
    assert target is not None
    try:
        sqs, url = _queue(target)
        replayed = replay(sqs, url, dry_run=dry_run)
    except targets.TargetUnavailable as exc:
        fail(str(exc), 2)
    except (ClientError, BotoCoreError) as exc:
        fail(f"AWS refused or could not be reached: {exc}")
    lines = [f"{r.outcome:<13} {', '.join(r.keys) or '-'}" + (f"  ({r.detail})" if r.detail else "") for r in replayed]
    emit([r.to_json() for r in replayed], as_json, "\n".join(lines) or "The failed-event queue is empty.")
    if not replayed:
        raise click.exceptions.Exit(2)
    if any(r.outcome in ("failed", "unknown") for r in replayed):
        raise click.exceptions.Exit(1)
