"""The local server hands the app the caller's address where API Gateway puts it
(``requestContext.identity.sourceIp``), so request lines name the caller locally too:
chalice's own event converter writes 127.0.0.1 for everyone."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from chalicelib import caches
from tests.helpers.media import png_bytes
from tests.helpers.servers import api_over_http, threaded_aws_env
from tests.helpers.tenants import make_tenant

pytestmark = pytest.mark.slow(seconds=0.5)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with threaded_aws_env(), api_over_http() as base:
        monkeypatch.setenv("MEDIA_LOG_FORMAT", "json")  # threaded_aws_env set the test environment anew
        caches.reset()
        yield base


def get_from(source: str, base: str, path: str, headers: dict[str, str]) -> int:
    """GET ``path`` over a connection whose local address is ``source`` (all of 127/8 is loopback)."""
    where = urlsplit(base)
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=10, source_address=(source, 0))
    try:
        connection.request("GET", path, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def test_request_lines_carry_the_address_the_request_came_from(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    tenant = make_tenant("Caller")
    capsys.readouterr()
    assert get_from("127.0.0.2", server, "/api/v1/account", tenant.headers) == 200
    assert get_from("127.0.0.3", server, "/api/v1/media", {}) == 401
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    found = [
        (line.get("source_ip"), line.get("key_prefix"), line["status"]) for line in lines if line["event"] == "request"
    ]
    assert found == [("127.0.0.2", tenant.api_key[:16], 200), ("127.0.0.3", None, 401)]


def test_a_query_sent_as_raw_utf8_reads_as_the_same_query_percent_encoded(server: str) -> None:
    """curl sends ``?search=CAFÉ`` as the UTF-8 bytes themselves; http.server decodes a
    request line as Latin-1, and the API must still read "CAFÉ", as from ``CAF%C3%89``."""
    tenant = make_tenant("Raw")
    sent = requests.post(
        f"{server}/api/v1/media",
        headers=tenant.headers,
        files={"file": ("cafe.png", png_bytes())},
        data={"name": "Café terrace"},
        timeout=10,
    )
    assert sent.status_code == 201, sent.text
    where = urlsplit(server)
    request = b"GET /api/v1/media?search=CAF\xc3\x89 HTTP/1.1\r\nHost: %s\r\nX-Api-Key: %s\r\nConnection: close\r\n\r\n"
    with socket.create_connection((where.hostname or "", where.port or 80), timeout=10) as connection:
        connection.sendall(request % (where.netloc.encode(), tenant.api_key.encode()))
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") or head.startswith(b"HTTP/1.0 200"), head
    assert [item["name"] for item in json.loads(body)["data"]] == ["Café terrace"]
