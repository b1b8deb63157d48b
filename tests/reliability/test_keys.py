"""API keys at rest and in time (docs/architecture.md, "API keys"; README "revocation delay"):

- no table, object or log line holds a key in clear, nor more of it than its
  16-character display prefix;
- a key revoked by another process keeps working on a warm instance only until
  its cache entry ages out (MEDIA_KEY_CACHE_SECONDS), shown with an injected
  clock, never a sleep;
- nothing throttles a flood locally; the deployed stage does (API Gateway stage
  throttling + the THROTTLED gateway response as our JSON body), see
  docs/RELIABILITY.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import auth, caches, records
from chalicelib.config import MAX_KEY_CACHE_SECONDS, get_settings
from chalicelib.domain.clock import now_text as now_iso
from chalicelib.errors import ConfigurationError, Unauthenticated
from ops.template import stage_settings
from tests.helpers.http import API, call, uploaded
from tests.helpers.stores import aws_client, bucket, s3, table_name
from tests.helpers.tenants import Tenant, make_tenant

DEPLOY = Path(__file__).parents[2] / "deploy"
MODELS = ("AccountItem", "ApiKeyItem", "MediaItem", "UploadItem")
JSON = {"Content-Type": "application/json"}


def _texts(value: Any) -> list[str]:
    """Every string (names and values) inside a DynamoDB item, however nested."""
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in (str(k), *_texts(v))]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    if isinstance(value, bytes):
        return [value.decode("latin-1")]
    return [str(value)]


def stored_text() -> str:
    """Every item of every table, every object key, metadata and tag, as one text."""
    dynamodb, texts = aws_client("dynamodb"), []
    tables = dynamodb.list_tables()["TableNames"]
    assert {table_name(model) for model in MODELS} <= set(tables)
    for table in tables:
        texts += _texts(dynamodb.scan(TableName=table)["Items"])
    for item in s3().list_objects_v2(Bucket=bucket()).get("Contents", []):
        where = {"Bucket": bucket(), "Key": item["Key"]}
        texts += [item["Key"], *_texts(s3().head_object(**where).get("Metadata", {}))]
        texts += _texts(s3().get_object_tagging(**where)["TagSet"])
    return "\n".join(texts)


def leaked_parts(api_key: str, text: str) -> list[str]:
    """Stretches of the key longer than its display prefix found in ``text``."""
    size = auth.PREFIX_LENGTH + 1
    return [api_key[i : i + size] for i in range(len(api_key) - size + 1) if api_key[i : i + size] in text]


def test_no_table_object_or_log_line_holds_a_key_or_more_than_its_display_prefix(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    acme, globex = make_tenant("Acme"), make_tenant("Globex")
    spare = auth.issue_key(acme.account_id)
    revoked = auth.issue_key(globex.account_id)
    assert auth.revoke(revoked.api_key) == [revoked.prefix]
    for tenant in (acme, globex):
        media = uploaded(client, tenant, "photo.png")
        renamed = call(client, "PUT", f"{API}/media/{media['id']}", tenant, headers=JSON, body='{"name": "Renamed"}')
        body = json.dumps({"filename": "clip.mp4", "file_size": 1000})
        started = call(client, "POST", f"{API}/media/uploads", tenant, headers=JSON, body=body)
        assert (renamed.status, started.status) == (200, 201)
    assert call(client, "GET", f"{API}/media", Tenant(globex.account_id, revoked.api_key)).status == 401

    keys = [acme.api_key, globex.api_key, spare.api_key, revoked.api_key]
    at_rest, logged = stored_text(), caplog.text
    assert logged  # the service did log (DEBUG included): the check below means something
    for api_key in keys:
        assert leaked_parts(api_key, at_rest) == [], "a key is stored in clear"
        assert leaked_parts(api_key, logged) == [], "a key reached the logs"
        stored = records.store().get_api_key(hashlib.sha256(api_key.encode()).hexdigest())
        assert stored is not None and stored.prefix == api_key[: auth.PREFIX_LENGTH]


@pytest.fixture
def cache_seconds(monkeypatch: pytest.MonkeyPatch) -> int:
    """The deployed default: a warm instance caches a key for 30 s."""
    monkeypatch.setenv("MEDIA_KEY_CACHE_SECONDS", "30")
    caches.reset()
    return get_settings().key_cache_seconds


def revoke_elsewhere(api_key: str) -> None:
    """What `manage.py keys revoke` on another machine does: the record changes, this
    process's cache does not."""
    assert records.store().revoke_api_key(auth.hash_key(api_key), now_iso())


