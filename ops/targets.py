"""Which backend a ``manage.py`` command acts on: a stage's AWS resources, or
the local stack running in another terminal. Never a silent default."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from chalicelib import caches
from ops import local_stack

#: Commands print their own results: the service's event lines stay out of their output.
QUIET = {"MEDIA_LOG_FORMAT": "none"}


class TargetUnavailable(Exception):
    """No backend to act on (no running local stack, unknown stage): exit code 2."""


def stage_environment(stage: str, root: Path | None = None) -> dict[str, str]:
    """``environment_variables`` of the stage in .chalice/config.json, merged
    over the top-level ones as chalice does; {} when there is no config file."""
    path = (root or local_stack.ROOT) / ".chalice" / "config.json"
    try:
        config: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise TargetUnavailable(f".chalice/config.json is not valid JSON: {exc}") from None
    stages = config.get("stages") or {}
    if stage not in stages:
        known = ", ".join(sorted(stages)) or "none"
        raise TargetUnavailable(f"Unknown stage {stage!r} (stages in .chalice/config.json: {known}).")
    env = {**(config.get("environment_variables") or {}), **(stages[stage].get("environment_variables") or {})}
    return {str(k): str(v) for k, v in env.items()}


def use_stage(stage: str) -> None:
    """Act on a deployed stage: its configured variables plus the usual AWS
    credentials/region from the environment or profile."""
    os.environ.update({**stage_environment(stage), **QUIET})
    caches.reset()


def use_local_stack(data: Path | None = None) -> dict[str, Any]:
    """Act on the running local stack; TargetUnavailable when none runs."""
    data = data or local_stack.data_dir()
    running = local_stack.find_running_stack(data)
    if running is None:
        raise TargetUnavailable(local_stack.NO_STACK_MESSAGE)
    local_stack.apply_environment({**local_stack.environment(str(running["moto_url"]), data), **QUIET})
    return running
