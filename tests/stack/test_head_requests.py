"""HEAD on the page, the API reference and the static files answers as GET does, without
the body (link checkers and uptime monitors send HEAD), over real HTTP as `make run` serves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.helpers.servers import api_over_http, threaded_aws_env

pytestmark = pytest.mark.slow(seconds=1)


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with threaded_aws_env(), api_over_http() as url:
        yield url


@pytest.fixture
def extra_env(base: str) -> dict[str, str]:
    import os

    return dict(os.environ)


def static_path(base: str) -> str:
    from chalicelib import site

    return f"/static/{site.bundle().version}/app.js"


@pytest.mark.parametrize("path", ["/", "/docs", "static"])
def test_head_answers_like_get_without_a_body(base: str, path: str) -> None:
    url = base + (static_path(base) if path == "static" else path)
    got = requests.get(url, timeout=30)
    head = requests.head(url, timeout=30)
    assert (got.status_code, head.status_code) == (200, 200)
    assert head.content == b""
    for header in ("Content-Type", "ETag", "Cache-Control", "Content-Security-Policy", "X-Content-Type-Options"):
        assert head.headers[header] == got.headers[header], header
    again = requests.head(url, headers={"If-None-Match": got.headers["ETag"]}, timeout=30)
    assert (again.status_code, again.content) == (304, b"")
