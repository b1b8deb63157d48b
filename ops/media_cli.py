"""manage.py's ``media`` group: list an account's files, upload on its behalf."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ops.cli import Count, emit, json_option, operation
from ops.tables import Column, short_time, table

if TYPE_CHECKING:
    from chalicelib.domain.values import MediaFile


@click.group()
def media() -> None:
    """List an account's files and upload files on its behalf.

    \b
    Examples:
      manage.py media list --account acc0123456789ab --type video
      manage.py media upload logo.png --account acc0123456789ab --as-admin
    """


def _dimensions(item: dict[str, Any]) -> str:
    """Width x height as displayed (a video's duration is in the JSON)."""
    metadata = item["metadata"] or {}
    if not metadata.get("width") or not metadata.get("height"):
        return "-"
    return f"{metadata['width']}x{metadata['height']}"


@media.command("list")
@click.option("--account", "account_id", required=True, help="The account whose files to list.")
@click.option("--type", "file_type", type=click.Choice(["image", "video"]), help="Only images or only videos.")
@click.option(
    "--limit", type=Count(1), default=50, show_default=True, help="At most this many files (the newest ones)."
)
@json_option
@operation
def media_list(account_id: str, file_type: str | None, limit: int, as_json: bool) -> None:
    """List an account's files, newest first.

    JSON: an array of MediaFile objects, as the API returns them (id, name,
    original_name, url, file_type, mime_type, extension, file_size,
    formatted_size, metadata, uploaded_by, is_active, created_at,
    updated_at, thumbnail_url). No files is not an error: [] and exit 0.

    \b
    Examples:
      manage.py media list --account acc0123456789ab
      manage.py media list --account acc0123456789ab --type image --limit 10
      manage.py media list --account acc0123456789ab --json
    """
    from chalicelib import accounts as library
    from chalicelib.presenters import media_json

    items = [media_json(media) for media in library.list_media(account_id, file_type, limit=limit)]
    columns = [
        Column("ID", numeric=True),
        Column("NAME", shrinks=True),
        Column("TYPE"),
        Column("SIZE", numeric=True),
        Column("DIMENSIONS"),
        Column("BY"),
        Column("CREATED (UTC)"),
    ]
    rows = [
        (
            item["id"],
            item["name"],
            item["file_type"],
            item["formatted_size"],
            _dimensions(item),
            item["uploaded_by"],
            short_time(item["created_at"]),
        )
        for item in items
    ]
    empty = f"Account {account_id} has no {file_type + 's' if file_type else 'files'}."
    emit(items, as_json, table(columns, rows) if items else empty)


def upload_file(account_id: str, path: Path, name: str | None = None, *, as_admin: bool = False) -> MediaFile:
    """Upload a local file into an account's library, as its client or as an administrator.

    The bytes are checked like any upload (type sniffed from the content,
    MEDIA_MAX_FILE_SIZE, plan limit); the direct route's request-size cap does
    not apply, there is no API Gateway in between.
    """
    from chalicelib import accounts, uploads
    from chalicelib.config import get_settings
    from chalicelib.domain.names import Uploader
    from chalicelib.errors import ContentRejected

    accounts.require_account(account_id)
    limit = get_settings().max_file_size
    size = path.stat().st_size
    if size > limit:  # refuse before reading a huge file into memory
        raise ContentRejected("file_too_large", f"{path.name} is {size} bytes; the limit is {limit} bytes.")
    uploaded_by = Uploader.ADMIN if as_admin else Uploader.CLIENT
    return uploads.upload_direct(account_id, path.name, path.read_bytes(), name, uploaded_by=uploaded_by)


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
    does not apply, there is no API Gateway in between. JSON: the MediaFile.

    \b
    Examples:
      manage.py media upload logo.png --account acc0123456789ab --as-admin
      manage.py media upload clip.mp4 --account acc0123456789ab --name "Launch video" --json
    """
    from chalicelib.presenters import media_json

    data = media_json(upload_file(account_id, file, name, as_admin=as_admin))
    text = (
        f"Uploaded {file.name} to {account_id} as media {data['id']} "
        f"({data['mime_type']}, {data['formatted_size']}, by {data['uploaded_by']}): {data['url']}"
    )
    emit(data, as_json, text)


@media.command("backfill")
@click.option("--account", "account_id", help="Only this account's files (default: every account's).")
@click.option("--make", "make_now", is_flag=True, help="Make the posters and renditions now (default: the reconciler).")
@json_option
@operation
def media_backfill(account_id: str | None, make_now: bool, as_json: bool) -> None:
    """Read again, with the probe of today, the files recorded before it read their codecs
    and traits, so their delivery (per-channel URLs, renditions) follows the channel rules.

    Each object is read with the same bounded, ranged reads as at ingest, never whole. The
    posters and renditions this asks for are made by the hourly reconciler, or at once with
    --make (in this process: PyAV must be installed, as it is in the project's venv). Safe to
    run again: files already read are left alone. JSON: {"probed": [key], "made": [key],
    "errors": [text]}.

    \\b
    Examples:
      manage.py media backfill --account acc0123456789ab
      manage.py --stage prod media backfill --json
    """
    from chalicelib import facts, records, worker
    from chalicelib.errors import MediaError

    probed: list[str] = []
    made: list[str] = []
    errors: list[str] = []
    for record in records.store().scan_media():
        if account_id is not None and record.account_id != account_id:
            continue
        try:
            current = facts.refresh(record) if facts.needs_refresh(record) else record
            if current is None:
                continue
            if current is not record:
                probed.append(record.storage_key)
            if make_now and worker.needs_work(current):
                worker.make(current.storage_key, current.media_id)
                made.append(current.storage_key)
        except MediaError as exc:
            errors.append(f"{record.storage_key}: {exc.message}")
    text = f"Probed {len(probed)} file(s) again; made the derivatives of {len(made)}; {len(errors)} error(s)."
    emit({"probed": probed, "made": made, "errors": errors}, as_json, "\n".join([text, *errors]))
    if errors:
        raise click.exceptions.Exit(1)
