"""Requests a client should never send, answered as the deployed API answers them:
a clear 4xx in the contract's JSON, never a 5xx, an HTML page or a dropped connection.

Over a raw socket against the local server (``make run``'s), and through the app for
what reaches it (deep JSON, non-ASCII digits).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from chalice.test import Client

from tests.helpers.http import API, call, check_body, uploaded
from tests.helpers.servers import api_over_http
from tests.helpers.tenants import Tenant


@pytest.fixture(scope="module")
def local_server() -> Iterator[tuple[str, int]]:
    """One server for the module: it holds nothing between requests (the app reads the
    environment and the stores of the test that is running)."""
    with api_over_http() as base:
        host, port = base.removeprefix("http://").split(":")
        yield host, int(port)


@pytest.fixture
def server(aws: None, local_server: tuple[str, int]) -> tuple[str, int]:
    return local_server


def exchange(server: tuple[str, int], raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``raw`` as is (no body beyond it) and read the whole answer; the server must close."""
    with socket.create_connection(server, timeout=10) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body


def json_error(status: int, headers: dict[str, str], body: bytes) -> dict[str, str]:
    assert headers["content-type"] == "application/json", headers
    parsed = check_body(status, body)
    assert isinstance(parsed, dict)
    return parsed


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"GET /api/v1/media HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", 431, "headers_too_large"),
        (b"GARBAGE\r\n\r\n", 400, "bad_request"),
        (b"GET /api/v1/media HTTP/3.0\r\n\r\n", 505, "http_version_not_supported"),
        (b"GET /api/v1/media HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400, "bad_request"),
        (b"GET /api/v1/media HTTP/1.1\r\nContent-Length: -5\r\n\r\n", 400, "bad_request"),
        (b"POST /api/v1/media HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411, "length_required"),
    ],
    ids=["431 huge header", "400 request line", "505 version", "400 length abc", "400 length -5", "411 chunked"],
)
def test_malformed_requests_get_a_json_4xx(server: tuple[str, int], raw: bytes, status: int, code: str) -> None:
    answer = exchange(server, raw)
    assert answer[0] == status
    assert json_error(*answer)["code"] == code


def test_a_keyless_request_announcing_10_gb_is_refused_before_its_body(server: tuple[str, int]) -> None:
    # Nothing after the headers is sent: an answer at all proves the body was not awaited.
    raw = b"POST /api/v1/media HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=x\r\n"
    answer = exchange(server, raw + b"Content-Length: 10737418240\r\n\r\n")
    assert answer[0] == 401 and json_error(*answer)["code"] == "unauthenticated"


def test_a_body_larger_than_any_route_takes_is_refused_before_it_is_read(
    server: tuple[str, int], tenant: Tenant
) -> None:
    raw = f"POST /api/v1/media HTTP/1.1\r\nX-Api-Key: {tenant.api_key}\r\nContent-Length: 10737418240\r\n\r\n"
    answer = exchange(server, raw.encode())
    assert answer[0] == 413 and json_error(*answer)["code"] == "payload_too_large"


def test_an_unknown_method_reaches_the_app_and_gets_a_json_405(server: tuple[str, int], tenant: Tenant) -> None:
    raw = f"FROB /api/v1/media HTTP/1.1\r\nX-Api-Key: {tenant.api_key}\r\nConnection: close\r\n\r\n"
    status, headers, body = exchange(server, raw.encode())
    assert status == 405 and json_error(status, headers, body)["code"] == "method_not_allowed"
    assert headers["allow"] == "GET, POST"


DEEP = "[" * 1000 + "]" * 1000  # 2 KB; json.loads recurses once per level


def test_json_nested_too_deeply_is_a_400(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "photo.png")
    headers = {"Content-Type": "application/json"}
    for method, path in (("PUT", f"{API}/media/{media['id']}"), ("POST", f"{API}/media/uploads")):
        reply = call(client, method, path, tenant, headers=headers, body=DEEP)
        assert (reply.status, reply.body["code"]) == (400, "malformed_request"), (method, reply.body)
    nested = json.dumps({"name": json.loads("[" * 50 + "]" * 50)})  # deep but parseable: a field error
    assert call(client, "PUT", f"{API}/media/{media['id']}", tenant, headers=headers, body=nested).status == 422


@pytest.mark.parametrize("raw_id", ["²", "３", "١", "1²"])
def test_path_ids_take_ascii_digits_only(client: Client, tenant: Tenant, raw_id: str) -> None:
    uploaded(client, tenant, "photo.png")  # id 1 exists: "３" must not reach it
    for method in ("GET", "DELETE"):
        reply = call(client, method, f"{API}/media/{raw_id}", tenant)
        assert (reply.status, reply.body["code"]) == (404, "not_found"), (method, raw_id)
