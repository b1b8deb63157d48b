"""Every API error becomes the exception named after its code, with status, code, message and errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

import media_client
from media_client import (
    AdminFileProtected,
    Client,
    IdempotencyInProgress,
    IdempotencyKeyReused,
    MalformedRequest,
    MediaAPIError,
    MediaLimitReached,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    RetryPolicy,
    ServerError,
    ServiceUnavailable,
    StorageError,
    TooManyRequests,
    Unauthenticated,
    UnsupportedMediaType,
    UploadExpired,
    UploadNotReceived,
    ValidationFailed,
)
from tests.client.conftest import DEPLOYED_DIRECT_MAX, Stack, Tenant, png_file


def raised(call: Any) -> MediaAPIError:
    with pytest.raises(MediaAPIError) as caught:
        call()
    return caught.value


# -- produced by the real API ----------------------------------------------------------------


def test_a_wrong_key_is_unauthenticated(stack: Stack) -> None:
    error = raised(lambda: Client("sk_live_not-a-key", stack.api_url).account())
    assert (type(error), error.status, error.code) == (Unauthenticated, 401, "unauthenticated")
    assert error.message.startswith("Invalid API key: the X-Api-Key header")


def test_a_missing_file_is_not_found(stack: Stack, tenant: Tenant) -> None:
    with stack.client(tenant) as client:
        for call in (lambda: client.get(424242), lambda: client.rename(424242, "x"), lambda: client.delete(424242)):
            error = raised(call)
            assert (type(error), error.status, error.code) == (NotFound, 404, "not_found")


def test_field_errors_are_validation_failed(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    with stack.client(tenant) as client:
        media = client.upload(png_file(tmp_path / "a.png"))
        error = raised(lambda: client.rename(media.id, "   "))
        assert (type(error), error.status, error.code) == (ValidationFailed, 422, "validation_failed")
        assert list(error.errors) == ["name"] and error.message == error.errors["name"][0]
        error = raised(lambda: client.iter_media(per_page=101).__next__())
        assert isinstance(error, ValidationFailed) and "per_page" in error.errors


def test_a_key_reused_for_another_request(stack: Stack, tenant: Tenant) -> None:
    with stack.client(tenant) as client:
        body = {"filename": "a.png", "file_size": 10}
        client.request("POST", "/media/uploads", json=body, idempotency_key="same-key")
        error = raised(
            lambda: client.request("POST", "/media/uploads", json={**body, "file_size": 11}, idempotency_key="same-key")
        )
    assert (type(error), error.status, error.code) == (IdempotencyKeyReused, 422, "idempotency_key_reused")
    assert "Idempotency-Key" in error.errors


def test_a_full_plan_is_media_limit_reached(stack: Stack, tmp_path: Path) -> None:
    tenant = stack.new_tenant(media_limit=1)
    with stack.client(tenant) as client:
        client.upload(png_file(tmp_path / "a.png"))
        error = raised(lambda: client.upload(tmp_path / "a.png"))
    assert (type(error), error.status, error.code) == (MediaLimitReached, 403, "media_limit_reached")
    assert isinstance(error, MediaLimitReached) and (error.limit, error.used) == (1, 1)


def test_an_admin_file_cannot_be_deleted(stack: Stack, tenant: Tenant) -> None:
    from tests.helpers.media import png_bytes

    media_id = stack.admin_upload(tenant, "brand.png", png_bytes())
    with stack.client(tenant) as client:
        error = raised(lambda: client.delete(media_id))
        assert client.get(media_id).uploaded_by == "admin"
    assert (type(error), error.status, error.code) == (AdminFileProtected, 403, "admin_file")


def test_request_level_refusals(stack: Stack, tenant: Tenant) -> None:
    with stack.client(tenant) as client:
        too_big = b"--b\r\n" + b"x" * (DEPLOYED_DIRECT_MAX + 20_000) + b"\r\n--b--\r\n"
        cases: list[tuple[Any, type[MediaAPIError], int, str]] = [
            (
                lambda: client.request(
                    "POST", "/media", content=too_big, headers={"Content-Type": "multipart/form-data; boundary=b"}
                ),
                PayloadTooLarge,
                413,
                "payload_too_large",
            ),
            (
                lambda: client.request(
                    "POST", "/media/uploads", content=b"{", headers={"Content-Type": "application/json"}
                ),
                MalformedRequest,
                400,
                "malformed_request",
            ),
            (
                lambda: client.request("POST", "/media/uploads", content=b"x", headers={"Content-Type": "text/plain"}),
                UnsupportedMediaType,
                415,
                "unsupported_media_type",
            ),
            (lambda: client.request("PATCH", "/media"), MethodNotAllowed, 405, "method_not_allowed"),
        ]
        for call, cls, status, code in cases:
            error = raised(call)
            assert (type(error), error.status, error.code) == (cls, status, code), error


def test_completing_before_the_bytes_arrive_is_upload_not_received(stack: Stack, tenant: Tenant) -> None:
    with stack.client(tenant) as client:
        session = client.request("POST", "/media/uploads", json={"filename": "a.png", "file_size": 10}).json()
        error = raised(lambda: client.request("POST", f"/media/uploads/{session['id']}/complete"))
    assert (type(error), error.status, error.code) == (UploadNotReceived, 409, "upload_not_received")


def test_a_stale_etag_is_precondition_failed(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    with stack.client(tenant) as client:
        media = client.upload(png_file(tmp_path / "a.png"))
        stale = {"If-Match": '"1-0000000000000000"'}
        error = raised(lambda: client.request("PUT", f"/media/{media.id}", json={"name": "b"}, headers=stale))
    assert (type(error), error.status, error.code) == (PreconditionFailed, 412, "precondition_failed")


# -- answers the local stack cannot be made to give (gateway, timing): their documented bodies ----


def answering(status: int, body: Any, headers: dict[str, str] | None = None) -> Client:
    def reply(request: httpx.Request) -> httpx.Response:
        content = body if isinstance(body, bytes) else None
        return httpx.Response(status, json=None if content else body, content=content, headers=headers)

    return Client("sk_test_x", "http://api.test", transport=httpx.MockTransport(reply), retry=RetryPolicy(0))


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (409, "idempotency_in_progress", IdempotencyInProgress),
        (410, "upload_expired", UploadExpired),
        (429, "too_many_requests", TooManyRequests),
        (503, "service_unavailable", ServiceUnavailable),
        (500, "server_error", ServerError),
        (400, "bad_request", MalformedRequest),
    ],
)
def test_documented_errors_map_by_code(status: int, code: str, cls: type[MediaAPIError]) -> None:
    error = raised(
        lambda: answering(status, {"message": "Said the API.", "code": code}, {"Retry-After": "1"}).account()
    )
    assert (type(error), error.status, error.code, error.message) == (cls, status, code, "Said the API.")
    assert error.headers["retry-after"] == "1"


def test_answers_without_our_body_map_by_status() -> None:
    error = raised(lambda: answering(502, b"<html>Bad Gateway</html>", {"Content-Type": "text/html"}).account())
    assert (type(error), error.status, error.code) == (ServerError, 502, "server_error")
    assert error.message == "HTTP 502 Bad Gateway from api.test"
    error = raised(lambda: answering(418, {"message": "Teapot.", "code": "brewing"}).account())
    assert (type(error), error.code, error.message) == (MediaAPIError, "brewing", "Teapot.")


def test_every_error_class_is_exported_under_one_base() -> None:
    classes = [getattr(media_client, name) for name in media_client.__all__]
    errors = [c for c in classes if isinstance(c, type) and issubclass(c, Exception)]
    assert len(errors) >= 20 and all(issubclass(c, MediaAPIError) for c in errors)
    error = ValidationFailed("Bad.", status=422, errors={"name": ["Bad."]})
    assert error.to_dict() == {
        "status": 422,
        "code": "validation_failed",
        "message": "Bad.",
        "errors": {"name": ["Bad."]},
    }


def test_storage_refusals_carry_the_storages_code(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    from tests.client.conftest import MIB, mp4_file

    video = mp4_file(tmp_path / "clip.mp4", DEPLOYED_DIRECT_MAX + MIB)
    refusal = (
        b"<?xml version='1.0'?><Error><Code>AccessDenied</Code>"
        b"<Message>Invalid according to Policy: Policy expired.</Message></Error>"
    )
    real = httpx.HTTPTransport()
    storage_port = httpx.URL(stack.moto_url).port

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.port == storage_port:
            return httpx.Response(403, content=refusal, headers={"Content-Type": "application/xml"})
        return real.handle_request(request)

    with stack.client(tenant, transport=httpx.MockTransport(route)) as client:
        error = raised(lambda: client.upload(video))
    assert (type(error), error.status, error.code) == (StorageError, 403, "AccessDenied")
    assert error.message == "The storage refused the upload: Invalid according to Policy: Policy expired."


def test_a_base_url_that_is_not_http_is_refused_at_once() -> None:
    for url in ("127.0.0.1:8000", "ftp://media.example.com", "http://"):
        with pytest.raises(ValueError, match="MEDIA_API_URL"):
            Client("sk_test_x", url)


def test_other_transport_failures_are_connection_errors_too() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ProxyError("407 Proxy Authentication Required", request=request)

    client = Client("sk_test_x", "http://api.test", transport=httpx.MockTransport(refuse))
    error = raised(client.account)
    assert (type(error).__name__, error.status, error.code) == ("APIConnectionError", None, "connection_failed")
    assert "407 Proxy Authentication Required" in error.message
