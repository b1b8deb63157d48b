"""Downloads: a file's public URL streamed to disk, started again if the connection breaks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from media_client._retry import TRANSIENT_ERRORS
from media_client._streams import Progress
from media_client.errors import APIConnectionError, StorageError, storage_error_from_response
from media_client.models import MediaFile

if TYPE_CHECKING:
    from media_client.client import Client


def fetch_to(client: Client, media: MediaFile, into: Path, tracker: Progress) -> None:
    """GET ``media.url`` into ``into``; a connection lost mid-body starts it again (retried like any call)."""
    attempt = 0
    while True:
        sent = client.sender.send(lambda: client.http.build_request("GET", media.url), stream=True)
        response = sent.response
        if response.status_code >= 400:
            raise storage_error_from_response(response)
        written = 0
        try:
            with into.open("wb") as out:
                for chunk in response.iter_bytes(client.chunk_size):
                    out.write(chunk)
                    written += len(chunk)
                    tracker.update(written)
        except TRANSIENT_ERRORS as exc:
            delay = client.sender.policy.wait(attempt, None)
            if delay is None:
                raise APIConnectionError(f"The download of {media.url} broke off: {exc}") from exc
            client.sender.sleep(delay)
            attempt += 1
            continue
        finally:
            response.close()
        if written != media.file_size:
            raise StorageError(
                f"The download of file {media.id} ended after {written} of {media.file_size} bytes.",
                code="incomplete_download",
            )
        return
