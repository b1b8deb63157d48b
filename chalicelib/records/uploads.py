"""Upload sessions: created before the bytes arrive, closed once."""

from __future__ import annotations

from collections.abc import Iterator

from chalicelib.media import now_iso
from chalicelib.models import UploadSession
from chalicelib.records.base import get_or_none, translated, update_if
from chalicelib.states import SessionStatus


@translated
def put_session(session: UploadSession) -> None:
    session.save(condition=UploadSession.upload_id.does_not_exist())


@translated
def get_session(upload_id: str, *, consistent: bool = False) -> UploadSession | None:
    """``consistent`` reads what the last write left (a default read may be stale for ~1 s)."""
    return get_or_none(UploadSession, upload_id, consistent=consistent)


@translated
def reject_session(session: UploadSession, reason: str, message: str) -> bool:
    """Mark a pending session rejected; False when it was already closed."""
    actions = [
        UploadSession.status.set(SessionStatus.REJECTED),
        UploadSession.reason.set(reason),
        UploadSession.reason_message.set(message),
    ]
    return update_if(session, actions, UploadSession.status == SessionStatus.PENDING)


@translated
def acknowledge_session(upload_id: str) -> bool:
    """True exactly once per session: the first ``complete`` that returns the file."""
    condition = UploadSession.upload_id.exists() & UploadSession.acknowledged_at.does_not_exist()
    return update_if(UploadSession(upload_id), [UploadSession.acknowledged_at.set(now_iso())], condition)


@translated
def scan_sessions() -> Iterator[UploadSession]:
    yield from UploadSession.scan()
