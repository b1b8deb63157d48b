"""Idempotency-Key (docs/architecture.md, "Idempotent retries"): an answer that tells the
client to try again is never kept, so the retry it invites runs the request again instead
of getting the same refusal back for 24 hours."""

from __future__ import annotations

from chalice.test import Client

from tests.helpers.http import API, Reply, call
from tests.helpers.media import png_bytes
from tests.helpers.stores import media_items
from tests.helpers.tenants import Tenant
from tests.helpers.uploads import send, started


def complete(client: Client, tenant: Tenant, upload_id: str, key: str) -> Reply:
    return call(client, "POST", f"{API}/media/uploads/{upload_id}/complete", tenant, headers={"Idempotency-Key": key})


def test_a_complete_before_the_bytes_arrive_is_not_kept_and_its_retry_records_the_file(
    client: Client, tenant: Tenant
) -> None:
    session = started(client, tenant, filename="a.png", file_size=len(png_bytes()))
    early = complete(client, tenant, session["id"], "finish-it")
    assert (early.status, early.body["code"]) == (409, "upload_not_received")
    assert "call complete again" in early.body["message"]
    again = complete(client, tenant, session["id"], "finish-it")  # still nothing sent: asked again, not replayed
    assert (again.status, again.header("Idempotent-Replayed")) == (409, None)
    send(session, png_bytes())
    done = complete(client, tenant, session["id"], "finish-it")
    assert (done.status, done.header("Idempotent-Replayed")) == (201, None)
    replayed = complete(client, tenant, session["id"], "finish-it")  # a final answer is kept as before
    assert (replayed.status, replayed.body, replayed.header("Idempotent-Replayed")) == (201, done.body, "true")
    assert len(media_items(tenant.account_id)) == 1


def test_a_final_4xx_of_complete_is_still_kept(client: Client, tenant: Tenant) -> None:
    missing = "0" * 32
    first = complete(client, tenant, missing, "gone")
    again = complete(client, tenant, missing, "gone")
    assert (first.status, again.status, again.header("Idempotent-Replayed")) == (404, 404, "true")
