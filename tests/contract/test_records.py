"""The records port's promises, held by DynamoDB (on moto) and by the in-memory fake alike.

Every test runs against both (conftest.db), so the use-case tests that run on
the fake test what the service does on DynamoDB.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from chalicelib.domain import clock
from chalicelib.domain.names import FileType, SessionStatus, Uploader, UploadFlow
from chalicelib.domain.upload import Declared, UploadSession
from chalicelib.domain.values import Account, ApiKey, MediaChanges, MediaFile
from chalicelib.errors import AccountNotFound, MediaLimitReached, ServiceUnavailable
from chalicelib.records import MediaQuery, Records

LIFETIME = timedelta(minutes=15)
LOCK, KEEP = timedelta(seconds=60), timedelta(hours=24)


def account(db: Records, account_id: str = "acc1", limit: int | None = None) -> Account:
    db.put_account(Account(account_id, "Acme", clock.now_text(), media_limit=limit))
    found = db.get_account(account_id)
    assert found is not None
    return found


def session(
    db: Records, account_id: str = "acc1", name: str = "photo.png", by: Uploader = Uploader.CLIENT
) -> UploadSession:
    family = FileType.VIDEO if name.endswith(".mp4") else FileType.IMAGE
    declared = Declared(name, name, name.rsplit(".", 1)[1], family)
    flow = UploadFlow.PRESIGNED
    opened = UploadSession.open(account_id, declared, flow, 100, "image/png", lifetime=LIFETIME, uploaded_by=by)
    db.put_session(opened)
    return opened


def recorded(
    db: Records, account_id: str = "acc1", name: str = "photo.png", size: int = 100, by: Uploader = Uploader.CLIENT
) -> MediaFile:
    opened = session(db, account_id, name, by)
    media_id = db.allocate_media_id(account_id)
    media = opened.media_file(
        media_id,
        storage_key=f"media/{account_id}/images/1_{media_id:032x}.png",
        mime_type="image/png",
        extension="png",
        metadata={"width": 2, "height": 1},
        size=size,
        now=clock.now_text(),
    )
    assert db.record_media(media, opened)
    return media


def test_an_account_is_stored_once_with_counters_at_zero(db: Records) -> None:
    stored = account(db, limit=5)
    assert (stored.name, stored.media_limit, stored.media_count, stored.bytes_used) == ("Acme", 5, 0, 0)
    with pytest.raises(ServiceUnavailable):
        db.put_account(Account("acc1", "Again", clock.now_text()))
    assert [a.account_id for a in db.scan_accounts()] == ["acc1"]
    assert db.get_account("nobody") is None


def test_the_limit_changes_only_on_an_existing_account(db: Records) -> None:
    account(db)
    updated = db.set_media_limit("acc1", 3)
    assert updated is not None and updated.media_limit == 3 and updated.name == "Acme"
    assert db.set_media_limit("acc1", None) is not None and db.get_account("acc1").media_limit is None  # type: ignore[union-attr]
    assert db.set_media_limit("nobody", 3) is None and db.get_account("nobody") is None


def test_keys_are_listed_oldest_first_and_revoked_once(db: Records) -> None:
    db.put_api_key(ApiKey("h2", "acc1", "sk_live_BBBBBBBB", "2026-01-02T00:00:00.000000Z"))
    db.put_api_key(ApiKey("h1", "acc1", "sk_live_AAAAAAAA", "2026-01-01T00:00:00.000000Z"))
    db.put_api_key(ApiKey("h3", "acc2", "sk_live_CCCCCCCC", "2026-01-03T00:00:00.000000Z"))
    assert [k.key_hash for k in db.list_api_keys("acc1")] == ["h1", "h2"]
    assert db.revoke_api_key("h1", "2026-02-01T00:00:00.000000Z")
    assert not db.revoke_api_key("h1", "2026-02-02T00:00:00.000000Z")
    assert not db.revoke_api_key("unknown", "2026-02-02T00:00:00.000000Z")
    assert db.get_api_key("h1").revoked_at == "2026-02-01T00:00:00.000000Z"  # type: ignore[union-attr]
    assert {k.key_hash for k in db.scan_api_keys()} == {"h1", "h2", "h3"}


def test_ids_increase_per_account_and_need_the_account(db: Records) -> None:
    account(db)
    assert [db.allocate_media_id("acc1") for _ in range(3)] == [1, 2, 3]
    with pytest.raises(AccountNotFound):
        db.allocate_media_id("nobody")


def test_recording_writes_the_file_counts_it_and_completes_its_session_once(db: Records) -> None:
    account(db)
    media = recorded(db, size=1234)
    assert db.get_media("acc1", media.media_id) == media
    counted = db.get_account("acc1")
    assert counted is not None and (counted.media_count, counted.image_count, counted.bytes_used) == (1, 1, 1234)
    closed = db.get_session(media.upload_id)
    assert closed is not None and (closed.status, closed.media_id) == (SessionStatus.COMPLETED, media.media_id)
    assert closed.storage_key == media.storage_key
    again = dataclasses.replace(media, media_id=db.allocate_media_id("acc1"))
    assert not db.record_media(again, closed)  # the session is closed: a repeat records nothing
    assert db.get_media("acc1", again.media_id) is None and db.get_account("acc1").media_count == 1  # type: ignore[union-attr]


def test_a_full_plan_refuses_the_record_and_writes_nothing(db: Records) -> None:
    account(db, limit=1)
    recorded(db)
    opened = session(db)
    media = opened.media_file(
        db.allocate_media_id("acc1"),
        storage_key="media/acc1/images/2_x.png",
        mime_type="image/png",
        extension="png",
        metadata=None,
        size=5,
        now=clock.now_text(),
    )
    with pytest.raises(MediaLimitReached) as refused:
        db.record_media(media, opened)
    assert (refused.value.limit, refused.value.used) == (1, 1)
    assert db.get_media("acc1", media.media_id) is None
    assert db.get_session(opened.upload_id).is_pending  # type: ignore[union-attr]
    assert db.get_account("acc1").media_count == 1  # type: ignore[union-attr]


def test_recording_for_a_missing_account_or_session(db: Records) -> None:
    opened = session(db, "ghost")
    media = opened.media_file(
        1,
        storage_key="media/ghost/images/1_x.png",
        mime_type="image/png",
        extension="png",
        metadata=None,
        size=1,
        now="t",
    )
    with pytest.raises(AccountNotFound):
        db.record_media(media, opened)
    account(db)
    unknown = dataclasses.replace(opened, upload_id="f" * 32, account_id="acc1")
    assert not db.record_media(dataclasses.replace(media, account_id="acc1"), unknown)


def test_queries_are_by_id_order_type_bounds_limit_and_search(db: Records) -> None:
    account(db)
    account(db, "acc2")
    a = recorded(db, name="Beach.png")
    b = recorded(db, name="clip.mp4")
    c = recorded(db, name="BEACH party.png")
    recorded(db, "acc2", name="beach.png")
    every = db.query_media("acc1", MediaQuery())
    assert [m.media_id for m in every] == [c.media_id, b.media_id, a.media_id]
    assert [m.media_id for m in db.query_media("acc1", MediaQuery(newest_first=False))] == [1, 2, 3]
    assert [m.name for m in db.query_media("acc1", MediaQuery(FileType.VIDEO))] == ["clip.mp4"]
    assert [m.media_id for m in db.query_media("acc1", MediaQuery(before_id=3))] == [2, 1]
    assert [m.media_id for m in db.query_media("acc1", MediaQuery(after_id=1, newest_first=False))] == [2, 3]
    assert [m.media_id for m in db.query_media("acc1", MediaQuery(limit=2))] == [3, 2]
    assert [m.media_id for m in db.query_media("acc1", MediaQuery(search="beach"))] == [3, 1]
    assert [m.media_id for m in db.query_media("acc1", MediaQuery(search="beach", limit=1))] == [3]
    assert db.query_media_ids("acc1", MediaQuery(FileType.IMAGE)) == [3, 1]
    assert set(db.get_media_batch("acc1", [1, 3, 99])) == {1, 3}
    assert db.get_media_batch("acc1", []) == {}
    assert {(m.account_id, m.media_id) for m in db.scan_media()} == {("acc1", 1), ("acc1", 2), ("acc1", 3), ("acc2", 1)}


def test_a_change_holds_only_at_the_versions_asked_for(db: Records) -> None:
    account(db)
    media = recorded(db)
    renamed = db.update_media("acc1", media.media_id, MediaChanges("Hero"), "2030-01-01T00:00:00.000000Z", versions=[1])
    assert renamed is not None and (renamed.name, renamed.version, renamed.updated_at) == (
        "Hero",
        2,
        "2030-01-01T00:00:00.000000Z",
    )
    assert renamed.original_name == media.original_name and renamed.storage_key == media.storage_key
    assert db.update_media("acc1", media.media_id, MediaChanges("Stale"), "t", versions=[1]) is None
    assert db.update_media("acc1", 99, MediaChanges("Missing"), "t") is None
    assert db.confirm_version("acc1", media.media_id, [2]) and not db.confirm_version("acc1", media.media_id, [1])
    assert [m.name for m in db.query_media("acc1", MediaQuery(search="hero"))] == ["Hero"]


def test_a_description_and_tags_are_set_and_cleared_each_on_its_own(db: Records) -> None:
    account(db)
    media = recorded(db)
    described = MediaChanges(description="Terrasse du café, la nuit", sets_description=True, tags=("été", "paris"))
    changed = db.update_media("acc1", media.media_id, described, "t1")
    assert changed is not None and (changed.name, changed.description, changed.tags) == (
        media.name,
        "Terrasse du café, la nuit",
        ("été", "paris"),
    )
    assert db.get_media("acc1", media.media_id) == changed
    kept = db.update_media("acc1", media.media_id, MediaChanges(tags=("nuit",)), "t2")
    assert kept is not None and (kept.description, kept.tags) == ("Terrasse du café, la nuit", ("nuit",))
    cleared = db.update_media("acc1", media.media_id, MediaChanges(sets_description=True, tags=()), "t3")
    assert cleared is not None and (cleared.description, cleared.tags, cleared.version) == (None, (), 4)
    assert db.get_media("acc1", media.media_id) == cleared


def test_search_reads_the_folded_fields_of_files_holding_any_word(db: Records) -> None:
    account(db)
    cafe = recorded(db, name="Café terrace.png")
    beach = recorded(db, name="beach.png")
    clip = recorded(db, name="clip.mp4")
    db.update_media(
        "acc1", beach.media_id, MediaChanges(description="Sunset", sets_description=True, tags=("été",)), "t"
    )
    db.update_media("acc1", clip.media_id, MediaChanges(tags=("cafe", "été")), "t")
    found = db.search_media("acc1", ["cafe"], MediaQuery())
    assert [i for i, _ in found] == [clip.media_id, cafe.media_id]
    assert dict(found)[cafe.media_id].name == "cafe terrace.png"
    assert [i for i, _ in db.search_media("acc1", ["sunset", "cafe"], MediaQuery())] == [3, 2, 1]
    assert [i for i, _ in db.search_media("acc1", ["ete"], MediaQuery(FileType.IMAGE))] == [beach.media_id]
    assert [i for i, _ in db.search_media("acc1", [], MediaQuery(tag="été"))] == [3, 2]
    assert [m.media_id for m in db.query_media("acc1", MediaQuery(tag="été"))] == [3, 2]
    assert [m.media_id for m in db.query_media("acc1", MediaQuery(search="cafe"))] == [cafe.media_id]
    assert db.search_media("acc2", ["cafe"], MediaQuery()) == []


def test_a_thumbnail_is_attached_once_to_the_file_it_was_made_of(db: Records) -> None:
    account(db)
    media = recorded(db)
    assert not db.set_thumbnail("acc1", media.media_id, "media/other.png", "thumbs/acc1/x.webp")
    assert db.set_thumbnail("acc1", media.media_id, media.storage_key, "thumbs/acc1/x.webp")
    assert not db.set_thumbnail("acc1", media.media_id, media.storage_key, "thumbs/acc1/y.webp")
    assert not db.set_thumbnail("acc1", 99, media.storage_key, "thumbs/acc1/y.webp")
    db.note_thumbnail_failure("acc1", media.media_id)
    db.note_thumbnail_failure("acc1", 99)
    stored = db.get_media("acc1", media.media_id)
    assert stored is not None and (stored.thumbnail_key, stored.thumbnail_attempts, stored.version) == (
        "thumbs/acc1/x.webp",
        1,
        2,
    )


def test_a_delete_frees_the_slot_once_and_spares_admin_files_when_asked(db: Records) -> None:
    account(db)
    media = recorded(db, size=10)
    admin = recorded(db, size=20, by=Uploader.ADMIN)
    assert db.delete_media_record(media, client_only=True)
    assert not db.delete_media_record(media)
    assert db.get_account("acc1").bytes_used == 20  # type: ignore[union-attr]
    client_copy = dataclasses.replace(admin, uploaded_by=Uploader.CLIENT)  # the condition reads the stored record
    assert not db.delete_media_record(client_copy, client_only=True)
    assert db.get_media("acc1", admin.media_id) is not None
    assert db.delete_media_record(admin)
    assert db.get_account("acc1").media_count == 0  # type: ignore[union-attr]


def test_a_pending_session_closes_once(db: Records) -> None:
    account(db)
    opened = session(db)
    assert db.get_session(opened.upload_id) == opened
    with pytest.raises(ServiceUnavailable):
        db.put_session(opened)
    rejected = opened.reject("corrupt_file", "The image is cut short.")
    assert db.reject_session(rejected)
    assert not db.reject_session(opened.expire("late"))
    stored = db.get_session(opened.upload_id)
    assert stored is not None and (stored.status, stored.reason, stored.reason_message) == (
        SessionStatus.REJECTED,
        "corrupt_file",
        "The image is cut short.",
    )
    assert not db.reject_session(dataclasses.replace(rejected, upload_id="e" * 32))
    assert db.acknowledge_session(opened.upload_id) and not db.acknowledge_session(opened.upload_id)
    assert not db.acknowledge_session("d" * 32)
    assert [s.upload_id for s in db.scan_sessions()] == [opened.upload_id]


def test_an_idempotency_key_is_held_answered_and_given_back(db: Records) -> None:
    assert db.claim_key("acc1", "k", "print-a", LOCK, KEEP) is None
    held = db.claim_key("acc1", "k", "print-b", LOCK, KEEP)
    assert held is not None and (held.fingerprint, held.status) == ("print-a", None)
    assert not db.keep_answer("acc1", "k", "print-b", 201, "{}", {})
    assert db.keep_answer("acc1", "k", "print-a", 201, '{"id":1}', {"Location": "/media/1"})
    kept = db.claim_key("acc1", "k", "print-a", LOCK, KEEP)
    assert kept is not None and (kept.status, kept.body, kept.headers) == (201, '{"id":1}', {"Location": "/media/1"})
    db.release_key("acc1", "k", "print-a")  # answered: nothing to give back
    assert db.claim_key("acc1", "k", "print-a", LOCK, KEEP) is not None
    assert db.claim_key("acc2", "k", "print-a", LOCK, KEEP) is None  # keys are per account
    db.release_key("acc2", "k", "print-a")
    assert db.claim_key("acc2", "k", "print-c", LOCK, KEEP) is None


def test_a_key_whose_attempt_died_or_expired_is_free_again(db: Records) -> None:
    assert db.claim_key("acc1", "dead", "p", timedelta(seconds=-5), KEEP) is None
    assert db.claim_key("acc1", "dead", "q", LOCK, KEEP) is None
    assert db.claim_key("acc1", "old", "p", LOCK, timedelta(seconds=-5)) is None
    assert db.claim_key("acc1", "old", "q", LOCK, KEEP) is None
