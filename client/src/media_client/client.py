"""The Client: one object per API key, holding a connection pool (use it as a context manager)."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import quote

import httpx

from media_client import _uploads
from media_client._downloads import fetch_to
from media_client._http import Sender, Sent
from media_client._retry import RetryPolicy
from media_client._streams import CHUNK_SIZE, Progress, ProgressCallback, open_source
from media_client.errors import MissingApiKey, error_from_response
from media_client.models import Account, Limits, MediaFile

API_KEY_ENV = "MEDIA_API_KEY"
API_URL_ENV = "MEDIA_API_URL"
#: Where `make run` serves the API.
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
API_PREFIX = "/api/v1"
#: Per operation (connect, each read, each write), not per request: big uploads take as long as they need.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


class _Unset:
    """The default of an argument that may also be given as None (which means "clear it")."""


UNSET = _Unset()


def _version() -> str:
    from media_client import __version__

    return __version__


def _media_path(media_id: int | str) -> str:
    return f"/media/{quote(str(media_id), safe='')}"


class Client:
    """A client of the Media API.

    Args:
        api_key: the account's key (``sk_live_...``); default ``MEDIA_API_KEY``.
        base_url: the server's root, such as ``https://media.example.com`` (without
            ``/api/v1``); default ``MEDIA_API_URL``, else ``http://127.0.0.1:8000``.
        timeout: seconds per network operation, or an ``httpx.Timeout``.
        retry: how transient failures are retried (default: 4 retries, backoff with jitter).
        transport: an httpx transport to send through (proxies, tests).
        chunk_size: bytes read from disk per write while uploading.

    Raises:
        MissingApiKey: no key given and ``MEDIA_API_KEY`` unset.
        ValueError: the address is not an http(s) URL.

    Example::

        with Client() as media:
            clip = media.upload("launch.mp4", name="Launch video")
            print(clip.id, clip.url)
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        key = (api_key if api_key is not None else os.environ.get(API_KEY_ENV, "")).strip()
        if not key:
            raise MissingApiKey(f"No API key: set {API_KEY_ENV} or pass api_key=.")
        root = (base_url or os.environ.get(API_URL_ENV, "").strip() or DEFAULT_BASE_URL).rstrip("/")
        if root.endswith(API_PREFIX):
            root = root[: -len(API_PREFIX)]
        try:
            parsed = httpx.URL(root)
        except httpx.InvalidURL:
            parsed = httpx.URL("invalid:")
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError(
                f"The API's address must be an http(s) URL such as {DEFAULT_BASE_URL} "
                f"(base_url= or {API_URL_ENV}), not {root!r}."
            )
        self.base_url = root
        self.chunk_size = chunk_size
        self._api_key = key
        self.http = httpx.Client(
            timeout=timeout, transport=transport, headers={"User-Agent": f"media-api-client/{_version()}"}
        )
        self.sender = Sender(self.http, retry or RetryPolicy())
        self._limits: Limits | None = None
        self._limits_lock = threading.Lock()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r})"

    # -- the raw call every method goes through ---------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Sent:
        url = f"{self.base_url}{API_PREFIX}{path}"
        sent_headers = {"X-Api-Key": self._api_key, "Accept": "application/json", **(headers or {})}
        if method.upper() == "POST":
            # Every POST carries a key, so retrying it can never act twice (docs/architecture.md, "Idempotent retries").
            sent_headers["Idempotency-Key"] = idempotency_key or _uploads.new_upload_key()
        extra: dict[str, Any] = {}
        if json is not None:
            extra["json"] = json
        if content is not None:
            extra["content"] = content

        def build() -> httpx.Request:
            return self.http.build_request(method, url, params=params, headers=sent_headers, **extra)

        return self.sender.send(build)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        """Call any route under ``/api/v1`` (``path`` such as ``/media/uploads/ID``), with the key,
        retries and error mapping of every other method. A POST without ``idempotency_key`` gets a new one.

        Raises:
            MediaAPIError: the subclass named after the answer's ``code``.
        """
        sent = self._send(
            method, path, params=params, json=json, content=content, headers=headers, idempotency_key=idempotency_key
        )
        if sent.response.status_code >= 400:
            raise error_from_response(sent.response)
        return sent.response

    def post_mcp(
        self, body: bytes, headers: Mapping[str, str] | None = None, *, idempotency_key: str | None = None
    ) -> httpx.Response:
        """POST a JSON-RPC message to the server's MCP endpoint (``{base_url}/mcp``) with the key and
        the retries of every other call; the answer as it came, whatever its status.

        Raises:
            APIConnectionError: no answer came.
        """
        url = f"{self.base_url}/mcp"
        sent = {"X-Api-Key": self._api_key, "Content-Type": "application/json", **(headers or {})}
        if idempotency_key is not None:
            sent["Idempotency-Key"] = idempotency_key

        def build() -> httpx.Request:
            return self.http.build_request("POST", url, content=body, headers=sent)

        return self.sender.send(build).response

    # -- reading -----------------------------------------------------------------------------

    def account(self) -> Account:
        """The account: plan, usage and upload limits."""
        account = Account.from_dict(self.request("GET", "/account").json())
        self._limits = account.limits
        return account

    def _upload_limits(self) -> Limits:
        """The account's limits, fetched once per client (they are the deployment's settings)."""
        with self._limits_lock:
            if self._limits is None:
                self.account()
            assert self._limits is not None
            return self._limits

    def get(self, media_id: int | str) -> MediaFile:
        """One file. Raises NotFound when the account has no such file."""
        return MediaFile.from_dict(self.request("GET", _media_path(media_id)).json())

    def iter_media(
        self,
        type: str | None = None,
        search: str | None = None,
        per_page: int = 100,
        *,
        tag: str | None = None,
        channel: str | None = None,
    ) -> Iterator[MediaFile]:
        """Every file, newest first, fetched a page at a time as the iteration goes (cursor pages).

        Args:
            type: ``image`` or ``video`` (default both).
            search: part of the name or original name (case and accents ignored).
            per_page: files per request, 1..100.
            tag: only files with this tag.
            channel: only files this chat channel can take now (``whatsapp``, ``messenger``,
                ``instagram``, ``telegram``, ``web``).
        """
        params: dict[str, Any] = {"per_page": per_page, "cursor": ""}
        for name, value in (("type", type), ("search", search), ("tag", tag), ("channel", channel)):
            if value:
                params[name] = value
        while True:
            page = self.request("GET", "/media", params=params).json()
            for item in page["data"]:
                yield MediaFile.from_dict(item)
            cursor = (page.get("meta") or {}).get("next_cursor")
            if not cursor:
                return
            params["cursor"] = cursor

    # -- changing ----------------------------------------------------------------------------

    def rename(self, media_id: int | str, name: str) -> MediaFile:
        """Give a file a new display name (1..255 characters); returns the renamed file."""
        return MediaFile.from_dict(self.request("PUT", _media_path(media_id), json={"name": name}).json())

    def describe(
        self,
        media_id: int | str,
        *,
        description: str | None | _Unset = UNSET,
        tags: Sequence[str] | None = None,
    ) -> MediaFile:
        """Set a file's description (None clears it) and/or its tags (an empty list clears
        them); what is not given stays. Returns the changed file."""
        body: dict[str, Any] = {}
        if not isinstance(description, _Unset):
            body["description"] = description
        if tags is not None:
            body["tags"] = list(tags)
        if not body:
            raise ValueError("Give a description, tags, or both.")
        return MediaFile.from_dict(self.request("PUT", _media_path(media_id), json=body).json())

    def delete(self, media_id: int | str) -> None:
        """Delete a file and its stored bytes.

        Raises NotFound when there is no such file, AdminFileProtected for an administrator's file.
        A 404 on a retry whose earlier attempt may have deleted the file (its answer was lost) counts as done.
        """
        sent = self._send("DELETE", _media_path(media_id))
        status = sent.response.status_code
        if status == 404 and sent.may_have_acted_before:
            return
        if status >= 400:
            raise error_from_response(sent.response)

    def upload(
        self,
        file: str | os.PathLike[str] | IO[bytes],
        name: str | None = None,
        progress: ProgressCallback | None = None,
        *,
        filename: str | None = None,
    ) -> MediaFile:
        """Upload an image or a video of any allowed size; returns the recorded file.

        Files up to the account's ``direct_upload_max_bytes`` go in one request;
        larger ones through an upload session, straight to storage. Either way
        the file is streamed from disk, never held in memory, and every POST
        carries one Idempotency-Key, so retries (connection errors, timeouts,
        429, 5xx, honouring Retry-After) never make a second file.

        Args:
            file: a path, or a binary file object (sent from its current position).
            name: the display name (default: the file's name).
            progress: called as ``progress(sent_bytes, total_bytes)``, from 0 up to the total, never backwards.
            filename: the name to send a file object under (default: its ``name``); its extension decides the type.

        Raises:
            ValidationFailed: the type or size is not allowed (checked before sending, in the API's words),
                or the API found the content invalid.
            MediaLimitReached: the plan is full.
            MediaAPIError: any other refusal; APIConnectionError when no answer came.
        """
        source = open_source(file, filename)
        try:
            limits = self._upload_limits()
            _uploads.check_file(source.filename, source.size, limits)
            tracker = Progress(source.size, progress)
            tracker.update(0)
            key = _uploads.new_upload_key()
            flow = _uploads.upload_direct if source.size <= limits.direct_upload_max_bytes else _uploads.upload_session
            media = flow(self, source, name, tracker, key, self.chunk_size)
            tracker.finish()
            return MediaFile.from_dict(media)
        finally:
            source.close()

    def download(
        self, media_id: int | str, path: str | os.PathLike[str], *, progress: ProgressCallback | None = None
    ) -> Path:
        """Save a file's bytes at ``path`` (into it, under the original name, when it is a directory).

        The bytes are streamed to a temporary file beside the target, which
        replaces the target only once complete. Returns the path written.
        """
        media = self.get(media_id)
        target = Path(path)
        if target.is_dir():
            target = target / (Path(media.original_name).name or f"media-{media.id}.{media.extension}")
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
        tracker = Progress(media.file_size, progress)
        tracker.update(0)
        try:
            fetch_to(self, media, partial, tracker)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        tracker.finish()
        return target
