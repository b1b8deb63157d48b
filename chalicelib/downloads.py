"""Download links: a short-lived address that makes a browser save a file, not show it.

A file's ``url`` is public and a browser opens it in place: the ``download``
attribute of a link is ignored across origins, and following the link leaves
the page (uploads in flight die with it). Two ways were weighed:

* fetching the bytes into a Blob and saving that: it needs CORS on every
  storage and CDN answer, holds a whole file (up to 50 MB) in the tab's
  memory before the first byte is saved, and shows no progress in the
  browser's own download list;
* a presigned GET that carries ``response-content-disposition=attachment``:
  storage itself answers "save this as NAME", the browser streams it into its
  download manager and the page never unloads. It costs one authenticated
  request and nothing on the storage side.

This module makes the second: ``GET /api/v1/media/{id}/download`` (the key's
own files only, like every read) answers with a URL valid for
``LINK_SECONDS``, long enough to start a download and too short to share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from chalicelib import records, storage
from chalicelib.domain import clock
from chalicelib.domain.fields import clean_original_name
from chalicelib.domain.formats import extension_of
from chalicelib.errors import MediaNotFound

#: How long a download link works: it is followed at once by the browser that asked.
LINK_SECONDS = 60


@dataclass(frozen=True)
class DownloadLink:
    url: str
    filename: str
    expires_at: str


def attachment(filename: str) -> str:
    """A Content-Disposition that saves the file under ``filename`` (RFC 6266: an ASCII
    fallback, the real name as UTF-8 in ``filename*``)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def saved_name(original_name: str, extension: str) -> str:
    """The original name, with the stored extension when the content was another type
    (PNG bytes sent as photo.jpg are saved as photo.png, so they open as what they are)."""
    name = clean_original_name(original_name)
    if extension_of(name) == extension:
        return name
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem}.{extension}"


def download_link(account_id: str, media_id: int) -> DownloadLink:
    """A link that saves the account's file under its original name, or MediaNotFound."""
    media = records.store().get_media(account_id, media_id)
    if media is None:
        raise MediaNotFound()
    filename = saved_name(media.original_name, media.extension)
    expires = clock.now() + timedelta(seconds=LINK_SECONDS)
    url = storage.store().presign_download(media.storage_key, attachment(filename), LINK_SECONDS)
    return DownloadLink(url, filename, clock.to_text(expires))
