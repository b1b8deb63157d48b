"""An upload session and its lifecycle, as a small state machine with no I/O.

Every object has a session before its bytes arrive: a direct upload's bytes
go to their public key at once; a presigned upload's wait at the session's
private staging key until ingest promotes them. A session is closed exactly
once::

    open ──► PENDING ──complete──► COMPLETED (a media file)
                │
                ├──reject────────► REJECTED (a reason)
                └──expire────────► REJECTED (upload_expired)

A transition returns the new value; records writes it on condition that the
stored session is still pending, so of two racing closes one wins and the
other learns what became of the session (:meth:`UploadSession.settle`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain import clock, wording
from chalicelib.domain.fields import clean_original_name, name_errors
from chalicelib.domain.formats import extension_of, family_of
from chalicelib.domain.layout import new_upload_id, staged_key
from chalicelib.domain.names import FileType, SessionStatus, Uploader, UploadFlow
from chalicelib.domain.traits import Traits
from chalicelib.domain.values import MediaFile
from chalicelib.errors import InvalidInput

#: Finished sessions stay readable (GET /uploads/{id}) this long, then expire.
SESSION_RETENTION = timedelta(days=7)
#: Clock skew allowed between storage's LastModified and a session's expiry.
EXPIRY_GRACE = timedelta(seconds=30)
EXPIRED_REASON = "upload_expired"


class InvalidTransition(Exception):
    """A transition asked of a session in a state that does not allow it (a bug, not input)."""


@dataclass(frozen=True)
class Declared:
    """What the client said about a file before its bytes were read."""

    original_name: str  # the client's filename, made safe to show
    name: str  # display name
    extension: str  # of original_name (allowed)
    file_type: FileType  # family of that extension

    @classmethod
    def parse(cls, filename: str | None, name: Any, *, file_field: str = "file") -> Declared:
        """The declared file, or InvalidInput naming each bad field (``file_field``: the filename's field)."""
        errors: dict[str, list[str]] = {}
        original = clean_original_name(filename) if filename else ""
        extension = extension_of(original)
        family = family_of(extension)
        if not filename:
            errors[file_field] = [f"The {file_field} field is required."]
        elif family is None:
            errors[file_field] = [wording.not_media(original)]
        display = original
        if isinstance(name, str) and not name.strip():
            name = None  # an empty form field means "use the filename"
        if name is not None:
            problems = name_errors(name)
            if problems:
                errors["name"] = problems
            else:
                display = name.strip()
        if errors or family is None:
            raise InvalidInput(errors)
        return cls(original, display, extension, family)


@dataclass(frozen=True)
class Settlement:
    """A closed session, as whatever reaches it afterwards must treat it: the objects left to
    remove, and its file's id when it was completed (None: it was rejected)."""

    leftovers: tuple[str, ...]
    media_id: int | None


@dataclass(frozen=True)
class UploadSession:
    upload_id: str
    account_id: str
    declared: Declared
    declared_size: int | None
    content_type: str | None
    uploaded_by: Uploader
    flow: UploadFlow
    status: SessionStatus
    created_at: str
    expires_at: str
    #: The public key of the file: set at opening for a direct upload, when the
    #: file is recorded for a presigned one (its bytes wait at a staging key).
    storage_key: str | None = None
    media_id: int | None = None
    reason: str | None = None
    reason_message: str | None = None
    #: When the first successful ``complete`` answered (its 201; later ones get 200).
    acknowledged_at: str | None = None

    @classmethod
    def direct(
        cls, account_id: str, declared: Declared, *, storage_key: str, size: int, content_type: str, **opening: Any
    ) -> UploadSession:
        """A session for bytes in the request, already checked and headed for ``storage_key``
        (``opening``: ``uploaded_by``, ``lifetime``, ``now``, as :meth:`open` takes them)."""
        return cls.open(account_id, declared, UploadFlow.DIRECT, size, content_type, storage_key=storage_key, **opening)

    @classmethod
    def presigned(
        cls, account_id: str, declared: Declared, *, size: int, content_type: str, lifetime: timedelta
    ) -> UploadSession:
        """A session whose bytes a client sends with a presigned form to its staging key."""
        return cls.open(account_id, declared, UploadFlow.PRESIGNED, size, content_type, lifetime=lifetime)

    @classmethod
    def open(
        cls,
        account_id: str,
        declared: Declared,
        flow: UploadFlow,
        size: int,
        content_type: str,
        *,
        lifetime: timedelta,
        uploaded_by: Uploader = Uploader.CLIENT,
        storage_key: str | None = None,
        now: datetime | None = None,
    ) -> UploadSession:
        """A new pending session whose upload window is ``lifetime`` long."""
        created = now or clock.now()
        return cls(
            upload_id=new_upload_id(),
            account_id=account_id,
            declared=declared,
            declared_size=size,
            content_type=content_type,
            uploaded_by=uploaded_by,
            flow=flow,
            status=SessionStatus.PENDING,
            created_at=clock.to_text(created),
            expires_at=clock.to_text(created + lifetime),
            storage_key=storage_key,
        )

    @property
    def is_pending(self) -> bool:
        return self.status == SessionStatus.PENDING

    @property
    def staging_key(self) -> str | None:
        """Where a presigned session's form writes (None for a direct upload)."""
        return staged_key(self.account_id, self.upload_id) if self.flow == UploadFlow.PRESIGNED else None

    @property
    def retain_until(self) -> datetime:
        """When the stored session may be forgotten (its TTL)."""
        return clock.parse(self.expires_at) + SESSION_RETENTION

    def is_expired(self, at: datetime | None = None) -> bool:
        """Whether ``at`` (default: now) is past the session's upload window."""
        return (at or clock.now()) > clock.parse(self.expires_at) + EXPIRY_GRACE

    def _close(self, **changes: Any) -> UploadSession:
        if not self.is_pending:
            raise InvalidTransition(f"session {self.upload_id} is {self.status}, not pending")
        return dataclasses.replace(self, **changes)

    def complete(self, media_id: int, storage_key: str) -> UploadSession:
        """PENDING -> COMPLETED: its bytes are the file ``media_id`` at ``storage_key``."""
        return self._close(status=SessionStatus.COMPLETED, media_id=media_id, storage_key=storage_key)

    def reject(self, reason: str, message: str) -> UploadSession:
        """PENDING -> REJECTED with a stable reason code and a message for people."""
        return self._close(status=SessionStatus.REJECTED, reason=reason, reason_message=message)

    def expire(self, message: str) -> UploadSession:
        """PENDING -> REJECTED because nothing (valid) arrived within the window."""
        return self.reject(EXPIRED_REASON, message)

    def media_file(
        self,
        media_id: int,
        *,
        storage_key: str,
        mime_type: str,
        extension: str,
        metadata: Any,
        size: int,
        now: str,
        traits: Traits | None = None,
    ) -> MediaFile:
        """The file this session's checked bytes become, under a freshly allocated ``media_id``,
        its delivery processing while a poster or a rendition is to be made."""
        media = MediaFile(
            account_id=self.account_id,
            media_id=media_id,
            name=self.declared.name,
            original_name=self.declared.original_name,
            storage_key=storage_key,
            upload_id=self.upload_id,
            file_type=self.declared.file_type,
            mime_type=mime_type,
            extension=extension,
            file_size=size,
            metadata=metadata,
            uploaded_by=self.uploaded_by,
            created_at=now,
            updated_at=now,
            traits=traits or Traits(),
        )
        return media.with_initial_delivery()

    def settle(self) -> Settlement:
        """What a late arrival (a duplicate event, a re-sent form, a repeated ``complete``) does
        with a closed session: remove a re-sent form's staged bytes, finish a rejection whose
        delete failed, and find the completed file (InvalidTransition while pending)."""
        if self.is_pending:
            raise InvalidTransition(f"session {self.upload_id} is still pending")
        leftovers = [self.staging_key] if self.staging_key else []
        completed = self.status == SessionStatus.COMPLETED
        if not completed and self.staging_key is None and self.storage_key:
            leftovers.append(self.storage_key)  # a direct upload's bytes, refused
        return Settlement(tuple(leftovers), self.media_id if completed else None)
