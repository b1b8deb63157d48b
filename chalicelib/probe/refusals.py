"""Every way the probe refuses a file: one reason code and one message each.

The reasons are stable codes recorded on upload sessions; the messages are
what the uploader reads.
"""

from __future__ import annotations

from chalicelib.domain.formats import ALLOWED_LIST
from chalicelib.errors import ContentRejected

_A = {"image": "an image", "video": "a video"}


def empty_file() -> ContentRejected:
    return ContentRejected("empty_file", "The file is empty.")


def unsupported_content() -> ContentRejected:
    return ContentRejected("unsupported_content", f"The file's content is not an image or a video ({ALLOWED_LIST}).")


def type_mismatch(expected: str, found: str, mime: str) -> ContentRejected:
    return ContentRejected(
        "type_mismatch", f"The file name indicates {_A[expected]}, but its content is {_A[found]} ({mime})."
    )


def image_too_large(max_pixels: int) -> ContentRejected:
    return ContentRejected("image_too_large", f"The image has more than {max_pixels:,} pixels.")


def corrupt_image() -> ContentRejected:
    """Cut short, or headers that do not parse."""
    return ContentRejected("corrupt_file", "The image file is truncated or corrupt.")


def trailing_data() -> ContentRejected:
    """A complete image with something else after its end (a polyglot, an undeclared payload)."""
    return ContentRejected("trailing_data", "The image has data after its end marker.")


def no_video_stream() -> ContentRejected:
    """A video container holding audio (or nothing) only."""
    return ContentRejected("no_video_stream", "The file contains no video stream.")


def truncated_video() -> ContentRejected:
    """A box, element, chunk or tag that declares more bytes than the file has left."""
    return ContentRejected(
        "corrupt_file", "The video file is cut short: its headers declare more data than the file holds."
    )


def corrupt_video() -> ContentRejected:
    """Sizes that contradict each other, or a structure no writer produces."""
    return ContentRejected("corrupt_file", "The video file is corrupt: the sizes in its headers do not add up.")


def video_trailing_data() -> ContentRejected:
    """A complete video with something else after its end (a ZIP, a web page, ...)."""
    return ContentRejected(
        "trailing_data", "The video has data after its end: something else was added to the end of the file."
    )
