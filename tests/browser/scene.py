"""What the browser tests ask of the API itself, beside the page: to set a scene (a file
described, a damaged phone video) or to check what the page did."""

from __future__ import annotations

import time
from typing import Any

import requests

from tests.browser.harness import Running, Tenant
from tests.helpers.media import fixture_bytes


def api_get(stack: Running, tenant: Tenant, path: str) -> Any:
    answer = requests.get(f"{stack.url}/api/v1{path}", headers={"X-Api-Key": tenant.api_key}, timeout=30)
    answer.raise_for_status()
    return answer.json()


def api_put(stack: Running, tenant: Tenant, media_id: int, body: dict[str, Any]) -> Any:
    headers = {"X-Api-Key": tenant.api_key}
    answer = requests.put(f"{stack.url}/api/v1/media/{media_id}", json=body, headers=headers, timeout=30)
    answer.raise_for_status()
    return answer.json()


def settled(stack: Running, tenant: Tenant, media_id: int, limit_s: float = 60) -> dict[str, Any]:
    """The file once the derivatives worker is done with it (polled, as the page does)."""
    deadline = time.monotonic() + limit_s
    while True:
        media: dict[str, Any] = api_get(stack, tenant, f"/media/{media_id}")
        if media["delivery"]["status"] != "processing":
            return media
        assert time.monotonic() < deadline, media["delivery"]
        time.sleep(0.2)


def broken_phone_video() -> bytes:
    """A phone's HEVC MOV whose every sample is zeroed: it passes the probe (its boxes are
    intact) but no frame of it decodes, so no poster or rendition can be made. Instagram
    takes a MOV as it is; no other channel can get it."""
    data = bytearray(fixture_bytes("portrait-hevc.mov"))
    box = data.index(b"mdat") - 4
    end = box + int.from_bytes(data[box : box + 4], "big")
    data[box + 8 : end] = bytes(end - box - 8)
    return bytes(data)
