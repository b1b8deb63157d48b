"""The suite's moto answers DynamoDB requests as plain JSON (helpers.faster_moto).
Here the service does everything it asks DynamoDB for, and every answer is also built
by moto's own serializer: the two must be the same document."""

from __future__ import annotations

import json
from datetime import timedelta

from chalice.test import Client

from tests.contract.faster_moto import ANSWERED, plain_dynamodb_answers
from tests.helpers.events import deliver
from tests.helpers.http import API, call, put_json, upload_file, uploaded
from tests.helpers.media import image_bytes, png_bytes
from tests.helpers.tenants import Tenant, make_tenant
from tests.helpers.uploads import complete, presigned, send, started

#: What the service's requests are (chalicelib.records): each must have been answered.
OPERATIONS = {"GetItem", "BatchGetItem", "PutItem", "UpdateItem", "Query", "Scan", "TransactWriteItems"}


def test_plain_answers_equal_motos_own_for_every_request_the_service_makes(client: Client, tenant: Tenant) -> None:
    from chalicelib import accounts, auth
    from chalicelib.reconcile import reconcile

    ANSWERED.clear()
    with plain_dynamodb_answers(check=True):
        first = uploaded(client, tenant, "first.png", png_bytes(), name="First")
        second = uploaded(client, tenant, "second.gif", image_bytes("GIF", 9, 7))
        session = started(client, tenant, filename="third.png", file_size=len(png_bytes(12, 5)))
        send(session, png_bytes(12, 5))
        assert complete(client, tenant, session["id"]).status == 201
        _, staged = presigned(tenant.account_id, png_bytes(14, 5), "fourth.png")
        assert deliver(staged) == "recorded"

        for query in ("", "?type=image&per_page=1", "?search=fir", "?page=2&per_page=2", "?cursor="):
            assert call(client, "GET", f"{API}/media{query}", tenant).status == 200
        tag = call(client, "GET", f"{API}/media/{first['id']}", tenant).headers["ETag"]
        assert put_json(client, tenant, first["id"], {"name": "Renamed"}).status == 200
        stale = {**tenant.headers, "If-Match": tag, "Content-Type": "application/json"}
        refused = call(client, "PUT", f"{API}/media/{first['id']}", headers=stale, body=json.dumps({"name": "x"}))
        assert refused.status == 412
        assert call(client, "DELETE", f"{API}/media/{second['id']}", tenant).status == 204
        assert call(client, "GET", f"{API}/account", tenant).body["usage"]["files"] == 3

        retry = {**tenant.headers, "Idempotency-Key": "same"}
        declared = json.dumps({"filename": "again.png", "file_size": 10})
        for _ in range(2):
            assert call(client, "POST", f"{API}/media/uploads", headers=retry, body=declared).status == 201

        full = make_tenant("Full", media_limit=0)
        assert upload_file(client, full, "late.png").body["code"] == "media_limit_reached"
        accounts.set_limit(full.account_id, 1)
        assert auth.revoke(full.api_key) == [full.api_key[:16]]
        assert call(client, "GET", f"{API}/media", full).status == 401
        assert len(accounts.list_accounts()) == 2
        report = reconcile(min_age=timedelta(0))
        assert report.errors == []

    assert OPERATIONS <= set(ANSWERED), ANSWERED
