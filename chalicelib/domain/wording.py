"""How a refused file is explained to a person, in the words the page, the Python client
and the `media` command repeat from the API's own data (GET /account's limits).

"big.mp4 is 60 MB; the limit is 50 MB." reads better than "The file_size field must
not be greater than 52428800 bytes.": the file's own name, sizes as people read them
(1024-based, as ``formatted_size``), and what is allowed. The machine-readable part of a
refusal (``code``, the ``errors`` field names, the status) does not change.
"""

from __future__ import annotations

from chalicelib.domain.formats import ALLOWED_LIST, formatted_size

#: What a message calls a file whose name is unknown or unusable.
NO_NAME = "The file"


def shown_name(filename: str | None) -> str:
    """The file's name as a message shows it (its last path part; "The file" when there is none)."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base or NO_NAME


def not_media(filename: str | None, allowed: str = ALLOWED_LIST) -> str:
    """ "notes.txt is not an image or a video (jpg, jpeg, png, ...)"."""
    return f"{shown_name(filename)} is not an image or a video ({allowed})."


def too_large(filename: str | None, size: int, limit: int) -> str:
    """ "big.mp4 is 60 MB; the limit is 50 MB" (in bytes when the rounded sizes would read the same)."""
    shown, most = formatted_size(size), formatted_size(limit)
    if shown == most:
        shown, most = f"{size:,} bytes", f"{limit:,} bytes"
    return f"{shown_name(filename)} is {shown}; the limit is {most}."


def empty(filename: str | None) -> str:
    return f"{shown_name(filename)} is empty."
