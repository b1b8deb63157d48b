"""The contract's JSON, made in one place from the domain's values.

The use cases answer with values (a MediaFile, an upload session, an account,
a page of files); the HTTP edge and the ops CLI turn them into JSON here:
the MediaFile object, the upload session object, the account object (the
API's and the ops CLI's variants), and Laravel's paginator envelopes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from chalicelib.config import get_settings
from chalicelib.domain.formats import extensions_by_type, formatted_size
from chalicelib.domain.names import SessionStatus
from chalicelib.domain.upload import UploadSession
from chalicelib.domain.values import Account, ApiKey, MediaFile
from chalicelib.errors import MediaError
from chalicelib.storage.port import PresignedUpload

if TYPE_CHECKING:
    from chalicelib.downloads import DownloadLink
    from chalicelib.listing import MediaPage


def media_json(media: MediaFile) -> dict[str, Any]:
    """The MediaFile object, field for field."""
    public_base_url = get_settings().public_base_url
    url = f"{public_base_url}/{media.storage_key}"
    return {
        "id": media.media_id,
        "name": media.name,
        "original_name": media.original_name,
        "url": url,
        "file_type": str(media.file_type),
        "mime_type": media.mime_type,
        "extension": media.extension,
        "file_size": media.file_size,
        "formatted_size": formatted_size(media.file_size),
        "metadata": media.metadata or None,
        "uploaded_by": str(media.uploaded_by),
        "is_active": media.is_active,
        "created_at": media.created_at,
        "updated_at": media.updated_at,
        "thumbnail_url": f"{public_base_url}/{media.thumbnail_key}" if media.thumbnail_key else None,
        "description": media.description,
        "tags": list(media.tags),
        "delivery": delivery_json(media, url, public_base_url),
    }


def delivery_json(media: MediaFile, url: str, public_base_url: str) -> dict[str, Any]:
    """Where a file can be sent: the rendition made for the channels that cannot take the
    original, and per channel the URL to send or why there is none."""
    made = media.delivery.rendition
    rendition_url = f"{public_base_url}/{made.key}" if made is not None else None
    rendition = None
    if made is not None:
        rendition = {
            "url": rendition_url,
            "mime_type": made.mime_type,
            "extension": made.extension,
            "file_size": made.file_size,
            "metadata": made.metadata,
        }
    channels = {
        name: {"url": channel.url, "source": channel.source, "reason": channel.reason}
        for name, channel in media.channels(url, rendition_url).items()
    }
    return {"status": str(media.delivery.status), "rendition": rendition, "channels": channels}


def session_json(
    session: UploadSession, media: MediaFile | None = None, error: MediaError | None = None
) -> dict[str, Any]:
    """The upload session object (with ``media`` once completed, ``error`` once rejected)."""
    body: dict[str, Any] = {
        "id": session.upload_id,
        "status": str(session.status),
        "filename": session.declared.original_name,
        "name": session.declared.name,
        "file_size": session.declared_size,
        "expires_at": session.expires_at,
        "created_at": session.created_at,
    }
    if session.status == SessionStatus.COMPLETED and session.media_id is not None:
        body["media"] = media_json(media) if media is not None else None
    if session.status == SessionStatus.REJECTED and error is not None:
        body["error"] = {"code": session.reason, "message": error.message, **error.extra}
    return body


def started_upload_json(session: UploadSession, form: PresignedUpload) -> dict[str, Any]:
    """The answer to starting an upload session: where and how to send the bytes, until when."""
    return {
        "id": session.upload_id,
        "status": str(session.status),
        "upload": form.to_json(),
        "expires_at": session.expires_at,
        "max_size": session.declared_size,
    }


def usage_json(account: Account) -> dict[str, Any]:
    """An account's counters as ``usage``."""
    return {
        "files": account.media_count,
        "images": account.image_count,
        "videos": account.video_count,
        "bytes": account.bytes_used,
        "formatted_bytes": formatted_size(account.bytes_used),
    }


