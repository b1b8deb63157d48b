"""`media upload`: several files at once, one progress bar each plus a total."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from media_client.client import Client
from media_client.errors import MediaAPIError
from media_client.models import MediaFile


class Cancelled(Exception):
    """Raised from a progress callback to stop an upload mid-body (Ctrl-C)."""


@dataclass
class Outcome:
    path: Path
    media: MediaFile | None = None
    error: MediaAPIError | None = None

    def to_dict(self) -> dict[str, object]:
        if self.media is not None:
            return {"file": str(self.path), "media": self.media.to_dict()}
        assert self.error is not None
        return {"file": str(self.path), "error": self.error.to_dict()}


def progress_display(console: Console, enabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(bar_width=None),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not enabled,
        redirect_stdout=False,
        redirect_stderr=False,
        expand=True,
    )


def _label(path: Path, width: int = 28) -> str:
    name = path.name
    return name if len(name) <= width else name[: width - 1] + "…"


class Batch:
    """Uploads ``paths`` with ``parallel`` workers sharing one Client, reporting to one Progress."""

    def __init__(self, client: Client, paths: list[Path], name: str | None, progress: Progress) -> None:
        self.client = client
        self.paths = paths
        self.name = name
        self.progress = progress
        self.cancel = threading.Event()
        self.total_bytes = sum(_size(path) for path in paths)
        self.total = progress.add_task("Total", total=max(1, self.total_bytes))
        self._lock = threading.Lock()

    def run(self, parallel: int) -> tuple[list[Outcome], bool]:
        """Every file's outcome, in the order given; ``(done so far, True)`` after Ctrl-C."""
        pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="upload")
        futures = [pool.submit(self.one, path) for path in self.paths]
        try:
            return [future.result() for future in futures], False
        except KeyboardInterrupt:
            self.cancel.set()  # running uploads stop at their next chunk, waiting ones never start
            pool.shutdown(wait=True, cancel_futures=True)
            finished = [f for f in futures if f.done() and not f.cancelled() and f.exception() is None]
            return [f.result() for f in finished], True
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def one(self, path: Path) -> Outcome:
        if self.cancel.is_set():
            raise Cancelled()
        # The size is known before a byte is sent: the bar never shows "0/? bytes".
        task: TaskID = self.progress.add_task(_label(path), total=_size(path))
        seen = [0]

        def on_progress(sent: int, total: int) -> None:
            if self.cancel.is_set():
                raise Cancelled()
            with self._lock:
                if sent == total:  # every byte is out; the API checks the file before it answers
                    self.progress.update(task, description=f"{_label(path)} checking")
                self.progress.update(task, completed=sent, total=total)
                self.progress.advance(self.total, sent - seen[0])
                seen[0] = sent

        try:
            media = self.client.upload(path, name=self.name, progress=on_progress)
        except MediaAPIError as exc:
            with self._lock:
                size = _size(path)
                self.progress.update(task, description=f"{_label(path)} failed")
                # What was never sent leaves the total, so it still ends full.
                self.total_bytes -= size - seen[0]
                self.progress.update(self.total, total=max(1, self.total_bytes))
            return Outcome(path, error=exc)
        self.progress.update(task, description=f"{_label(path)} done")
        return Outcome(path, media=media)


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
