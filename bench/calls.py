"""AWS API calls one request makes, key cache warm (each call is latency and money)."""

from __future__ import annotations

import io
import tempfile
from typing import Any

from bench.harness import AwsCalls, emit, in_process_aws, new_account

FILES = 3


def _png(index: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16 + index, 16), "red").save(out, "PNG")
    return out.getvalue()


def run() -> dict[str, Any]:
    from chalice.test import Client

    from app import app
    from chalicelib import accounts, auth, uploads

    with in_process_aws(), tempfile.TemporaryDirectory() as project:
        account_id, headers = new_account()
        ids = [uploads.upload_direct(account_id, f"photo-{i}.png", _png(i)).media_id for i in range(FILES)]
        counter = AwsCalls().attach()
        # chalice.test.Client applies .chalice/config.json's stage variables;
        # an empty project dir keeps the bench settings in force.
        with Client(app, stage_name="bench", project_dir=project) as client:
            http = client.http
            json_headers = {**headers, "Content-Type": "application/json"}
            keyed = {**json_headers, "Idempotency-Key": "bench-replay"}
            replayed = b'{"filename": "b.mp4", "file_size": 1000}'
            assert http.post("/api/v1/media/uploads", headers=keyed, body=replayed).status_code == 201  # the first
            requests: dict[str, Any] = {
                "list": lambda: http.get("/api/v1/media", headers=headers),
                "get": lambda: http.get(f"/api/v1/media/{ids[0]}", headers=headers),
                "rename": lambda: http.put(f"/api/v1/media/{ids[0]}", headers=json_headers, body=b'{"name": "New"}'),
                "delete": lambda: http.delete(f"/api/v1/media/{ids[1]}", headers=headers),
                "start_upload": lambda: http.post(
                    "/api/v1/media/uploads", headers=json_headers, body=b'{"filename": "a.mp4", "file_size": 1000}'
                ),
                "account": lambda: http.get("/api/v1/account", headers=headers),
                # A retry of an answered POST: the kept answer, the request not run again.
                "idempotent_replay": lambda: http.post("/api/v1/media/uploads", headers=keyed, body=replayed),
            }
            expected = {
                "list": 200,
                "get": 200,
                "rename": 200,
                "delete": 204,
                "start_upload": 201,
                "account": 200,
                "idempotent_replay": 201,
            }
            # The keyed POST above was the key's first use (its one write); this warms the
            # key cache (and every lazy import).
            requests["list"]()
            result: dict[str, Any] = {}
            detail: dict[str, dict[str, int]] = {}
            fresh = {"X-Api-Key": accounts.issue_key(account_id).api_key}
            account = "/api/v1/account"
            requests["account_first_use"] = lambda: http.get(account, headers=fresh)
            requests["account_key_cache_cold"] = lambda: http.get(account, headers=fresh)
            expected.update({"account_first_use": 200, "account_key_cache_cold": 200})
            for name, send in requests.items():
                if name.startswith("account_"):
                    auth.clear_cache()  # as a new instance, or an entry that ran out
                counter.reset()
                response = send()
                assert response.status_code == expected[name], (name, response.status_code, response.body)
                result[f"calls_{name}"] = counter.total
                detail[name] = dict(counter.calls)
    result["_detail"] = detail
    return result


if __name__ == "__main__":
    emit(run())
