"""The Python client refuses a file in the API's own words: the same sentence for the
same file, from GET /account's limits (the page's copy is checked in tests/browser)."""

from __future__ import annotations

import pytest

from chalicelib.domain import formats, wording
from media_client import _wording as client_wording

SIZES = [0, 1, 1023, 1024, 1536000, 52428799, 52428800, 52428801, 60 * 1024 * 1024, 3 * 1024**3 + 7]


@pytest.mark.parametrize("size", SIZES)
def test_sizes_read_the_same_in_the_api_and_the_client(size: int) -> None:
    assert client_wording.formatted_size(size) == formats.formatted_size(size)
    assert client_wording.too_large("big.mp4", size, 52428800) == wording.too_large("big.mp4", size, 52428800)


@pytest.mark.parametrize("filename", ["notes.txt", "dir/notes.txt", "C:\\files\\x.doc", "", None, "  "])
def test_names_read_the_same_in_the_api_and_the_client(filename: str | None) -> None:
    extensions = list(formats.EXTENSIONS)
    assert client_wording.not_media(filename, extensions) == wording.not_media(filename)
    assert client_wording.empty(filename) == wording.empty(filename)


def test_the_sentences_a_person_reads() -> None:
    assert wording.too_large("big.mp4", 60 * 1024 * 1024, 52428800) == "big.mp4 is 60 MB; the limit is 50 MB."
    assert wording.not_media("notes.txt") == (
        "notes.txt is not an image or a video (jpg, jpeg, png, gif, mp4, avi, mov, wmv, flv, webm)."
    )
    assert wording.empty(None) == "The file is empty."
