"""manage.py's deployment commands (docs/deploy.md): bootstrap and post-deploy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ops import targets
from ops.cli import Target, emit, fail, json_option

stage_option = click.option(
    "--stage", "stage_name", metavar="STAGE", help="The stage in .chalice/config.json (or the global --stage)."
)


def deploy_step(run: Callable[[str], list[Any]], stage_name: str | None, as_json: bool) -> None:
    """Run a deployment step on a stage's AWS resources and print what it did."""
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib.errors import MediaError
    from ops.bootstrap import BootstrapError

    target = click.get_current_context().find_object(Target)
    stage = stage_name or (target.stage if target else None)
    if not stage:
        raise click.UsageError("Name the stage: --stage dev (stages are in .chalice/config.json).")
    try:
        targets.use_stage(stage)
        steps = run(stage)
    except targets.TargetUnavailable as exc:
        fail(str(exc), 2)
    except BootstrapError as exc:
        fail(str(exc))
    except MediaError as exc:
        fail(exc.message)
    except (ClientError, BotoCoreError) as exc:
        fail(f"AWS refused or could not be reached: {exc}")
    width = max((len(step.outcome) for step in steps), default=0)
    text = "\n".join(
        f"{step.outcome:<{width}}  {step.resource}" + (f" ({step.detail})" if step.detail else "") for step in steps
    )
    emit({"stage": stage, "steps": [step.to_json() for step in steps]}, as_json, text)


@click.command()
@stage_option
@click.option(
    "--secret-only",
    is_flag=True,
    help="Only create the cursor secret (the CloudFormation path: the stack owns tables and bucket).",
)
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where .chalice/config.json and deploy/iam/ are written (default: this checkout).",
)
@json_option
def bootstrap(stage_name: str | None, secret_only: bool, project_dir: Path | None, as_json: bool) -> None:
    """Create a stage's tables, bucket, delivery network, queues, worker layer and cursor
    secret before `chalice deploy`.

    Idempotent: run it before the first deploy and before every upgrade; what
    is already right is left alone, and the secret is never overwritten. What
    chalice must know (the distribution, the invalidation queue, the layer's
    ARN) is written into the stage's .chalice/config.json: commit it, with the
    regenerated deploy/iam/ policies. The layer is published from
    dist/worker-layer.zip (`make layer`).
    JSON: {"stage", "steps": [{"resource", "outcome", "detail"}]}.

    \b
    Examples:
      manage.py bootstrap --stage dev
      manage.py bootstrap --stage prod --secret-only --json
    """
    from ops import bootstrap as library

    root = project_dir or library.ROOT
    deploy_step(lambda stage: library.bootstrap(stage, secret_only=secret_only, root=root), stage_name, as_json)


@click.command("post-deploy")
@stage_option
@click.option(
    "--cdn-alarm-only",
    "distribution_id",
    metavar="DISTRIBUTION_ID",
    help="Only put the CDN's 5xx alarm in us-east-1: for a CloudFormation stack in another region "
    "(the stack's MediaDistributionId output), whose alarms cannot see CloudFront's metrics.",
)
@json_option
def post_deploy(stage_name: str | None, distribution_id: str | None, as_json: bool) -> None:
    """After every `chalice deploy`: gateway responses in our error shape, stage
    throttling, the bucket's events to the ingest and derivatives functions, the web
    ACL on the API stage, the invalidation queue's event source, alarms (idempotent).

    JSON: {"stage", "steps": [{"resource", "outcome", "detail"}]}.

    \b
    Examples:
      manage.py post-deploy --stage dev
      manage.py --stage prod post-deploy --json
      manage.py post-deploy --stage prod --cdn-alarm-only E2EXAMPLE0DIST
    """
    from ops import post_deploy as library

    if distribution_id is None:
        deploy_step(library.post_deploy, stage_name, as_json)
        return
    from ops.edge_wiring import put_cdn_alarms
    from ops.template import stage_settings

    def alarm_only(stage: str) -> list[Any]:
        return [put_cdn_alarms(stage, "us-east-1", stage_settings(stage), distribution_id, us_east_1_only=True)]

    deploy_step(alarm_only, stage_name, as_json)
