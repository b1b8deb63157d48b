"""The plan limit holds under concurrent uploads (docs/architecture.md, "Uploads"): the counter and
the record change in one conditional transaction, so 20 parallel uploads
against a limit of 5 store exactly 5, whatever the interleaving.

This runs over real HTTP: the API on chalice's threaded local server, moto in the
process with DynamoDB requests executed one at a time (atomic, as on AWS).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.helpers.media import png_bytes
from tests.helpers.servers import api_over_http, threaded_aws_env
from tests.helpers.stores import stored_account
from tests.helpers.tenants import make_tenant

pytestmark = pytest.mark.slow

PARALLEL = 20
LIMIT = 5


@pytest.fixture
def api_url() -> Iterator[str]:
    with threaded_aws_env(), api_over_http() as base:
        yield f"{base}/api/v1"


def _upload(url: str, key: str, index: int, barrier: threading.Barrier) -> Any:
    barrier.wait(timeout=30)
    return requests.post(
        f"{url}/media",
        headers={"X-Api-Key": key},
        files={"file": (f"photo-{index}.png", png_bytes(8 + index, 8), "image/png")},
        timeout=60,
    )


def test_twenty_parallel_uploads_against_a_limit_of_five_store_exactly_five(api_url: str) -> None:
    from chalicelib import records, storage

    tenant = make_tenant("Parallel", media_limit=LIMIT)
    barrier = threading.Barrier(PARALLEL)
    with ThreadPoolExecutor(PARALLEL) as pool:
        responses = list(pool.map(lambda i: _upload(api_url, tenant.api_key, i, barrier), range(PARALLEL)))

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: LIMIT, 403: PARALLEL - LIMIT}, [r.text for r in responses if r.status_code >= 500]
    for refused in (r for r in responses if r.status_code == 403):
        body = refused.json()
        assert body["code"] == "media_limit_reached"
        assert body["limit"] == LIMIT and 0 <= body["used"] <= LIMIT

    account = stored_account(tenant.account_id)
    assert (account.media_count, account.image_count) == (LIMIT, LIMIT)
    stored = records.store().query_media(tenant.account_id, records.MediaQuery())
    assert len(stored) == LIMIT
    assert sum(int(m.file_size) for m in stored) == account.bytes_used
    # Refused uploads leave no bytes behind: exactly the recorded objects remain.
    objects = {key for key, _ in storage.store().list_objects(f"media/{tenant.account_id}/")}
    assert objects == {m.storage_key for m in stored}
    ids = sorted(int(m.media_id) for m in stored)
    assert ids == sorted(set(ids))
    listed = requests.get(f"{api_url}/media", headers={"X-Api-Key": tenant.api_key}, timeout=30).json()
    assert listed["meta"]["total"] == LIMIT
