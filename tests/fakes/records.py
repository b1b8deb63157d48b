"""The records port in memory: what the use-case tests run on instead of DynamoDB.

It keeps DynamoDB's promises as records.dynamo does (tests/contract/test_records.py
runs the same tests against both): conditional writes that answer False/None
when their condition fails, one transaction for a file's record, its account's
counters and its session's close, strongly consistent reads. One lock makes
every call atomic, as DynamoDB makes each request.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain import clock
from chalicelib.domain.names import FileType, SessionStatus, Uploader
from chalicelib.domain.search import Folded
from chalicelib.domain.upload import UploadSession
from chalicelib.domain.values import Account, ApiKey, HeldKey, MediaChanges, MediaFile
from chalicelib.errors import AccountNotFound, MediaLimitReached, ServiceUnavailable
from chalicelib.records.port import MediaQuery

UNAVAILABLE = "The database is temporarily unavailable. Retry the request."


@dataclasses.dataclass
class _Key:
    fingerprint: str
    done: bool
    locked_until: float
    expires: datetime
    status: int | None = None
    body: str = ""
    headers: dict[str, Any] | None = None


class MemoryRecords:
    """records.port.Records in a process's memory."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self.next_ids: dict[str, int] = {}
        self.keys: dict[str, ApiKey] = {}
        self.media: dict[tuple[str, int], MediaFile] = {}
        self.sessions: dict[str, UploadSession] = {}
        self.idempotency: dict[tuple[str, str], _Key] = {}

    # -- accounts and keys -------------------------------------------------------------------

    def get_account(self, account_id: str) -> Account | None:
        with self._lock:
            return self.accounts.get(account_id)

    def put_account(self, account: Account) -> None:
        with self._lock:
            if account.account_id in self.accounts:  # a failed condition PynamoDB raises on save
                raise ServiceUnavailable(UNAVAILABLE)
            self.accounts[account.account_id] = dataclasses.replace(
                account, media_count=0, image_count=0, video_count=0, bytes_used=0
            )

    def set_media_limit(self, account_id: str, limit: int | None) -> Account | None:
        with self._lock:
            account = self.accounts.get(account_id)
            if account is None:
                return None
            self.accounts[account_id] = dataclasses.replace(account, media_limit=limit)
            return self.accounts[account_id]

    def scan_accounts(self) -> Iterator[Account]:
        with self._lock:
            found = list(self.accounts.values())
        yield from found

    def put_api_key(self, key: ApiKey) -> None:
        with self._lock:
            if key.key_hash in self.keys:
                raise ServiceUnavailable(UNAVAILABLE)
            # DynamoRecords stores a new key without revocation or use, whatever the value says.
            self.keys[key.key_hash] = dataclasses.replace(key, revoked_at=None, last_used_at=None)

    def get_api_key(self, key_hash: str) -> ApiKey | None:
        with self._lock:
            return self.keys.get(key_hash)

    def list_api_keys(self, account_id: str) -> list[ApiKey]:
        with self._lock:
            return sorted((k for k in self.keys.values() if k.account_id == account_id), key=lambda k: k.created_at)

    def revoke_api_key(self, key_hash: str, when: str) -> bool:
        with self._lock:
            key = self.keys.get(key_hash)
            if key is None or key.revoked_at:
                return False
            self.keys[key_hash] = dataclasses.replace(key, revoked_at=when)
            return True

    def note_key_use(self, key_hash: str, when: str, older_than: str) -> bool:
        with self._lock:
            key = self.keys.get(key_hash)
            if key is None or (key.last_used_at is not None and key.last_used_at >= older_than):
                return False
            self.keys[key_hash] = dataclasses.replace(key, last_used_at=when)
            return True

    def scan_api_keys(self) -> Iterator[ApiKey]:
        with self._lock:
            found = list(self.keys.values())
        yield from found

    # -- media -------------------------------------------------------------------------------

    def get_media(self, account_id: str, media_id: int, *, consistent: bool = False) -> MediaFile | None:
        with self._lock:
            return self.media.get((account_id, media_id))

    def get_media_batch(self, account_id: str, media_ids: list[int]) -> dict[int, MediaFile]:
        with self._lock:
            return {i: self.media[(account_id, i)] for i in media_ids if (account_id, i) in self.media}

    def _matching(self, account_id: str, query: MediaQuery) -> list[MediaFile]:
        found = [m for (owner, _), m in self.media.items() if owner == account_id]
        if query.file_type is not None:
            found = [m for m in found if m.file_type == query.file_type]
        if query.before_id is not None:
            found = [m for m in found if m.media_id < query.before_id]
        elif query.after_id is not None:
            found = [m for m in found if m.media_id > query.after_id]
        if query.search:
            search = query.search
            found = [m for m in found if search in m.folded.name or search in m.folded.original_name]
        if query.tag:
            found = [m for m in found if query.tag in m.tags]
        if query.channel:
            found = [m for m in found if query.channel in m.deliverable]
        found.sort(key=lambda m: m.media_id, reverse=query.newest_first)
        return found if query.limit is None else found[: query.limit]

    def query_media(self, account_id: str, query: MediaQuery) -> list[MediaFile]:
        with self._lock:
            return self._matching(account_id, query)

    def query_media_ids(self, account_id: str, query: MediaQuery) -> list[int]:
        with self._lock:
            return [m.media_id for m in self._matching(account_id, query)]

    def search_media(self, account_id: str, words: list[str], query: MediaQuery) -> list[tuple[int, Folded]]:
        with self._lock:
            every = self._matching(account_id, MediaQuery(query.file_type, tag=query.tag, channel=query.channel))

        def holds(folded: Folded) -> bool:
            fields = (folded.name, folded.tags, folded.original_name, folded.description)
            return not words or any(w in f for w in words for f in fields)

        return [(m.media_id, m.folded) for m in every if holds(m.folded)]

    def scan_media(self) -> Iterator[MediaFile]:
        with self._lock:
            found = list(self.media.values())
        yield from found

    def allocate_media_id(self, account_id: str) -> int:
        with self._lock:
            if account_id not in self.accounts:
                raise AccountNotFound()
            self.next_ids[account_id] = self.next_ids.get(account_id, 0) + 1
            return self.next_ids[account_id]

    def _count(self, media: MediaFile, sign: int) -> None:
        account = self.accounts.get(media.account_id)
        if account is None:
            return
        typed = "image_count" if media.file_type == FileType.IMAGE else "video_count"
        self.accounts[media.account_id] = dataclasses.replace(
            account,
            media_count=account.media_count + sign,
            bytes_used=account.bytes_used + sign * media.file_size,
            **{typed: getattr(account, typed) + sign},
        )

    def record_media(self, media: MediaFile, session: UploadSession) -> bool:
        with self._lock:
            stored = self.sessions.get(session.upload_id)
            if stored is None or not stored.is_pending:
                return False
            account = self.accounts.get(media.account_id)
            if account is None:
                raise AccountNotFound()
            if not account.has_room():
                raise MediaLimitReached(account.media_limit or 0, account.media_count)
            if (media.account_id, media.media_id) in self.media:
                raise ServiceUnavailable("The file could not be recorded. Retry the request.")
            self.media[(media.account_id, media.media_id)] = media
            self._count(media, 1)
            self.sessions[session.upload_id] = dataclasses.replace(
                stored, status=SessionStatus.COMPLETED, media_id=media.media_id, storage_key=media.storage_key
            )
            return True

    def _at(self, account_id: str, media_id: int, versions: list[int] | None) -> MediaFile | None:
        found = self.media.get((account_id, media_id))
        if found is None or (versions and found.version not in versions):
            return None
        return found

    def update_media(
        self, account_id: str, media_id: int, changes: MediaChanges, now: str, *, versions: list[int] | None = None
    ) -> MediaFile | None:
        with self._lock:
            found = self._at(account_id, media_id, versions)
            if found is None:
                return None
            updated = dataclasses.replace(
                found,
                name=changes.name if changes.name is not None else found.name,
                description=changes.description if changes.sets_description else found.description,
                tags=changes.tags if changes.tags is not None else found.tags,
                updated_at=now,
                version=found.version + 1,
            )
            self.media[(account_id, media_id)] = updated
            return updated

    def confirm_version(self, account_id: str, media_id: int, versions: list[int]) -> bool:
        with self._lock:
            return self._at(account_id, media_id, versions) is not None

    def set_thumbnail(self, account_id: str, media_id: int, storage_key: str, thumbnail_key: str) -> bool:
        with self._lock:
            found = self.media.get((account_id, media_id))
            if found is None or found.storage_key != storage_key or found.thumbnail_key:
                return False
            self.media[(account_id, media_id)] = dataclasses.replace(
                found, thumbnail_key=thumbnail_key, version=found.version + 1
            )
            return True

    def save_facts(self, media: MediaFile) -> bool:
        with self._lock:
            found = self.media.get((media.account_id, media.media_id))
            if found is None or found.storage_key != media.storage_key:
                return False
            self.media[(media.account_id, media.media_id)] = dataclasses.replace(
                found,
                metadata=media.metadata,
                traits=media.traits,
                delivery=media.delivery,
                version=found.version + 1,
            )
            return True

    def note_thumbnail_failure(self, account_id: str, media_id: int) -> None:
        with self._lock:
            found = self.media.get((account_id, media_id))
            if found is not None:
                attempts = found.thumbnail_attempts + 1
                self.media[(account_id, media_id)] = dataclasses.replace(found, thumbnail_attempts=attempts)

    def delete_media_record(self, media: MediaFile, *, client_only: bool = False) -> bool:
        with self._lock:
            found = self.media.get((media.account_id, media.media_id))
            if found is None or (client_only and found.uploaded_by == Uploader.ADMIN):
                return False
            del self.media[(media.account_id, media.media_id)]
            self._count(media, -1)  # by the caller's value, as the DynamoDB transaction counts
            return True

    # -- upload sessions ---------------------------------------------------------------------

    def put_session(self, session: UploadSession) -> None:
        with self._lock:
            if session.upload_id in self.sessions:
                raise ServiceUnavailable(UNAVAILABLE)
            self.sessions[session.upload_id] = session

    def get_session(self, upload_id: str, *, consistent: bool = False) -> UploadSession | None:
        with self._lock:
            return self.sessions.get(upload_id)

    def reject_session(self, rejected: UploadSession) -> bool:
        with self._lock:
            stored = self.sessions.get(rejected.upload_id)
            if stored is None or not stored.is_pending:
                return False
            self.sessions[rejected.upload_id] = dataclasses.replace(
                stored,
                status=SessionStatus.REJECTED,
                reason=rejected.reason or "rejected",
                reason_message=rejected.reason_message or "",
            )
            return True

    def acknowledge_session(self, upload_id: str) -> bool:
        with self._lock:
            stored = self.sessions.get(upload_id)
            if stored is None or stored.acknowledged_at:
                return False
            self.sessions[upload_id] = dataclasses.replace(stored, acknowledged_at=clock.now_text())
            return True

    def scan_sessions(self) -> Iterator[UploadSession]:
        with self._lock:
            found = list(self.sessions.values())
        yield from found

    # -- idempotency keys --------------------------------------------------------------------

    def claim_key(
        self, account_id: str, key: str, fingerprint: str, lock: timedelta, keep: timedelta
    ) -> HeldKey | None:
        now = datetime.now(UTC)
        with self._lock:
            held = self.idempotency.get((account_id, key))
            free = held is None or held.expires < now or (not held.done and held.locked_until < int(now.timestamp()))
            if free:
                until = int((now + lock).timestamp())
                self.idempotency[(account_id, key)] = _Key(fingerprint, False, until, now + keep)
                return None
            assert held is not None
            if not held.done or held.status is None:
                return HeldKey(held.fingerprint)
            return HeldKey(held.fingerprint, held.status, held.body, dict(held.headers or {}))

    def keep_answer(
        self, account_id: str, key: str, fingerprint: str, status: int, body: str, headers: dict[str, Any]
    ) -> bool:
        with self._lock:
            held = self.idempotency.get((account_id, key))
            if held is None or held.fingerprint != fingerprint or held.done:
                return False
            held.done, held.status, held.body, held.headers = True, status, body, dict(headers)
            return True

    def release_key(self, account_id: str, key: str, fingerprint: str) -> None:
        with self._lock:
            held = self.idempotency.get((account_id, key))
            if held is not None and held.fingerprint == fingerprint and not held.done:
                del self.idempotency[(account_id, key)]
