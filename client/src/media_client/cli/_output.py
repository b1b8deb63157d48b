"""How the `media` command shows things: tables that fit the terminal, JSON for scripts,
errors as one line on stderr, and the exit codes (0 done, 1 API or network failure, 2 usage)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import timezone
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.table import Table

from media_client._wording import formatted_size
from media_client.errors import MediaAPIError
from media_client.models import Account, MediaFile

EXIT_FAILED = 1
EXIT_USAGE = 2


def stdout() -> Console:
    return Console(file=sys.stdout, highlight=False, soft_wrap=False)


def stderr() -> Console:
    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def error_line(error: MediaAPIError) -> str:
    """``message [code]``, plus every field error the message does not already say."""
    line = f"{error.message} [{error.code}]"
    extra = [f"{field}: {problem}" for field, problems in error.errors.items() for problem in problems]
    extra = [item for item in extra if item.split(": ", 1)[1] not in error.message]
    return line + (f" ({'; '.join(extra)})" if extra else "")


def report_error(error: MediaAPIError, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"error": error.to_dict()}, ensure_ascii=False), err=True)
    else:
        click.echo(f"Error: {error_line(error)}", err=True)


def fail(error: MediaAPIError, as_json: bool, code: int = EXIT_FAILED) -> NoReturn:
    report_error(error, as_json)
    raise click.exceptions.Exit(code)


def created(media: MediaFile) -> str:
    return media.created_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


#: Columns after the name, least needed last: dropped from the end when the terminal is too narrow.
_COLUMNS = ("TYPE", "SIZE", "DIMENSIONS", "CREATED (UTC)")
_NAME_MIN = 12
_GAP = 2  # rich's padding between columns of a borderless table


def media_table(items: Iterable[MediaFile], width: int) -> Table:
    """id, name, type, size, dimensions and created, in ``width`` columns: the name gives way
    first, then the least needed columns go (created, then dimensions)."""
    rows = [(str(m.id), m.name, m.file_type, m.formatted_size, m.dimensions or "-", created(m)) for m in items]
    widths = [max([len(header)] + [len(row[i]) for row in rows]) for i, header in enumerate(("ID", "NAME", *_COLUMNS))]
    kept = len(_COLUMNS)
    while kept > 1 and widths[0] + sum(widths[2 : 2 + kept]) + _GAP * (kept + 1) + _NAME_MIN > width:
        kept -= 1
    room = width - widths[0] - sum(widths[2 : 2 + kept]) - _GAP * (kept + 1)
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("ID", justify="right", no_wrap=True, width=widths[0])
    table.add_column("NAME", overflow="ellipsis", no_wrap=True, width=max(_NAME_MIN, min(widths[1], room)))
    for index, header in enumerate(_COLUMNS[:kept]):
        table.add_column(header, no_wrap=True, justify="right" if header == "SIZE" else "left", width=widths[2 + index])
    for row in rows:
        table.add_row(*row[: 2 + kept])
    return table


def fields(rows: Iterable[tuple[str, str]]) -> str:
    """Label/value lines, the values in one column, nothing after a value (a table of rich's
    would pad every line to the terminal's width, which copying and ``grep`` then carry)."""
    rows = list(rows)
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}".rstrip() for label, value in rows)


def media_details(media: MediaFile) -> str:
    rows = [
        ("id", str(media.id)),
        ("name", media.name),
        ("original name", media.original_name),
        ("type", f"{media.file_type} ({media.mime_type}, .{media.extension})"),
        ("size", f"{media.formatted_size} ({media.file_size:,} bytes)"),
        ("dimensions", media.dimensions or "-"),
        ("url", media.url),
        ("thumbnail", media.thumbnail_url or "-"),
        ("description", media.description or "-"),
        ("tags", ", ".join(media.tags) or "-"),
        *_delivery_rows(media),
        ("uploaded by", media.uploaded_by),
        ("active", "yes" if media.is_active else "no"),
        ("created", media.to_dict().get("created_at", created(media))),
        ("updated", media.to_dict().get("updated_at", "")),
    ]
    return fields(rows)


def _delivery_rows(media: MediaFile) -> list[tuple[str, str]]:
    """The delivery status, the rendition, and one line per chat channel: its URL, or why none."""
    delivery = media.delivery
    if delivery is None:
        return []
    rows = [("delivery", delivery.status), ("rendition", delivery.rendition_url or "-")]
    for name, channel in delivery.channels.items():
        rows.append((name, f"{channel.url} ({channel.source})" if channel.url else f"- {channel.reason or ''}".strip()))
    return rows


def account_details(account: Account) -> str:
    usage, limits = account.usage, account.limits
    plan = "unlimited" if account.media_limit is None else f"{account.media_limit} ({account.remaining} remaining)"
    return fields(
        [
            ("account", account.name),
            ("files", f"{usage.files} ({usage.images} images, {usage.videos} videos)"),
            ("plan limit", plan),
            ("storage", usage.formatted_bytes),
            ("max file size", formatted_size(limits.max_file_size)),
            ("direct uploads", f"up to {formatted_size(limits.direct_upload_max_bytes)}; larger files use a session"),
            ("images", ", ".join(limits.image_extensions)),
            ("videos", ", ".join(limits.video_extensions)),
        ]
    )
