"""multipart/form-data bodies, parsed with python-multipart (the parser Starlette uses)."""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.multipart import FormParser, FormParserError, parse_options_header

from chalicelib.errors import MalformedRequest, UnsupportedMediaType


@dataclass
class UploadedFile:
    filename: str
    data: bytes


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)


def parse_form(body: bytes, content_type: str) -> Form:
    """Fields and files of a multipart body (the whole body is already in memory)."""
    mime, params = parse_options_header(content_type)
    if mime != b"multipart/form-data":
        raise UnsupportedMediaType("Send the file as multipart/form-data.")
    boundary = params.get(b"boundary")
    if not boundary:
        raise MalformedRequest("The multipart body has no boundary in its Content-Type.")
    form = Form()

    def on_field(part: object) -> None:
        name = (part.field_name or b"").decode("utf-8", "replace")  # type: ignore[attr-defined]
        value = part.value or b""  # type: ignore[attr-defined]
        form.fields.setdefault(name, value.decode("utf-8", "replace"))

    def on_file(part: object) -> None:
        name = (part.field_name or b"").decode("utf-8", "replace")  # type: ignore[attr-defined]
        filename = (part.file_name or b"").decode("utf-8", "replace")  # type: ignore[attr-defined]
        handle = part.file_object  # type: ignore[attr-defined]
        handle.seek(0)
        form.files.setdefault(name, UploadedFile(filename, handle.read()))

    parser = FormParser(
        "multipart/form-data",
        on_field,
        on_file,
        boundary=boundary,
        # Keep parts in memory: the body is bounded by the route's size limit already.
        config={"MAX_MEMORY_FILE_SIZE": len(body) + 1, "UPLOAD_KEEP_FILENAME": False},
    )
    try:
        parser.write(body)
        parser.finalize()
    except (FormParserError, ValueError) as exc:
        raise MalformedRequest("The multipart body could not be parsed.") from exc
    return form
