"""multipart/form-data bodies: python-multipart's streaming parser (the one
Starlette uses) splits the parts; the stdlib's ``email`` package reads each
part's Content-Disposition, RFC 2231 included.

File names arrive three ways, all accepted: raw UTF-8 (what browsers send),
percent-encoded (RFC 7578 §4.2; browsers also encode ``"`` and newlines so),
and ``filename*=UTF-8''...`` (RFC 5987/6266), which wins when both are sent.
python-multipart's own form parser drops ``filename*``, hence the parts are
read here.

A part's bytes are kept as views into the body while it is parsed (the body is in
memory already): a file is copied once, when its ``bytes`` are made, and
``digest_form`` (the idempotency fingerprint) hashes it without a copy at all. A
43 MB upload used to be copied three more times here (a slice, a growing
bytearray, then its bytes), twice per request.
"""

from __future__ import annotations

import email.message
import email.utils
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

from python_multipart.multipart import MAX_BOUNDARY_LENGTH, MultipartParser, parse_options_header

from chalicelib.errors import MalformedRequest, UnsupportedMediaType

_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
#: Part headers beyond this are not a file upload (and not worth keeping).
MAX_HEADER_BYTES = 16 * 1024
#: The direct route reads a file and a name; no client needs more than a few other fields.
#: Every part costs a header parse: 100,000 header-less parts fit in 900 KB, well under
#: the route's 4 MB, and took seconds of CPU before this cap.
MAX_PARTS = 16


@dataclass
class UploadedFile:
    filename: str
    data: bytes


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)


@dataclass
class _Part:
    headers: list[tuple[bytearray, bytearray]] = field(default_factory=list)
    #: Read-only views into the body (python-multipart hands out slices of what it was given).
    data: list[memoryview] = field(default_factory=list)

    def header(self, name: bytes) -> str:
        for key, value in self.headers:
            if bytes(key).strip().lower() == name:
                raw = bytes(value).strip()
                try:
                    return raw.decode("utf-8")
                except UnicodeDecodeError:
                    return raw.decode("latin-1")
        return ""


def _filename(disposition: email.message.Message) -> str | None:
    """The part's file name: ``filename*`` first, else ``filename`` percent-decoded."""
    plain: str | None = None
    for key, value in disposition.get_params(header="content-disposition") or []:
        if key.lower() != "filename":
            continue
        if isinstance(value, tuple):  # filename*=charset'lang'value
            try:
                return email.utils.collapse_rfc2231_value(value, errors="strict")
            except (LookupError, UnicodeError):
                raise MalformedRequest("The file name's encoding (filename*) is not valid.") from None
        plain = value
    if plain is not None and _PERCENT.search(plain):
        try:
            plain = unquote(plain, errors="strict")
        except UnicodeDecodeError:
            pass  # not percent-encoded UTF-8 after all: keep the name as sent
    return plain


def _named(part: _Part) -> tuple[str, str | None] | None:
    """The part's field name and file name (None: not a form field)."""
    disposition = email.message.Message()
    disposition["content-disposition"] = part.header(b"content-disposition")
    name = disposition.get_param("name", header="content-disposition")
    if not isinstance(name, str):
        return None
    return name, _filename(disposition)


def _collect(form: Form, part: _Part) -> None:
    named = _named(part)
    if named is None:
        return
    name, filename = named
    if filename is None:
        form.fields.setdefault(name, b"".join(part.data).decode("utf-8", "replace"))
    else:
        form.files.setdefault(name, UploadedFile(filename, b"".join(part.data)))


@dataclass
class FormDigest:
    """A form's fields, and each file's name and SHA-256 (its bytes never copied)."""

    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, str]] = field(default_factory=dict)


def digest_form(body: bytes, content_type: str) -> FormDigest:
    """What ``parse_form`` reads, with each file as its SHA-256 (the idempotency fingerprint's view)."""
    digest = FormDigest()

    def collect(part: _Part) -> None:
        named = _named(part)
        if named is None:
            return
        name, filename = named
        if filename is None:
            digest.fields.setdefault(name, b"".join(part.data).decode("utf-8", "replace"))
        elif name not in digest.files:
            sha = hashlib.sha256()
            for view in part.data:
                sha.update(view)
            digest.files[name] = (filename, sha.hexdigest())

    _parse(body, content_type, collect)
    return digest


def parse_form(body: bytes, content_type: str) -> Form:
    """Fields and files of a multipart body (the whole body is already in memory)."""
    form = Form()
    _parse(body, content_type, lambda part: _collect(form, part))
    return form


def _parse(body: bytes, content_type: str, on_part: Callable[[_Part], None]) -> None:
    """Split ``body`` into parts, each handed to ``on_part`` once complete."""
    mime, params = parse_options_header(content_type)
    if mime != b"multipart/form-data":
        raise UnsupportedMediaType("Send the file as multipart/form-data.")
    boundary = params.get(b"boundary")
    if not boundary:
        raise MalformedRequest("The multipart body has no boundary in its Content-Type.")
    if len(boundary) > MAX_BOUNDARY_LENGTH:  # python-multipart refuses it (RFC 2046 says 70 at most)
        raise MalformedRequest(f"The multipart boundary is longer than {MAX_BOUNDARY_LENGTH} characters.")
    parts = [_Part()]
    header_bytes = 0

    def on_part_begin() -> None:
        nonlocal header_bytes
        if len(parts) > MAX_PARTS:  # parts[0] stands for "none yet"
            raise MalformedRequest(
                f"The multipart body has more than {MAX_PARTS} parts: send the file and its fields only "
                f"({MAX_PARTS} parts at most)."
            )
        parts.append(_Part())
        header_bytes = 0

    def on_header_begin() -> None:
        parts[-1].headers.append((bytearray(), bytearray()))

    def on_header_field(data: bytes, start: int, end: int) -> None:
        _grow(end - start)
        parts[-1].headers[-1][0].extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        _grow(end - start)
        parts[-1].headers[-1][1].extend(data[start:end])

    def _grow(n: int) -> None:
        nonlocal header_bytes
        header_bytes += n
        if header_bytes > MAX_HEADER_BYTES:
            raise MalformedRequest("A part's headers are too large.")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        parts[-1].data.append(memoryview(data)[start:end])

    def on_part_end() -> None:
        on_part(parts[-1])
        parts[-1].data = []  # the part is handed over: let go of its views

    callbacks = {
        "on_part_begin": on_part_begin,
        "on_header_begin": on_header_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    }
    try:
        parser = MultipartParser(boundary, callbacks=callbacks)  # type: ignore[arg-type]
        parser.write(body)
        parser.finalize()
    except MalformedRequest:
        raise
    except Exception as exc:  # python-multipart raises several types on bad bodies
        raise MalformedRequest("The multipart body could not be parsed.") from exc
