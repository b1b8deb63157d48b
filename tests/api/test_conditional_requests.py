"""Conditional requests (docs/architecture.md, "Conditional requests"): ETag / If-None-Match on GET, If-Match
on PUT and DELETE, decided
inside the conditional write."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import records, storage
from chalicelib.domain.values import MediaChanges
from tests.helpers.http import API, Reply, call, uploaded
from tests.helpers.stores import key_of, object_info
from tests.helpers.tenants import Tenant

JSON = {"Content-Type": "application/json"}


def get(client: Client, tenant: Tenant, media_id: int, **headers: str) -> Reply:
    return call(client, "GET", f"{API}/media/{media_id}", tenant, headers=headers)


def rename(client: Client, tenant: Tenant, media_id: int, name: str, **headers: str) -> Reply:
    body = json.dumps({"name": name})
    return call(client, "PUT", f"{API}/media/{media_id}", tenant, headers={**JSON, **headers}, body=body)


def test_get_sends_a_strong_etag_and_304s_when_it_still_matches(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant)
    first = get(client, tenant, media["id"])
    tag = first.header("ETag")
    assert tag and tag.startswith('"') and not tag.startswith("W/")
    for match in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        again = get(client, tenant, media["id"], **{"If-None-Match": match})
        assert (again.status, again.body, again.header("ETag")) == (304, None, tag), match
    assert get(client, tenant, media["id"], **{"If-None-Match": '"1-0000000000000000"'}).status == 200


def test_a_rename_changes_the_etag(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant)
    before = get(client, tenant, media["id"]).header("ETag")
    renamed = rename(client, tenant, media["id"], "New")
    assert renamed.status == 200 and renamed.header("ETag") not in (None, before)
    assert get(client, tenant, media["id"], **{"If-None-Match": str(before)}).status == 200
    assert get(client, tenant, media["id"], **{"If-None-Match": str(renamed.header("ETag"))}).status == 304


def test_if_match_lets_the_current_version_through_and_refuses_a_stale_one(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant)
    tag = str(get(client, tenant, media["id"]).header("ETag"))
    first = rename(client, tenant, media["id"], "Mine", **{"If-Match": tag})
    assert first.status == 200
    stale = rename(client, tenant, media["id"], "Theirs", **{"If-Match": tag})
    assert (stale.status, stale.body["code"]) == (412, "precondition_failed")
    assert get(client, tenant, media["id"]).body["name"] == "Mine"
    assert rename(client, tenant, media["id"], "Any", **{"If-Match": "*"}).status == 200


@pytest.mark.parametrize(
    "header",
    ['W/"1-0000000000000000"', '"1-0000000000000000"', "not-a-tag", '"unterminated', ",,", '"999999999999999-x"'],
)
def test_a_weak_foreign_or_malformed_if_match_is_412_never_5xx(client: Client, tenant: Tenant, header: str) -> None:
    media = uploaded(client, tenant)
    for reply in (
        rename(client, tenant, media["id"], "x", **{"If-Match": header}),
        call(client, "DELETE", f"{API}/media/{media['id']}", tenant, headers={"If-Match": header}),
    ):
        assert (reply.status, reply.body["code"]) == (412, "precondition_failed"), header
    assert get(client, tenant, media["id"]).body["name"] == media["name"]


def test_another_files_etag_does_not_match(client: Client, tenant: Tenant) -> None:
    one, two = uploaded(client, tenant, "a.png"), uploaded(client, tenant, "b.png")
    tag = str(get(client, tenant, one["id"]).header("ETag"))
    assert rename(client, tenant, two["id"], "x", **{"If-Match": tag}).status == 412


def test_delete_with_a_stale_etag_keeps_the_file_and_its_bytes(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant)
    tag = str(get(client, tenant, media["id"]).header("ETag"))
    rename(client, tenant, media["id"], "Changed")
    reply = call(client, "DELETE", f"{API}/media/{media['id']}", tenant, headers={"If-Match": tag})
    assert reply.status == 412
    assert get(client, tenant, media["id"]).status == 200
    assert object_info(key_of(media)).size == media["file_size"]  # type: ignore[union-attr]
    current = str(get(client, tenant, media["id"]).header("ETag"))
    assert call(client, "DELETE", f"{API}/media/{media['id']}", tenant, headers={"If-Match": current}).status == 204


def test_if_match_on_a_missing_file_is_404(client: Client, tenant: Tenant) -> None:
    assert rename(client, tenant, 42, "x", **{"If-Match": "*"}).status == 404
    assert call(client, "DELETE", f"{API}/media/42", tenant, headers={"If-Match": "*"}).status == 404


@pytest.mark.moto
def test_the_precondition_is_decided_by_the_write_itself(client: Client, tenant: Tenant) -> None:
    """A rename that lands between the request's arrival and its write wins: the write's
    condition sees it (no read-then-write window)."""
    media = uploaded(client, tenant)
    tag = str(get(client, tenant, media["id"]).header("ETag"))
    from chalicelib.models import MediaItem, bind

    bind()
    connection: Any = MediaItem._get_connection().connection.client
    sneaked: list[bool] = []

    def rename_first(params: dict[str, Any], **_: Any) -> None:
        if not sneaked and params.get("ConditionExpression"):
            sneaked.append(True)
            records.store().update_media(
                tenant.account_id, media["id"], MediaChanges("Sneaked in"), "2030-01-01T00:00:00.000000Z"
            )

    connection.meta.events.register("before-parameter-build.dynamodb.UpdateItem", rename_first)
    try:
        reply = rename(client, tenant, media["id"], "Mine", **{"If-Match": tag})
    finally:
        connection.meta.events.unregister("before-parameter-build.dynamodb.UpdateItem", rename_first)
    assert sneaked and reply.status == 412
    assert get(client, tenant, media["id"]).body["name"] == "Sneaked in"


def test_a_thumbnail_changes_the_etag(client: Client, tenant: Tenant) -> None:
    from chalicelib import worker

    media = uploaded(client, tenant)
    before = get(client, tenant, media["id"]).header("ETag")
    assert worker.make(key_of(media)).thumbnail == "made"
    after = get(client, tenant, media["id"])
    assert after.body["thumbnail_url"] and after.header("ETag") != before
    assert storage.store().head_object(after.body["thumbnail_url"].split("/", 3)[3]) is not None