def _plan_json(account: Account) -> dict[str, Any]:
    return {
        "name": account.name,
        "media_limit": account.media_limit,
        "remaining": account.remaining,
        "usage": usage_json(account),
    }


def account_json(account: Account) -> dict[str, Any]:
    """GET /api/v1/account: name, plan, usage and the limits a client must respect."""
    settings = get_settings()
    return {
        **_plan_json(account),
        "limits": {
            "max_file_size": settings.max_file_size,
            "direct_upload_max_bytes": settings.direct_upload_max_bytes,
            "upload_expires_seconds": settings.upload_expires_seconds,
            "extensions": extensions_by_type(),
        },
    }


def admin_account_json(account: Account, keys: list[ApiKey] | None = None) -> dict[str, Any]:
    """An account as the ops CLI shows it: its id and creation, plan and usage (and its keys)."""
    body = {"account_id": account.account_id, "created_at": account.created_at, **_plan_json(account)}
    if keys is not None:
        body["keys"] = [key_json(k) for k in keys]
    return body


def key_json(key: ApiKey) -> dict[str, Any]:
    """A stored key: only its display prefix (keys are stored hashed), and when it was
    last used (to within chalicelib.auth.LAST_USED_EVERY; None: never)."""
    return {
        "prefix": key.prefix,
        "created_at": key.created_at,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
    }


def list_json(page: MediaPage, path_url: str) -> dict[str, Any]:
    """A page of files as Laravel's paginator JSON: the length-aware one in page mode, the cursor
    one in cursor mode; every link absolute (``path_url``) and keeping the caller's filters."""
    data = [media_json(m) for m in page.items]
    query = page.query
    if query.cursor is not None:
        return cursor_envelope(
            data,
            path_url=path_url,
            query=query.echo,
            per_page=query.per_page,
            next_cursor=page.next_cursor,
            prev_cursor=page.prev_cursor,
        )
    return page_envelope(
        data, path_url=path_url, query=query.echo, page=query.page, per_page=query.per_page, total=page.total
    )


def _url(path_url: str, query: dict[str, Any], **extra: Any) -> str:
    params = {k: v for k, v in {**query, **extra}.items() if v is not None}
    return f"{path_url}?{urlencode(params)}" if params else path_url


def page_envelope(
    data: list[dict[str, Any]], *, path_url: str, query: dict[str, Any], page: int, per_page: int, total: int
) -> dict[str, Any]:
    """Laravel's LengthAwarePaginator JSON."""
    last_page = max(1, math.ceil(total / per_page))
    first_index = (page - 1) * per_page + 1
    return {
        "data": data,
        "links": {
            "first": _url(path_url, query, page=1),
            "last": _url(path_url, query, page=last_page),
            "prev": _url(path_url, query, page=page - 1) if page > 1 else None,
            "next": _url(path_url, query, page=page + 1) if page < last_page else None,
        },
        "meta": {
            "current_page": page,
            "from": first_index if data else None,
            "last_page": last_page,
            "path": path_url,
            "per_page": per_page,
            "to": first_index + len(data) - 1 if data else None,
            "total": total,
        },
    }


def cursor_envelope(
    data: list[dict[str, Any]],
    *,
    path_url: str,
    query: dict[str, Any],
    per_page: int,
    next_cursor: str | None,
    prev_cursor: str | None,
) -> dict[str, Any]:
    """Laravel's CursorPaginator JSON."""
    return {
        "data": data,
        "links": {
            "first": None,
            "last": None,
            "prev": _url(path_url, query, cursor=prev_cursor) if prev_cursor else None,
            "next": _url(path_url, query, cursor=next_cursor) if next_cursor else None,
        },
        "meta": {
            "path": path_url,
            "per_page": per_page,
            "next_cursor": next_cursor,
            "prev_cursor": prev_cursor,
        },
    }


def download_json(link: DownloadLink) -> dict[str, Any]:
    """``GET /media/{id}/download``: where to fetch the file so that it is saved, and until when."""
    return {"url": link.url, "filename": link.filename, "expires_at": link.expires_at}
