"""Delivery through the API (docs/architecture.md, "Delivery"): per-channel URLs on every
MediaFile, ``?channel=`` lists what a channel can take now, DELETE takes the derivatives along."""

from __future__ import annotations

from typing import Any

from chalice.test import Client

from chalicelib import worker
from tests.helpers.events import s3_event
from tests.helpers.http import API, call, uploaded
from tests.helpers.media import fixture_bytes
from tests.helpers.stores import key_of, keys_under
from tests.helpers.tenants import Tenant


def names(client: Client, tenant: Tenant, query: str) -> list[str]:
    reply = call(client, "GET", f"{API}/media?{query}", tenant)
    assert reply.status == 200, reply.body
    return [m["name"] for m in reply.body["data"]]


def get(client: Client, tenant: Tenant, media: dict[str, Any]) -> dict[str, Any]:
    return dict(call(client, "GET", f"{API}/media/{media['id']}", tenant).body)


def test_a_channel_lists_only_what_it_can_take_now(client: Client, tenant: Tenant) -> None:
    mp4 = uploaded(client, tenant, "clip.mp4", fixture_bytes("sample.mp4"))
    mov = uploaded(client, tenant, "phone.mov", fixture_bytes("hevc-rotated-90.mov"))
    uploaded(client, tenant, "photo.png")
    assert names(client, tenant, "channel=whatsapp") == ["photo.png", "clip.mp4"]
    assert names(client, tenant, "channel=instagram") == ["photo.png", "phone.mov", "clip.mp4"]  # MOV as it is
    assert names(client, tenant, "channel=whatsapp&type=video") == ["clip.mp4"]
    worker.make(key_of(mov))
    assert names(client, tenant, "channel=whatsapp&type=video") == ["phone.mov", "clip.mp4"]
    page = call(client, "GET", f"{API}/media?channel=whatsapp&per_page=1", tenant).body
    assert page["meta"]["total"] == 3 and "channel=whatsapp" in page["links"]["next"]
    cursor = call(client, "GET", f"{API}/media?channel=telegram&per_page=2&cursor=", tenant).body
    assert [m["name"] for m in cursor["data"]] == ["photo.png", "phone.mov"] and "channel=telegram" in cursor["links"][
        "next"
    ]
    assert get(client, tenant, mp4)["delivery"]["channels"]["whatsapp"]["url"] == mp4["url"]


def test_an_unknown_channel_is_a_422_naming_the_channels(client: Client, tenant: Tenant) -> None:
    reply = call(client, "GET", f"{API}/media?channel=fax", tenant)
    assert (reply.status, set(reply.body["errors"])) == (422, {"channel"})
    assert "whatsapp" in reply.body["errors"]["channel"][0]


def test_every_media_file_says_where_it_can_go(client: Client, tenant: Tenant) -> None:
    mov = uploaded(client, tenant, "phone.mov", fixture_bytes("hevc-rotated-90.mov"))
    delivery = mov["delivery"]
    assert (delivery["status"], delivery["rendition"]) == ("processing", None)
    assert set(delivery["channels"]) == {"whatsapp", "messenger", "instagram", "telegram", "web"}
    whatsapp = delivery["channels"]["whatsapp"]
    assert whatsapp["url"] is None and whatsapp["source"] is None
    assert "H.264" in whatsapp["reason"] and "being made" in whatsapp["reason"]
    assert client.lambda_.invoke("derivatives", s3_event(key_of(mov))).payload == {
        "results": ["thumbnail made, rendition made"]
    }
    after = get(client, tenant, mov)
    assert after["delivery"]["status"] == "ready" and after["thumbnail_url"]
    rendition = after["delivery"]["rendition"]
    assert after["delivery"]["channels"]["whatsapp"] == {"url": rendition["url"], "source": "rendition", "reason": None}
    assert rendition["metadata"]["video_codec"] == "h264" and rendition["metadata"]["width"] == 40


def test_delete_removes_the_file_its_poster_and_its_rendition(
    client: Client, tenant: Tenant, other_tenant: Tenant
) -> None:
    mov = uploaded(client, tenant, "phone.mov", fixture_bytes("hevc-rotated-90.mov"))
    worker.make(key_of(mov))
    kept = uploaded(client, other_tenant, "phone.mov", fixture_bytes("hevc-rotated-90.mov"))
    worker.make(key_of(kept))
    assert len(keys_under(f"renditions/{tenant.account_id}/")) == len(keys_under(f"thumbs/{tenant.account_id}/")) == 1
    assert call(client, "DELETE", f"{API}/media/{mov['id']}", tenant).status == 204
    for prefix in ("media", "thumbs", "renditions"):
        assert keys_under(f"{prefix}/{tenant.account_id}/") == [], prefix
        assert len(keys_under(f"{prefix}/{other_tenant.account_id}/")) == 1, prefix
