"""The plumbing every manage.py command shares: what it acts on, JSON output,
numbers as arguments, and errors turned into one line on stderr and an exit
code (never a traceback).

Exit codes (README, "Ops CLI"):

    0  done
    1  the operation failed: the service refused it (content rejected, plan limit
       reached) or storage, the database or AWS failed or could not be reached
    2  usage, or nothing to act on: click's usage errors, a value the service
       refuses (InvalidInput), an unknown account, key or file (NotFound),
       no running local stack or an unknown stage (TargetUnavailable)
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from ops import targets

if TYPE_CHECKING:
    from chalicelib.errors import MediaError

DONE, FAILED, USAGE = 0, 1, 2


class Target:
    """What the commands act on, chosen by the global --stage option."""

    def __init__(self, stage: str | None) -> None:
        self.stage = stage

    def connect(self) -> None:
        if self.stage:
            targets.use_stage(self.stage)
        else:
            targets.use_local_stack()


def fail(message: str, code: int = FAILED) -> None:
    """One line on stderr and a non-zero exit, never a traceback."""
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(code)


def exit_code_for(exc: MediaError) -> int:
    """2 for what names nothing or is refused as given; 1 for a failed operation."""
    from chalicelib.errors import ContentRejected, InvalidInput, NotFound

    if isinstance(exc, NotFound):
        return USAGE
    if isinstance(exc, InvalidInput) and not isinstance(exc, ContentRejected):
        return USAGE
    return FAILED


def error_message(exc: MediaError) -> str:
    """Every field message of a validation error, and the cause of an unavailable service
    (a missing credential or an unreachable endpoint is what an operator needs to see)."""
    from chalicelib.errors import ServiceUnavailable

    messages = [message for field in (exc.errors or {}).values() for message in field]
    text = "; ".join(messages) if len(messages) > 1 else exc.message
    if isinstance(exc, ServiceUnavailable) and exc.__cause__ is not None:
        text = f"{text} ({exc.__cause__})"
    return text


def operation(func: Callable[..., Any]) -> Callable[..., Any]:
    """Connect to the target, run the command, turn expected errors into exit codes."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        from chalicelib.errors import MediaError

        target = click.get_current_context().find_object(Target)
        assert target is not None
        try:
            target.connect()
            return func(*args, **kwargs)
        except targets.TargetUnavailable as exc:
            fail(str(exc), USAGE)
        except MediaError as exc:
            fail(error_message(exc), exit_code_for(exc))
        except (ClientError, BotoCoreError) as exc:
            fail(f"AWS refused or could not be reached: {exc}")

    return wrapper


class Count(click.ParamType):
    """A whole number of at least ``minimum``; with ``unlimited``, also ``none`` (None).

    Out of range is a usage error that names the parameter as it is typed
    (``LIMIT must be 0 or more (or none).``). A command taking one as an
    ARGUMENT sets ``ignore_unknown_options`` so that click reads ``-5`` as a
    value instead of an unknown option.
    """

    name = "count"

    def __init__(self, minimum: int, *, unlimited: bool = False) -> None:
        self.minimum = minimum
        self.unlimited = unlimited

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "N|none" if self.unlimited else "N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool):
            number: int | None = value
        else:
            text = str(value).strip().lower()
            if self.unlimited and text in ("none", "unlimited"):
                return None
            try:
                number = int(text)
            except ValueError:
                number = None
        rule = f"{self.minimum} or more" + (" (or none)" if self.unlimited else "")
        if number is None:
            raise click.UsageError(f"{_label(param)} must be a whole number, {rule}; got {value!r}.", ctx)
        if number < self.minimum:
            raise click.UsageError(f"{_label(param)} must be {rule}.", ctx)
        return number


def _label(param: click.Parameter | None) -> str:
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.human_readable_name if param is not None else "The value"


json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


def emit(data: Any, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, indent=2) if as_json else text)
