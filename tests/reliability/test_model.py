"""Stateful model test: three accounts make random sequences of API calls (upload,
list in every mode, get, rename, delete, the account's usage, retries with an
Idempotency-Key, conditional requests) while their plan limits change and keys are
issued and revoked. After every step the service must agree with a small in-memory
model: nothing crosses accounts, counters equal records, revoked keys get 401,
limits hold, and every listing is exactly the model's, newest first.

Derandomized, so each CI run replays the same >= 1,000 steps.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlparse

import pytest
from chalice.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from chalicelib import accounts, auth, presenters, records, storage, uploads
from chalicelib.domain.names import Uploader
from chalicelib.errors import MediaLimitReached
from tests.fakes.records import MemoryRecords
from tests.fakes.storage import MemoryStorage
from tests.helpers.consistency import assert_consistent
from tests.helpers.http import multipart
from tests.helpers.media import image_bytes
from tests.reliability.media_model import (
    BAD_NAMES,
    IGNORED_FIELDS,
    IMAGE_FORMATS,
    NAME,
    NAMES,
    SEARCHES,
    Library,
    files,
    valid_name,
)

pytestmark = pytest.mark.slow(seconds=25)

API = "/api/v1/media"
MIN_STEPS = 1000
EXAMPLES, STEPS_PER_EXAMPLE = 34, 40
SETTINGS = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS_PER_EXAMPLE + 1,  # + the initialize step
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
STATS: Counter[str] = Counter()
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
NOT_FOUND = {"message": "Media file not found.", "code": "not_found"}
JSON = {"Content-Type": "application/json"}
#: Idempotency keys, never drawn twice (the tables are emptied between examples anyway).
IDEMPOTENCY_KEYS = (f"model-{n}" for n in itertools.count())

WHO = st.integers(0, 2)
OFTEN_FALSE = st.sampled_from([False, False, False, True])
TARGETS = st.sampled_from(["own", "own", "foreign", "deleted", "missing"])


class MediaLibraryMachine(RuleBasedStateMachine):
    def __init__(self, client: Client) -> None:
        super().__init__()
        # Each example starts from empty records and storage, as a test does: a failing
        # example replays alike while Hypothesis shrinks it.
        records.use(MemoryRecords())
        storage.use(MemoryStorage())
        self.client = client
        self.libs: list[Library] = []
        self.acting: Library | None = None

    # -- helpers -------------------------------------------------------------------
    def step(self, who: int) -> Library:
        """Count the step and remember whose library it acts on (checked in full after it)."""
        STATS["steps"] += 1
        self.acting = self.libs[who]
        return self.acting

    def call(self, lib: Library, method: str, path: str, revoked: bool = False, **kwargs: Any) -> Any:
        """One request with an active key (or a revoked one, which must get 401 and change nothing)."""
        dead = [k for k, r in lib.keys.items() if r]
        live = [k for k, r in lib.keys.items() if not r]
        key = dead[0] if (revoked and dead) or not live else live[-1]
        headers = {"X-Api-Key": key, **kwargs.pop("headers", {})}
        response = getattr(self.client.http, method)(path, headers=headers, **kwargs)
        STATS["requests"] += 1
        if lib.keys[key]:
            assert response.status_code == 401 and response.json_body["code"] == "unauthenticated"
            STATS["revoked_key_401"] += 1
            return None
        return response

    def target(self, lib: Library, data: Any, kind: str) -> tuple[int, dict[str, Any] | None]:
        """An id to act on: own (with its model), another account's, a deleted one, or unknown."""
        # Ids are per account: another account's id is foreign only where this one has no such id.
        others = [(i, m) for o in self.libs if o is not lib for i, m in o.media.items() if i not in lib.media]
        pools: dict[str, list[tuple[int, dict[str, Any] | None]]] = {
            "own": list(lib.media.items()),
            "foreign": list(others),
            "deleted": [(i, None) for i in sorted(lib.gone)],
        }
        pool = pools.get(kind) or [(10**9, None)]
        STATS[f"target_{kind if pools.get(kind) else 'missing'}"] += 1
        media_id, media = data.draw(st.sampled_from(pool))
        return media_id, media if kind == "own" else None

    def expect_404(self, response: Any) -> None:
        if response is not None:
            assert (response.status_code, response.json_body) == (404, NOT_FOUND)

    # -- rules -------------------------------------------------------------------------
    @initialize(
        limits=st.lists(st.sampled_from([None, None, 2, 6]), min_size=3, max_size=3),
        seeds=st.lists(st.lists(files(), max_size=3), min_size=3, max_size=3),
    )
    def open_accounts(self, limits: list[int | None], seeds: list[list[Any]]) -> None:
        """Three accounts, each with a revoked key and a few files already (Hypothesis runs
        some examples with rules switched off; the other rules still need something to act on)."""
        for index, limit in enumerate(limits):
            account, issued = accounts.create_account(f"Model {index}", limit)
            auth.revoke(issued.api_key)
            live = accounts.issue_key(account.account_id).api_key
            self.libs.append(Library(account.account_id, {issued.api_key: True, live: False}, limit))
            for file in seeds[index]:
                self.send(self.libs[-1], file, None, False)

    @rule(who=WHO, fmt=st.sampled_from(sorted(IMAGE_FORMATS)), width=st.integers(1, 48), name=st.none() | NAME)
    def upload_image(self, who: int, fmt: str, width: int, name: str | None) -> None:
        """The common case, drawn as often as every other kind of upload together."""
        mime, extensions = IMAGE_FORMATS[fmt]
        image = (f"upload.{extensions[0]}", image_bytes(fmt, width, 9), "image", mime, {"width": width, "height": 9})
        self.send(self.step(who), image, name, False)

    @rule(who=WHO, file=files(), name=NAMES, revoked=OFTEN_FALSE)
    def upload(self, who: int, file: tuple[str, bytes, str, str | None, Any], name: Any, revoked: bool) -> None:
        self.send(self.step(who), file, name, revoked)

    def send(
        self,
        lib: Library,
        file: tuple[str, bytes, str, str | None, Any],
        name: Any,
        revoked: bool,
        form: tuple[bytes, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """POST a multipart upload (``form``: its body and type, if already made) and
        check the answer against the model; returns the response."""
        body, content_type = form or multipart(file[0], file[1], name)
        headers = {"Content-Type": content_type, **({"Idempotency-Key": idempotency_key} if idempotency_key else {})}
        response = self.call(lib, "post", API, revoked, headers=headers, body=body)
        if response is None:
            return None
        expected = lib.expect_upload(file, name)
        if expected == "invalid":
            assert response.status_code == 422, response.json_body
            assert set(response.json_body["errors"]) <= {"file", "name"}
            STATS["upload_422"] += 1
            return response
        if expected == "full":
            assert response.status_code == 403, response.json_body
            assert response.json_body["code"] == "media_limit_reached"
            assert (response.json_body["limit"], response.json_body["used"]) == (lib.limit, len(lib.media))
            STATS["upload_403_limit"] += 1
            return response
        assert response.status_code == 201, response.json_body
        got = response.json_body
        assert isinstance(expected, dict) and {k: got[k] for k in expected} == expected
        assert got["id"] > lib.last_id, "ids must increase with creation time"
        folder, extension = f"{expected['file_type']}s", expected["extension"]
        url = rf"^https://cdn\.example\.test/media/{lib.account_id}/{folder}/\d+_[0-9a-f]{{32}}\.{extension}$"
        assert re.match(url, got["url"]), got["url"]
        assert STAMP.match(got["created_at"]) and got["updated_at"] == got["created_at"]
        lib.media[got["id"]], lib.last_id = got, got["id"]
        STATS["uploaded"] += 1
        return response

    @rule(who=WHO, file=files(), name=NAMES, other=files())
    def retry_with_idempotency_key(
        self, who: int, file: tuple[str, bytes, str, str | None, Any], name: Any, other: Any
    ) -> None:
        """A retried POST with its Idempotency-Key gets the first answer again, whatever it
        was, and stores nothing more; the key sent with another request is 422 (docs/architecture.md,
        "Idempotent retries")."""
        lib = self.step(who)
        key, form = next(IDEMPOTENCY_KEYS), multipart(file[0], file[1], name)
        first = self.send(lib, file, name, False, form, key)
        counters = lib.counters()
        body, content_type = form
        again = self.call(lib, "post", API, headers={"Content-Type": content_type, "Idempotency-Key": key}, body=body)
        assert (again.status_code, again.json_body) == (first.status_code, first.json_body)
        assert again.headers.get("Idempotent-Replayed") == "true"
        if (other[0], other[1]) != (file[0], file[1]):
            body, content_type = multipart(other[0], other[1], name)
            reused = self.call(
                lib, "post", API, headers={"Content-Type": content_type, "Idempotency-Key": key}, body=body
            )
            assert (reused.status_code, reused.json_body["code"]) == (422, "idempotency_key_reused")
        assert lib.counters() == counters  # the invariant then checks the service agrees
        STATS["idempotent_replay"] += 1

    @rule(who=WHO, revoked=OFTEN_FALSE)
    def account_usage(self, who: int, revoked: bool) -> None:
        """GET /account (docs/architecture.md, "The account") is exact: the model's files, kinds
        and bytes, and what is left."""
        lib = self.step(who)
        response = self.call(lib, "get", "/api/v1/account", revoked)
        if response is None:
            return
        assert response.status_code == 200, response.json_body
        got, (files_, images, videos, size) = response.json_body, lib.counters()
        usage = {k: got["usage"][k] for k in ("files", "images", "videos", "bytes")}
        assert usage == {"files": files_, "images": images, "videos": videos, "bytes": size}
        remaining = None if lib.limit is None else max(0, lib.limit - files_)
        assert (got["media_limit"], got["remaining"]) == (lib.limit, remaining)
        STATS["account"] += 1

    @rule(
        who=WHO,
        kind=st.sampled_from(["own", "own", "own", "foreign", "missing"]),
        name=NAME.filter(valid_name),
        data=st.data(),
    )
    def conditional_requests(self, who: int, kind: str, name: str, data: Any) -> None:
        """ETag and If-None-Match / If-Match (docs/architecture.md, "Conditional requests"): 304
        while a file is unchanged; a rename or delete with a stale tag is 412 and changes nothing; no tag reveals
        another account's file."""
        lib = self.step(who)
        media_id, media = self.target(lib, data, kind)
        path, rename = f"{API}/{media_id}", json.dumps({"name": name})
        if media is None:
            self.expect_404(self.call(lib, "get", path, headers={"If-None-Match": "*"}))
            self.expect_404(self.call(lib, "put", path, headers={**JSON, "If-Match": "*"}, body=rename))
            return
        tag = self.call(lib, "get", path).headers["ETag"]
        unchanged = self.call(lib, "get", path, headers={"If-None-Match": tag})
        assert (unchanged.status_code, unchanged.headers["ETag"]) == (304, tag)
        renamed = self.call(lib, "put", path, headers={**JSON, "If-Match": tag}, body=rename)
        assert renamed.status_code == 200, renamed.json_body
        assert renamed.json_body == {**media, "name": name.strip(), "updated_at": renamed.json_body["updated_at"]}
        assert renamed.headers["ETag"] != tag
        lib.media[media_id] = renamed.json_body
        for method, body in (("put", json.dumps({"name": "stale"})), ("delete", "")):
            stale = self.call(lib, method, path, headers={**JSON, "If-Match": tag}, body=body)
            protected = method == "delete" and media["uploaded_by"] == "admin"  # refused whatever the tag
            refused = (403, "admin_file") if protected else (412, "precondition_failed")
            assert (stale.status_code, stale.json_body["code"]) == refused
        changed = self.call(lib, "get", path, headers={"If-None-Match": tag})
        assert (changed.status_code, changed.json_body) == (200, lib.media[media_id])
        STATS["conditional"] += 1

    @rule(who=WHO)
    def upload_as_admin(self, who: int) -> None:
        lib = self.step(who)
        data = image_bytes("PNG", 7, 3)
        try:
            media = uploads.upload_direct(lib.account_id, "brand.png", data, "Brand", uploaded_by=Uploader.ADMIN)
        except MediaLimitReached:
            assert lib.full
            return
        assert not lib.full and media.media_id > lib.last_id
        lib.last_id = media.media_id
        lib.media[lib.last_id] = presenters.media_json(media)
        expected = {"name": "Brand", "original_name": "brand.png", "uploaded_by": "admin", "file_size": len(data)}
        assert {k: lib.media[lib.last_id][k] for k in expected} == expected

    @rule(
        who=WHO,
        per_page=st.integers(1, 4),
        page=st.integers(1, 5),
        file_type=st.sampled_from([None, "image", "video"]),
        search=st.none() | st.sampled_from(SEARCHES),
    )
    def list_pages(self, who: int, per_page: int, page: int, file_type: str | None, search: str | None) -> None:
        lib = self.step(who)
        params = {"per_page": per_page, "page": page, "type": file_type, "search": search}
        query = urlencode({k: v for k, v in params.items() if v is not None}, quote_via=quote)
        response = self.call(lib, "get", f"{API}?{query}")
        if response is None:
            return
        assert response.status_code == 200, response.json_body
        term = (search or "").strip().lower() or None
        window, meta = lib.page(file_type, term, page, per_page)
        body, last = response.json_body, meta["last_page"]
        assert body["data"] == window
        assert {k: body["meta"][k] for k in meta} == meta
        links: dict[str, Any] = {k: parse_qs(urlparse(v).query) if v else None for k, v in body["links"].items()}
        assert links["last"]["page"] == [str(last)] and links["first"]["page"] == ["1"]
        assert (links["next"] is None) == (page >= last) and (links["prev"] is None) == (page == 1)
        echoed = {"per_page": [str(per_page)], **({"type": [file_type]} if file_type else {})}
        assert {k: links["first"].get(k) for k in echoed} == echoed
        if term and search:
            assert links["first"]["search"] == [search.strip()]
        STATS["list_page"] += 1

    @rule(
        who=WHO,
        per_page=st.integers(1, 3),
        file_type=st.sampled_from([None, "image", "video"]),
        search=st.none() | st.sampled_from(SEARCHES[2:]),
    )
    def walk_cursor(self, who: int, per_page: int, file_type: str | None, search: str | None) -> None:
        lib = self.step(who)
        base = {"per_page": per_page, "type": file_type, "search": search}
        base = {k: v for k, v in base.items() if v is not None}
        chunks = lib.chunks(file_type, search.lower() if search else None, per_page)

        def fetch(cursor: str) -> Any:
            response = self.call(lib, "get", f"{API}?{urlencode({**base, 'cursor': cursor}, quote_via=quote)}")
            assert response is None or response.status_code == 200
            return None if response is None else response.json_body

        body = fetch("")
        if body is None:
            return
        for index, chunk in enumerate(chunks):  # forward, page by page
            assert body["data"] == chunk, f"page {index} of {len(chunks)}"
            assert (body["meta"]["prev_cursor"] is None) == (index == 0)
            assert (body["meta"]["next_cursor"] is None) == (index == len(chunks) - 1)
            if index < len(chunks) - 1:
                body = fetch(body["meta"]["next_cursor"])
        for index in range(len(chunks) - 2, -1, -1):  # and back again
            body = fetch(body["meta"]["prev_cursor"])
            assert body["data"] == chunks[index] and body["meta"]["next_cursor"] is not None
        assert body["meta"]["prev_cursor"] is None
        STATS["cursor_walk"] += 1

    @rule(who=WHO, kind=TARGETS, revoked=OFTEN_FALSE, data=st.data())
    def get(self, who: int, kind: str, revoked: bool, data: Any) -> None:
        lib = self.step(who)
        media_id, media = self.target(lib, data, kind)
        response = self.call(lib, "get", f"{API}/{media_id}", revoked)
        if media is None:
            self.expect_404(response)
        elif response is not None:
            assert (response.status_code, response.json_body) == (200, media)

    @rule(
        who=WHO,
        kind=TARGETS,
        name=st.one_of(NAME, st.sampled_from(BAD_NAMES)),
        extra=st.sampled_from(IGNORED_FIELDS),
        data=st.data(),
    )
    def rename(self, who: int, kind: str, name: Any, extra: dict[str, Any], data: Any) -> None:
        lib = self.step(who)
        media_id, media = self.target(lib, data, kind)
        body = json.dumps({**extra, "name": name})
        response = self.call(lib, "put", f"{API}/{media_id}", headers={"Content-Type": "application/json"}, body=body)
        if response is None:
            return
        if not valid_name(name):  # the body is checked first, whoever owns the id: no existence hint
            assert response.status_code == 422 and set(response.json_body["errors"]) == {"name"}
        elif media is None:
            self.expect_404(response)
            for owner in (o for o in self.libs if media_id in o.media):  # other accounts' files are untouched
                stored = records.store().get_media(owner.account_id, media_id)
                assert stored is not None and stored.name == owner.media[media_id]["name"]
        else:
            assert response.status_code == 200, response.json_body
            got = response.json_body
            assert got == {**media, "name": name.strip(), "updated_at": got["updated_at"]}
            assert got["updated_at"] >= media["updated_at"]
            lib.media[media_id] = got

    @rule(who=WHO, kind=TARGETS, revoked=OFTEN_FALSE, data=st.data())
    def delete(self, who: int, kind: str, revoked: bool, data: Any) -> None:
        lib = self.step(who)
        media_id, media = self.target(lib, data, kind)
        response = self.call(lib, "delete", f"{API}/{media_id}", revoked)
        if response is None:
            return
        if media is None:
            self.expect_404(response)
        elif media["uploaded_by"] == "admin":
            assert (response.status_code, response.json_body["code"]) == (403, "admin_file")
        else:
            assert response.status_code == 204, response.json_body
            del lib.media[media_id]
            lib.gone.add(media_id)

    @rule(who=WHO, change=st.sampled_from([None, -1, 0, 1, 3]), unlimited=st.booleans())
    def change_limit(self, who: int, change: int | None, unlimited: bool) -> None:
        lib = self.step(who)
        limit = None if change is None and unlimited else max(0, len(lib.media) + (change or 0))
        assert accounts.set_limit(lib.account_id, limit) is not None
        lib.limit = limit

    @rule(who=WHO, by_prefix=OFTEN_FALSE, issue_only=st.booleans())
    def rotate_keys(self, who: int, by_prefix: bool, issue_only: bool) -> None:
        """Issue a key, or revoke the oldest (its replacement issued first if it is the last)."""
        lib = self.step(who)
        live = [k for k, r in lib.keys.items() if not r]
        if issue_only or len(live) == 1:
            lib.keys[accounts.issue_key(lib.account_id).api_key] = False
        if issue_only:
            return
        assert auth.revoke(live[0][:16] if by_prefix else live[0]) == [live[0][:16]]
        lib.keys[live[0]] = True
        STATS["keys_revoked"] += 1
        assert self.call(lib, "get", API, revoked=True) is None  # at once: no cache in between

    # -- after every step ----------------------------------------------------------------
    @invariant()
    def service_agrees_with_model(self) -> None:
        """Every account's counters (one batch read) and the acting account's records."""
        for lib in self.libs:
            account = records.store().get_account(lib.account_id)
            assert account is not None
            counters = (account.media_count, account.image_count, account.video_count, account.bytes_used)
            assert counters == lib.counters(), lib.account_id
            assert account.media_limit == lib.limit
        if self.acting is not None:
            ids = records.store().query_media_ids(self.acting.account_id, records.MediaQuery())
            assert ids == sorted(self.acting.media, reverse=True), "records differ from the model"

    def teardown(self) -> None:
        if self.libs:
            snapshot = assert_consistent([lib.account_id for lib in self.libs])
            assert snapshot.records == len(snapshot.objects) == sum(len(lib.media) for lib in self.libs)
            STATS["examples"] += 1


@pytest.fixture
def backend(fakes: None) -> None:
    """The model test is about the API's answers against the model's: it runs on the in-memory
    fakes of the two ports (tests/contract holds them to DynamoDB's and S3's behaviour), so its
    thousand steps cost what the service's own code costs."""


def test_random_api_sequences_of_three_accounts_agree_with_the_model(client: Client) -> None:
    STATS.clear()

    class Machine(MediaLibraryMachine):
        def __init__(self) -> None:
            super().__init__(client)

    run_state_machine_as_test(Machine, settings=SETTINGS)
    print(f"\nmodel test: {dict(STATS)}")
    assert STATS["steps"] >= MIN_STEPS, STATS
