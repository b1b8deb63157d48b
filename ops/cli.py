"""The plumbing every manage.py command shares: what it acts on, JSON output,
and errors turned into one line on stderr and an exit code (never a traceback)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import click

from ops import targets


class Target:
    """What the commands act on, chosen by the global --stage option."""

    def __init__(self, stage: str | None) -> None:
        self.stage = stage

    def connect(self) -> None:
        if self.stage:
            targets.use_stage(self.stage)
        else:
            targets.use_local_stack()


def fail(message: str, code: int = 1) -> None:
    """One line on stderr and a non-zero exit, never a traceback."""
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(code)


def operation(func: Callable[..., Any]) -> Callable[..., Any]:
    """Connect to the target, run the command, turn expected errors into exit codes."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from chalicelib.errors import MediaError

        target = click.get_current_context().find_object(Target)
        assert target is not None
        try:
            target.connect()
            return func(*args, **kwargs)
        except targets.TargetUnavailable as exc:
            fail(str(exc), 2)
        except MediaError as exc:
            fail(exc.message)

    return wrapper


json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


def emit(data: Any, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, indent=2) if as_json else text)
