"""A browser's POST form to the bucket, read as it streams: checked before anything is stored.

python-multipart (the parser chalicelib uses) reads the body in 64 KB chunks. The text
fields come first (S3 takes at most 20 KB of them); when the ``file`` part begins, the
policy is checked on them (``check``) and answers the size the file may have; the file's
bytes are then counted as they arrive and the request refused as soon as it grows past
that size. Nothing is held in memory but the fields and one chunk.

What reaches moto is not the client's body but the form REWRITTEN from what was checked:
the fields, then the file part, under a boundary of our own. So moto sees exactly the
checked fields (two parsers reading one crafted body differently cannot smuggle a field
past the check), and, as on S3, whatever follows the file is ignored. The rewritten body
waits in a spooled temporary file (memory up to 1 MiB, then disk).
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from python_multipart.multipart import MultipartParser, parse_options_header

from ops.post_policy import SizeRange, check_size, too_large
from ops.storage_errors import Reason, Refusal

CHUNK = 64 * 1024
#: S3 refuses a form whose fields before the file exceed this (MaxPostPreDataLengthExceeded).
MAX_FIELDS_BYTES = 20 * 1024
SPOOL_IN_MEMORY = 1024 * 1024


@dataclass
class _Part:
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    data: bytearray = field(default_factory=bytearray)

    def header(self, name: bytes) -> bytes:
        for key, value in self.headers:
            if key.strip().lower() == name:
                return value.strip()
        return b""


@dataclass
class CheckedForm:
    """The form as moto will read it: ``body`` (rewound) of ``length`` bytes, with its ``content_type``."""

    body: IO[bytes]
    length: int
    content_type: str
    file_size: int


class _Reader:
    def __init__(self, check: Callable[[dict[str, str]], SizeRange]) -> None:
        self.check = check
        self.boundary = secrets.token_hex(16).encode()
        self.out: Any = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - handed to moto
        self.parts: list[_Part] = []
        self.fields: dict[str, str] = {}
        self.raw_fields: list[tuple[bytes, bytes]] = []
        self.fields_bytes = 0
        self.in_file = False
        self.file_done = False
        self.allowed: SizeRange | None = None
        self.size = 0

    # python-multipart callbacks ------------------------------------------------------------

    def on_part_begin(self) -> None:
        self.parts.append(_Part())

    def on_header_begin(self) -> None:
        self.parts[-1].headers.append((b"", b""))

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        name, value = self.parts[-1].headers[-1]
        self.parts[-1].headers[-1] = (name + data[start:end], value)
        self._count(end - start)

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        name, value = self.parts[-1].headers[-1]
        self.parts[-1].headers[-1] = (name, value + data[start:end])
        self._count(end - start)

    def on_headers_finished(self) -> None:
        if self.file_done:
            return
        part = self.parts[-1]
        if self._name(part) == "file":
            self.allowed = self.check(dict(self.fields))
            self._write_head(part)
            self.in_file = True

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.file_done:
            return
        if self.in_file:
            self.size += end - start
            assert self.allowed is not None
            if self.size > self.allowed.high:
                raise too_large(self.size, self.allowed)
            self.out.write(data[start:end])
        else:
            self.parts[-1].data += data[start:end]
            self._count(end - start)

    def on_part_end(self) -> None:
        if self.file_done:
            return
        if self.in_file:
            self.in_file, self.file_done = False, True
            return
        part = self.parts[-1]
        name = self._name(part)
        if name is None:
            return
        lowered = name.lower()
        if lowered in self.fields:
            raise Refusal(Reason.FORM_INVALID, f"The form field {name!r} appears more than once.")
        self.fields[lowered] = bytes(part.data).decode("utf-8", "replace")
        self.raw_fields.append((name.encode(), bytes(part.data)))
        part.data = bytearray()

    # ---------------------------------------------------------------------------------------

    def _count(self, n: int) -> None:
        if self.allowed is None:
            self.fields_bytes += n
            if self.fields_bytes > MAX_FIELDS_BYTES:
                raise Refusal(
                    Reason.FIELDS_TOO_LARGE, "Your POST request fields preceeding the upload file was too large."
                )

    @staticmethod
    def _name(part: _Part) -> str | None:
        _, params = parse_options_header(part.header(b"content-disposition"))
        name = params.get(b"name")
        return name.decode("utf-8", "replace") if name is not None else None

    def _write_head(self, file_part: _Part) -> None:
        delimiter = b"--" + self.boundary + b"\r\n"
        for name, value in self.raw_fields:
            quoted = name.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
            head = b'Content-Disposition: form-data; name="' + quoted + b'"\r\n\r\n'
            self.out.write(delimiter + head + value + b"\r\n")
        self.out.write(delimiter)
        for header in (b"content-disposition", b"content-type"):
            value = file_part.header(header)
            if value:
                self.out.write(header + b": " + value + b"\r\n")
        self.out.write(b"\r\n")


def read_form(environ: dict[str, Any], check: Callable[[dict[str, str]], SizeRange]) -> CheckedForm:
    """Read and check the POST form in ``environ``; Refusal (and nothing kept) when it fails.

    ``check(fields)`` sees the text fields before the file (names lower-cased) and answers
    the size range the file may have, or raises the Refusal.
    """
    mime, params = parse_options_header(environ.get("CONTENT_TYPE", ""))
    boundary = params.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        raise Refusal(Reason.FORM_MALFORMED, "Bucket POST must be of the enclosure-type multipart/form-data.")
    raw_length = environ.get("CONTENT_LENGTH") or ""
    if not raw_length.isdigit():
        raise Refusal(Reason.LENGTH_REQUIRED, "You must provide the Content-Length HTTP header.")
    remaining = int(raw_length)
    reader = _Reader(check)
    names = ("part_begin", "header_begin", "header_field", "header_value", "headers_finished", "part_data", "part_end")
    callbacks: Any = {f"on_{name}": getattr(reader, f"on_{name}") for name in names}
    stream = environ["wsgi.input"]
    try:
        parser = MultipartParser(boundary, callbacks)
        while remaining > 0:
            chunk = stream.read(min(CHUNK, remaining))
            if not chunk:
                raise Refusal(Reason.FORM_MALFORMED, "The body of your POST request ended before its Content-Length.")
            remaining -= len(chunk)
            parser.write(chunk)
        parser.finalize()
        if not reader.file_done:
            raise Refusal(Reason.FORM_INVALID, "POST requires exactly one file upload per request.")
        assert reader.allowed is not None
        check_size(reader.size, reader.allowed)
    except Refusal:
        reader.out.close()
        raise
    except Exception as exc:  # python-multipart raises several types on a bad body
        reader.out.close()
        raise Refusal(
            Reason.FORM_MALFORMED, "The body of your POST request is not well-formed multipart/form-data."
        ) from exc
    reader.out.write(b"\r\n--" + reader.boundary + b"--\r\n")
    length = reader.out.tell()
    reader.out.seek(0)
    content_type = f"multipart/form-data; boundary={reader.boundary.decode()}"
    return CheckedForm(reader.out, length, content_type, reader.size)
