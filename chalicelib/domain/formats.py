"""The types a library accepts, the extension each is stored under, and sizes as people read them."""

from __future__ import annotations

from chalicelib.domain.names import FileType

#: Allowed extensions and the family each belongs to.
EXTENSIONS: dict[str, FileType] = {
    "jpg": FileType.IMAGE,
    "jpeg": FileType.IMAGE,
    "png": FileType.IMAGE,
    "gif": FileType.IMAGE,
    "mp4": FileType.VIDEO,
    "avi": FileType.VIDEO,
    "mov": FileType.VIDEO,
    "wmv": FileType.VIDEO,
    "flv": FileType.VIDEO,
    "webm": FileType.VIDEO,
}
#: The Content-Type an upload form pins for each extension (the public object
#: gets the sniffed type at ingest, whatever the name said).
MIME_TYPES: dict[str, str] = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "mp4": "video/mp4",
    "avi": "video/x-msvideo",
    "mov": "video/quicktime",
    "wmv": "video/x-ms-wmv",
    "flv": "video/x-flv",
    "webm": "video/webm",
}
#: The extension a sniffed type is stored under when the name's does not fit
#: its content (Laravel's guessExtension(): PNG bytes named photo.jpg -> png).
CANONICAL_EXTENSIONS: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "video/mp4": "mp4",
    "video/x-msvideo": "avi",
    "video/quicktime": "mov",
    "video/x-ms-wmv": "wmv",
    "video/x-flv": "flv",
    "video/webm": "webm",
}
FILE_TYPES: tuple[FileType, ...] = tuple(FileType)
ALLOWED_LIST = ", ".join(EXTENSIONS)


def extensions_by_type() -> dict[str, list[str]]:
    """``{"image": ["jpg", ...], "video": [...]}``, as GET /account lists them."""
    return {str(family): [e for e, f in EXTENSIONS.items() if f == family] for family in FILE_TYPES}


def extension_of(filename: str) -> str:
    """Lower-case extension without the dot ('' when there is none)."""
    base = filename.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[1].lower() if "." in base else ""


def family_of(extension: str) -> FileType | None:
    return EXTENSIONS.get(extension)


def file_type(value: str) -> FileType | None:
    """The FileType a query or a stored record names, None for anything else."""
    try:
        return FileType(value)
    except ValueError:
        return None


def extension_for(mime_type: str, declared: str) -> str:
    """The stored extension: the name's when it fits the content, else the content's own."""
    return declared if MIME_TYPES.get(declared) == mime_type else CANONICAL_EXTENSIONS[mime_type]


def formatted_size(size: int) -> str:
    """1024-based, at most 2 decimals, trailing zeros dropped: 204800 -> '200 KB'."""
    units = ("B", "KB", "MB", "GB")
    value, index = float(size), 0
    while value >= 1024 and index < len(units) - 1:
        value /= 1024
        index += 1
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return f"{text} {units[index]}"
