"""Operations can see and recover: one JSON line per request and per ingested
object (never a key), CloudWatch metrics in those lines, and events that failed
after their retries kept in a queue that `manage.py ingest redrive` replays."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from chalice.test import Client
from click.testing import CliRunner

from manage import cli
from ops import local_stack
from ops.iam import failure_queue_name
from tests.helpers.aws import restored_environment
from tests.helpers.aws_faults import dynamodb_failing
from tests.helpers.events import s3_event
from tests.helpers.http import API, call, upload_file, uploaded
from tests.helpers.manage import stack_client
from tests.helpers.media import png_bytes
from tests.helpers.tenants import Tenant
from tests.helpers.uploads import send, started


@pytest.fixture(autouse=True)
def json_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIA_LOG_FORMAT", "json")  # as deployed


def lines(out: str) -> list[dict[str, Any]]:
    parsed = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert all(isinstance(p, dict) and "event" in p for p in parsed)
    return parsed


def test_every_request_writes_one_json_line_with_no_key_in_it(
    client: Client, tenant: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    uploaded(client, tenant, "photo.png")
    call(client, "GET", f"{API}/media", tenant)
    call(client, "GET", f"{API}/media/99", tenant)
    call(client, "GET", f"{API}/media", headers={"X-Api-Key": tenant.api_key[:-1] + "x"})  # a wrong key
    out = capsys.readouterr().out
    requests_ = [line for line in lines(out) if line["event"] == "request"]
    assert [(r["method"], r["route"], r["status"]) for r in requests_] == [
        ("POST", "/api/v1/media", 201),
        ("GET", "/api/v1/media", 200),
        ("GET", "/api/v1/media/{media_id}", 404),
        ("GET", "/api/v1/media", 401),
    ]
    for line in requests_:
        assert set(line) >= {"request_id", "method", "route", "status", "latency_ms"}
        assert isinstance(line["latency_ms"], float) and line["latency_ms"] >= 0
    assert [r.get("account_id") for r in requests_] == [tenant.account_id] * 3 + [None]
    assert [r.get("error_code") for r in requests_] == [None, None, "not_found", "unauthenticated"]
    # The key by its 16-character display prefix (the wrong key's too), never more of it.
    assert [r.get("key_prefix") for r in requests_] == [tenant.api_key[:16]] * 4
    assert tenant.api_key[:17] not in out and tenant.api_key[16:-1] not in out


def test_refusals_and_5xx_are_metrics_in_the_embedded_metric_format(
    client: Client, tenant: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert upload_file(client, tenant, "page.png", b"<html>not an image</html>").status == 422
    with dynamodb_failing("GetItem", 1, table="media"):
        assert call(client, "GET", f"{API}/media/1", tenant).status == 503
    found = lines(capsys.readouterr().out)
    rejected = next(line for line in found if line["event"] == "upload_rejected")
    assert (rejected["UploadsRejected"], rejected["Reason"], rejected["Stage"]) == (1.0, "unsupported_content", "local")
    directive = rejected["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "MediaApi"
    assert directive["Dimensions"] == [["Stage"], ["Stage", "Reason"]]
    assert directive["Metrics"] == [{"Name": "UploadsRejected", "Unit": "Count"}]
    failed = next(line for line in found if line["event"] == "request" and line["status"] == 503)
    assert (
        failed["ServerErrors"] == 1.0 and failed["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"] == "ServerErrors"
    )


def test_ingest_writes_one_line_per_object(client: Client, tenant: Tenant, capsys: pytest.CaptureFixture[str]) -> None:
    good = started(client, tenant, filename="a.png", file_size=len(png_bytes()))
    bad = started(client, tenant, filename="b.png", file_size=100)
    good_key, bad_key = send(good, png_bytes()), send(bad, b"<html>no</html>")
    capsys.readouterr()
    client.lambda_.invoke("ingest", s3_event(good_key))
    client.lambda_.invoke("ingest", s3_event(bad_key))
    found = [line for line in lines(capsys.readouterr().out) if line["event"] == "ingest"]
    assert [(i["key"], i["outcome"], i.get("reason")) for i in found] == [
        (good_key, "recorded", None),
        (bad_key, "rejected", "unsupported_content"),
    ]
    assert all(i["bytes_read"] > 0 and i["ms"] >= 0 and i["IngestDuration"] == i["ms"] for i in found)


def test_locally_the_same_events_are_one_readable_line(
    client: Client, tenant: Tenant, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIA_LOG_FORMAT", "text")
    capsys.readouterr()
    call(client, "GET", f"{API}/media/99", tenant)
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = [x for x in captured.err.splitlines() if " request " in x]
    assert "method=GET route=/api/v1/media/{media_id} status=404" in line and "error_code=not_found" in line


# -- a failing ingest, the failed-event queue, redrive --------------------------------------


@pytest.fixture
def running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[local_stack.LocalStack, str]]:
    """A local stack with its events (at once, retried after 1 s) and the API, found by manage.py."""
    from app import app
    from ops.dev_server import create_api_server, lambda_functions, serving

    monkeypatch.setenv(local_stack.DATA_ENV, str(tmp_path))
    stack = local_stack.LocalStack(tmp_path, functions=lambda_functions(app), retry_after=1, event_delay=0)
    server = create_api_server(app, "127.0.0.1", 0)
    with restored_environment():
        try:
            stack.start()
            stack.write_stack_file(None)
            with serving(server):
                yield stack, f"http://127.0.0.1:{server.port}/api/v1"
        finally:
            stack.stop()


def _queued(stack: local_stack.LocalStack) -> int:
    sqs = stack_client(stack, "sqs")
    url = sqs.get_queue_url(QueueName=failure_queue_name("local"))["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


@pytest.mark.slow(seconds=5)  # a local stack, and Lambda's retries
def test_an_ingest_failing_after_its_retries_is_kept_and_redrive_records_the_file(
    running: tuple[local_stack.LocalStack, str],
) -> None:
    stack, api = running
    user = requests.Session()
    user.headers["X-Api-Key"] = stack.demo_key
    session = user.post(
        f"{api}/media/uploads", json={"filename": "kept.png", "file_size": len(png_bytes())}, timeout=30
    )
    form = session.json()["upload"]
    with dynamodb_failing("TransactWriteItems", 1000):  # the database refuses every attempt
        sent = requests.post(form["url"], data=form["fields"], files={"file": ("kept.png", png_bytes())}, timeout=30)
        assert sent.status_code == 204
        deadline = time.monotonic() + 60
        while _queued(stack) == 0:
            assert time.monotonic() < deadline, "the failed event never reached the queue"
            time.sleep(0.5)
    status = user.get(f"{api}/media/uploads/{session.json()['id']}", timeout=30).json()
    assert status["status"] == "pending"  # nothing recorded, nothing lost

    dry = CliRunner().invoke(cli, ["ingest", "redrive", "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    [listed] = json.loads(dry.output)
    assert (listed["outcome"], listed["keys"]) == ("would redrive", [form["fields"]["key"]])
    assert "ProvisionedThroughputExceeded" in listed["error"] or listed["error"]
    assert _queued(stack) == 1

    done = CliRunner().invoke(cli, ["ingest", "redrive", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)[0]["outcome"] == "redriven"
    assert _queued(stack) == 0
    status = user.get(f"{api}/media/uploads/{session.json()['id']}", timeout=30).json()
    assert status["status"] == "completed" and status["media"]["original_name"] == "kept.png"
    empty = CliRunner().invoke(cli, ["ingest", "redrive"])
    assert (empty.exit_code, empty.output.strip()) == (2, "The failed-event queue is empty.")
