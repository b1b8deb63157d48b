"""Upload sessions: created before the bytes arrive, closed once (chalicelib.domain.upload)."""

from __future__ import annotations

from collections.abc import Iterator

from chalicelib.domain import clock
from chalicelib.domain.names import FileType, SessionStatus, Uploader, UploadFlow
from chalicelib.domain.upload import Declared, UploadSession
from chalicelib.models import UploadItem
from chalicelib.records.base import get_or_none, translated, update_if


def session_of(item: UploadItem) -> UploadSession:
    declared = Declared(item.filename, item.name, item.extension, FileType(item.file_type))
    return UploadSession(
        upload_id=item.upload_id,
        account_id=item.account_id,
        declared=declared,
        declared_size=None if item.declared_size is None else int(item.declared_size),
        content_type=item.content_type,
        uploaded_by=Uploader(item.uploaded_by),
        flow=UploadFlow(item.flow or UploadFlow.DIRECT),
        status=SessionStatus(item.status),
        created_at=item.created_at,
        expires_at=item.expires_at,
        storage_key=item.storage_key,
        media_id=None if item.media_id is None else int(item.media_id),
        reason=item.reason,
        reason_message=item.reason_message,
        acknowledged_at=item.acknowledged_at,
    )


class UploadRecords:
    """Upload sessions (part of records.dynamo.DynamoRecords)."""

    @translated
    def put_session(self, session: UploadSession) -> None:
        """Store a newly opened session (never over an existing one)."""
        item = UploadItem(
            session.upload_id,
            account_id=session.account_id,
            storage_key=session.storage_key,
            filename=session.declared.original_name,
            name=session.declared.name,
            extension=session.declared.extension,
            file_type=str(session.declared.file_type),
            declared_size=session.declared_size,
            content_type=session.content_type,
            uploaded_by=str(session.uploaded_by),
            flow=str(session.flow),
            status=str(session.status),
            created_at=session.created_at,
            expires_at=session.expires_at,
            expires_ttl=session.retain_until,
        )
        item.save(condition=UploadItem.upload_id.does_not_exist())

    @translated
    def get_session(self, upload_id: str, *, consistent: bool = False) -> UploadSession | None:
        """``consistent`` reads what the last write left (a default read may be stale for ~1 s)."""
        item = get_or_none(UploadItem, upload_id, consistent=consistent)
        return None if item is None else session_of(item)

    @translated
    def reject_session(self, rejected: UploadSession) -> bool:
        """Store a rejection (``UploadSession.reject``/``expire``) if the stored session is still
        pending; False when another path closed it first."""
        actions = [
            UploadItem.status.set(SessionStatus.REJECTED),
            UploadItem.reason.set(rejected.reason or "rejected"),
            UploadItem.reason_message.set(rejected.reason_message or ""),
        ]
        return update_if(UploadItem(rejected.upload_id), actions, UploadItem.status == SessionStatus.PENDING)

    @translated
    def acknowledge_session(self, upload_id: str) -> bool:
        """True exactly once per session: the first ``complete`` that returns the file."""
        condition = UploadItem.upload_id.exists() & UploadItem.acknowledged_at.does_not_exist()
        return update_if(UploadItem(upload_id), [UploadItem.acknowledged_at.set(clock.now_text())], condition)

    @translated
    def scan_sessions(self) -> Iterator[UploadSession]:
        for item in UploadItem.scan():
            yield session_of(item)