def test_a_key_revoked_elsewhere_works_until_its_cache_entry_ages_out_then_never_again(
    tenant: Tenant, cache_seconds: int
) -> None:
    start = 1_000.0
    assert auth.authenticate(tenant.api_key, now=start) == tenant.account_id
    revoke_elsewhere(tenant.api_key)
    # Within the documented delay the warm instance still trusts its cache...
    assert auth.authenticate(tenant.api_key, now=start + cache_seconds - 0.001) == tenant.account_id
    # ...and from the moment the entry ages out, the key is refused for good.
    for later in (start + cache_seconds, start + cache_seconds + 1, start + 10 * cache_seconds):
        with pytest.raises(Unauthenticated):
            auth.authenticate(tenant.api_key, now=later)


def test_a_revoked_key_is_never_cached(tenant: Tenant, cache_seconds: int) -> None:
    revoke_elsewhere(tenant.api_key)
    for offset in (0.0, 0.5, cache_seconds + 1.0):
        with pytest.raises(Unauthenticated):
            auth.authenticate(tenant.api_key, now=2_000.0 + offset)


def test_revoking_in_this_process_takes_effect_at_once(tenant: Tenant, cache_seconds: int) -> None:
    assert auth.authenticate(tenant.api_key, now=3_000.0) == tenant.account_id
    auth.revoke(tenant.api_key)
    with pytest.raises(Unauthenticated):
        auth.authenticate(tenant.api_key, now=3_000.001)


def test_without_a_cache_a_revoked_key_is_refused_on_the_very_next_request(client: Client, tenant: Tenant) -> None:
    assert get_settings().key_cache_seconds == 0  # the test and local-stack setting
    assert call(client, "GET", f"{API}/media", tenant).status == 200
    revoke_elsewhere(tenant.api_key)
    reply = call(client, "GET", f"{API}/media", tenant)
    assert (reply.status, reply.body["code"]) == (401, "unauthenticated")


@pytest.mark.parametrize("seconds", [str(MAX_KEY_CACHE_SECONDS + 1), "-1", "forever"])
def test_the_revocation_delay_cannot_be_configured_past_its_ceiling(
    monkeypatch: pytest.MonkeyPatch, seconds: str
) -> None:
    monkeypatch.setenv("MEDIA_KEY_CACHE_SECONDS", seconds)
    caches.reset()
    with pytest.raises(ConfigurationError):
        get_settings()


def test_the_app_itself_never_throttles_a_key(client: Client, tenant: Tenant) -> None:
    # Nothing in the app counts requests: deployed, the WAF web ACL and the stage's throttle do
    # (ops/waf.py); locally, the dev server in front of the app (ops/rate_limit.py,
    # tests/stack/test_local_rate_limit.py). A Lambda instance sees too little to count.
    statuses = {call(client, "GET", f"{API}/media?per_page=1", tenant).status for _ in range(100)}
    assert statuses == {200}


def test_the_deployed_stages_throttle_and_answer_429_with_our_json_body() -> None:
    responses_file = DEPLOY / "gateway_responses.json"
    for name in ("dev", "prod"):
        settings = stage_settings(name)
        rate, burst = settings["throttle_rate_limit"], settings["throttle_burst_limit"]
        assert 0 < rate <= burst, (name, rate, burst)
    throttled = json.loads(responses_file.read_text())["THROTTLED"]
    assert throttled["status"] == 429
    assert set(throttled["body"]) == {"message", "code"} and throttled["body"]["code"] == "too_many_requests"
