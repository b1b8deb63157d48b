"""Request bodies read from disk as they are sent, and the progress they report.

A body here is re-iterable: every iteration starts again from the file's
first byte, so a retried request sends the whole file again without the
client ever holding more than one chunk of it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

#: Bytes read from the file per write to the socket.
CHUNK_SIZE = 1024 * 1024

ProgressCallback = Callable[[int, int], None]


class Progress:
    """Reports ``(sent, total)`` to a callback, never going back.

    A retry sends the file again from its start; the callback only hears of
    bytes beyond the furthest point any attempt reached, so what it sees is
    monotonic and ends at ``total``.
    """

    def __init__(self, total: int, callback: ProgressCallback | None) -> None:
        self.total = total
        self.callback = callback
        self.reported = -1
        self._lock = threading.Lock()

    def update(self, sent: int) -> None:
        with self._lock:
            if self.callback is None or sent <= self.reported:
                return
            self.reported = min(sent, self.total)
            self.callback(self.reported, self.total)

    def finish(self) -> None:
        self.update(self.total)


@dataclass
class Source:
    """The file being uploaded: a seekable binary stream, its size and the name it is sent under."""

    stream: IO[bytes]
    size: int
    filename: str
    start: int = 0
    owned: bool = False

    def close(self) -> None:
        if self.owned:
            self.stream.close()

    def chunks(self, on_sent: Callable[[int], None], chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The file's bytes from its start; ``on_sent(n)`` once the first ``n`` bytes have been sent."""
        self.stream.seek(self.start)
        sent = 0
        while sent < self.size:
            chunk = self.stream.read(min(chunk_size, self.size - sent))
            if not chunk:
                raise OSError(f"{self.filename} shrank while it was being sent ({sent} of {self.size} bytes)")
            yield chunk
            # The transport asks for the next chunk only once this one is written to the socket.
            sent += len(chunk)
            on_sent(sent)


def open_source(file: str | os.PathLike[str] | IO[bytes], filename: str | None) -> Source:
    """A path is opened (and later closed) here; a file object is used as it is, from its current position.

    A stream that cannot seek (a pipe, a socket) is first copied to a temporary
    file, in chunks, so retries can send it again.
    """
    if isinstance(file, (str, os.PathLike)):
        path = Path(file)
        opened = path.open("rb")
        return Source(opened, os.fstat(opened.fileno()).st_size, filename or path.name, owned=True)
    name = filename or os.path.basename(str(getattr(file, "name", "") or ""))
    if not name:
        raise ValueError("the file object has no name: pass filename= with its extension (e.g. 'clip.mp4')")
    stream: IO[bytes] = file
    owned = False
    if not _seekable(stream):
        spooled: IO[bytes] = tempfile.TemporaryFile()
        shutil.copyfileobj(stream, spooled, CHUNK_SIZE)
        spooled.seek(0)
        stream, owned = spooled, True
    start = stream.tell()
    size = stream.seek(0, os.SEEK_END) - start
    stream.seek(start)
    return Source(stream, size, name, start=start, owned=owned)


def _seekable(stream: IO[bytes]) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, ValueError, OSError):
        return False


def _quote(value: str) -> str:
    """A Content-Disposition parameter as browsers write it (WHATWG HTML: escape quote, CR and LF)."""
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class MultipartBody:
    """``multipart/form-data`` with text fields first and the file part last (as S3 POST forms require),
    streamed from disk, with its exact length known in advance (S3 refuses chunked bodies)."""

    def __init__(
        self,
        fields: Mapping[str, str],
        file_field: str,
        source: Source,
        content_type: str,
        progress: Progress,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        self.boundary = secrets.token_hex(16)
        self.source = source
        self.progress = progress
        self.chunk_size = chunk_size
        head = b"".join(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_quote(name)}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
            for name, value in fields.items()
        )
        head += (
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="{_quote(file_field)}"; filename="{_quote(source.filename)}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        self.head = head
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    @property
    def length(self) -> int:
        return len(self.head) + self.source.size + len(self.tail)

    def headers(self) -> dict[str, str]:
        return {"Content-Type": self.content_type, "Content-Length": str(self.length)}

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        yield from self.source.chunks(self.progress.update, self.chunk_size)
        yield self.tail


class RawBody:
    """The file's bytes alone (a presigned PUT), streamed from disk."""

    def __init__(self, source: Source, progress: Progress, chunk_size: int = CHUNK_SIZE) -> None:
        self.source = source
        self.progress = progress
        self.chunk_size = chunk_size

    def __iter__(self) -> Iterator[bytes]:
        yield from self.source.chunks(self.progress.update, self.chunk_size)
