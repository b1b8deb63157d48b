"""The local stack's storage port (moto behind ops.storage_guard) answers only what AWS would:
requests signed with the stack's own credentials, POST forms whose policy checks out, and
anonymous reads of the public prefixes. Every refusal is proven over real HTTP against a
started stack, and that it wrote nothing, read back through a signed client."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.auth
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from ops import local_stack
from tests.helpers.aws import restored_environment
from tests.helpers.servers import free_port

pytestmark = pytest.mark.slow(seconds=3)  # one local stack for the module

BUCKET = local_stack.BUCKET
PAGE_ORIGIN = "https://app.example"
KEYS_TABLE = f"{local_stack.TABLE_PREFIX}-api-keys"
PNG = (Path(__file__).parents[1] / "fixtures" / "sample.png").read_bytes()


class Stack:
    def __init__(self, stack: local_stack.LocalStack, api_url: str, env: dict[str, str]) -> None:
        self.stack = stack
        self.url = stack.moto_url
        self.api_url = api_url
        self.env = env

    def session(self, key: str = local_stack.ACCESS_KEY_ID, secret: str = local_stack.SECRET_ACCESS_KEY) -> Any:
        return boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name="us-east-1")

    def s3(self, **credentials: str) -> Any:
        config = Config(s3={"addressing_style": "path"}, signature_version="s3v4", retries={"max_attempts": 1})
        return self.session(**credentials).client("s3", endpoint_url=self.url, config=config)

    def dynamodb(self, **credentials: str) -> Any:
        config = Config(retries={"max_attempts": 1})
        return self.session(**credentials).client("dynamodb", endpoint_url=self.url, config=config)

    def objects(self) -> dict[str, str]:
        """Every object of the bucket and its ETag, read with the stack's credentials."""
        pages = self.s3().get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        return {item["Key"]: item["ETag"] for page in pages for item in page.get("Contents", [])}

    def api_keys(self) -> list[dict[str, Any]]:
        return list(self.dynamodb().scan(TableName=KEYS_TABLE)["Items"])

    def form(self, key: str, content_type: str = "image/png", size: int = len(PNG), expires: int = 300) -> Any:
        """A form exactly as the service signs them (the storage port's presign_upload)."""
        from chalicelib import storage

        return storage.store().presign_upload(key, content_type, size, expires)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    api_url = f"http://127.0.0.1:{free_port()}"  # the page's origin; no API needed for these tests
    with restored_environment():
        os.environ["MEDIA_CORS_ORIGINS"] = PAGE_ORIGIN
        running = local_stack.LocalStack(tmp_path_factory.mktemp("storage-port"), events=False)
        running.start(api_url)
        env = {**local_stack.environment(running.moto_url, running.data, api_url), "MEDIA_CORS_ORIGINS": PAGE_ORIGIN}
        try:
            yield Stack(running, api_url, env)
        finally:
            running.stop()


@pytest.fixture
def extra_env(stack: Stack) -> dict[str, str]:
    """chalicelib in this process acts on the stack, as the API does."""
    return stack.env


@pytest.fixture
def public_file(stack: Stack) -> str:
    key = f"media/demo/images/1700000000_{os.urandom(8).hex()}.png"
    stack.s3().put_object(Bucket=BUCKET, Key=key, Body=PNG, ContentType="image/png")
    return key


def s3_error(response: requests.Response) -> str:
    assert response.headers["Content-Type"] == "application/xml", response.text
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>'), response.text
    return response.text.split("<Code>", 1)[1].split("</Code>", 1)[0]


def put_item_body(key_hash: str) -> str:
    item = {"key_hash": {"S": key_hash}, "account_id": {"S": "demo"}, "prefix": {"S": "sk_live_forged00"}}
    return json.dumps({"TableName": KEYS_TABLE, "Item": {**item, "created_at": {"S": "2026-01-01T00:00:00Z"}}})


def forged_key() -> tuple[str, str]:
    from chalicelib import auth

    key = "sk_live_" + "F" * 43
    return key, auth.hash_key(key)


def assert_key_refused(key: str) -> None:
    from chalicelib import auth
    from chalicelib.errors import Unauthenticated

    with pytest.raises(Unauthenticated):
        auth.authenticate(key)


DYNAMODB_HEADERS = {"X-Amz-Target": "DynamoDB_20120810.PutItem", "Content-Type": "application/x-amz-json-1.0"}


# -- DynamoDB: nobody mints an API key without the stack's credentials ---------------------------------


def test_an_unsigned_put_item_is_refused_and_mints_no_api_key(stack: Stack) -> None:
    key, digest = forged_key()
    before = stack.api_keys()
    answer = requests.post(stack.url + "/", data=put_item_body(digest), headers=DYNAMODB_HEADERS, timeout=10)
    assert answer.status_code == 400
    assert answer.json() == {
        "__type": "com.amazon.coral.service#MissingAuthenticationTokenException",
        "message": "Request is missing Authentication Token",
    }
    assert stack.api_keys() == before
    assert_key_refused(key)


def test_a_put_item_with_a_made_up_signature_is_refused(stack: Stack) -> None:
    key, digest = forged_key()
    before = stack.api_keys()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for access_key, expected in (("local", "InvalidSignatureException"), ("AKIAFORGED", "UnrecognizedClientException")):
        authorization = (
            f"AWS4-HMAC-SHA256 Credential={access_key}/{stamp[:8]}/us-east-1/dynamodb/aws4_request, "
            f"SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={'0' * 64}"
        )
        headers = {**DYNAMODB_HEADERS, "X-Amz-Date": stamp, "Authorization": authorization}
        answer = requests.post(stack.url + "/", data=put_item_body(digest), headers=headers, timeout=10)
        assert answer.status_code == 400
        assert answer.json()["__type"] == f"com.amazon.coral.service#{expected}"
    assert stack.api_keys() == before
    assert_key_refused(key)


def test_a_put_item_signed_with_another_secret_is_refused(stack: Stack) -> None:
    key, digest = forged_key()
    before = stack.api_keys()
    item = json.loads(put_item_body(digest))["Item"]
    with pytest.raises(ClientError) as refused:
        stack.dynamodb(secret="not-the-stack-secret").put_item(TableName=KEYS_TABLE, Item=item)
    assert refused.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as unknown:
        stack.dynamodb(key="AKIASOMEONEELSE", secret="x").put_item(TableName=KEYS_TABLE, Item=item)
    assert unknown.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert stack.api_keys() == before
    assert_key_refused(key)


def test_a_request_signed_long_ago_is_refused_as_skewed(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The signer's clock (botocore's, not ours) set 20 minutes back: S3 allows 15."""
    past = datetime.now(UTC) - timedelta(minutes=20)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: past)
    with pytest.raises(ClientError) as refused:
        stack.s3().list_objects_v2(Bucket=BUCKET)
    assert refused.value.response["Error"]["Code"] == "RequestTimeTooSkewed"


# -- S3: signed requests, presigned URLs, the public prefixes ------------------------------------------


def test_s3_signed_with_another_secret_or_key_is_refused(stack: Stack) -> None:
    before = stack.objects()
    for credentials, code in (({"secret": "wrong"}, "SignatureDoesNotMatch"), ({"key": "AKIAX"}, "InvalidAccessKeyId")):
        with pytest.raises(ClientError) as refused:
            stack.s3(**credentials).put_object(Bucket=BUCKET, Key="media/demo/images/x.png", Body=PNG)
        assert refused.value.response["Error"]["Code"] == code
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert stack.objects() == before


def test_an_anonymous_listing_of_the_bucket_is_refused(stack: Stack, public_file: str) -> None:
    for query in ("?list-type=2&prefix=media/", "?list-type=2", "", "?versions"):
        answer = requests.get(f"{stack.url}/{BUCKET}{query}", timeout=10)
        assert (answer.status_code, s3_error(answer)) == (403, "AccessDenied")
        assert public_file not in answer.text
    assert requests.get(f"{stack.url}/", timeout=10).status_code == 403  # ListBuckets


def test_a_public_key_is_readable_anonymously_and_nothing_else_is(stack: Stack, public_file: str) -> None:
    served = requests.get(f"{stack.url}/{BUCKET}/{public_file}", timeout=10)
    assert (served.status_code, served.content, served.headers["Content-Type"]) == (200, PNG, "image/png")
    assert requests.head(f"{stack.url}/{BUCKET}/{public_file}", timeout=10).status_code == 200
    staged = f"uploads/demo/{os.urandom(16).hex()}"
    stack.s3().put_object(Bucket=BUCKET, Key=staged, Body=PNG)
    for path, params in (
        (staged, None),  # the private staging area
        (public_file, {"acl": ""}),  # a sub-resource of a public key
        (public_file, {"tagging": ""}),
        (f"media/../{staged}", None),
    ):
        refused = requests.get(f"{stack.url}/{BUCKET}/{path}", params=params, timeout=10)
        assert (refused.status_code, s3_error(refused)) == (403, "AccessDenied"), path
    deleted = requests.delete(f"{stack.url}/{BUCKET}/{public_file}", timeout=10)
    assert (deleted.status_code, s3_error(deleted)) == (403, "AccessDenied")
    assert public_file in stack.objects() and staged in stack.objects()


def test_public_prefixes_come_from_the_bucket_policy() -> None:
    from ops.iam import PUBLIC_PREFIXES, public_read_policy
    from ops.storage_guard import public_prefixes

    assert local_stack.storage_access().public_prefixes == PUBLIC_PREFIXES
    policy = public_read_policy(BUCKET)
    policy["Statement"][0]["Resource"].append(f"arn:aws:s3:::{BUCKET}/renditions/*")
    assert public_prefixes(policy, BUCKET) == (*PUBLIC_PREFIXES, "renditions/")


def test_presigned_urls_work_until_they_expire(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    staged = f"uploads/demo/{os.urandom(16).hex()}"
    s3 = stack.s3()
    s3.put_object(Bucket=BUCKET, Key=staged, Body=PNG)
    fresh = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": staged}, ExpiresIn=60)
    assert requests.get(fresh, timeout=10).content == PNG
    tampered = fresh.replace(staged, staged[:-1] + ("0" if staged[-1] != "0" else "1"))
    assert s3_error(requests.get(tampered, timeout=10)) == "SignatureDoesNotMatch"
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: datetime.now(UTC) - timedelta(minutes=2))
    stale = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": staged}, ExpiresIn=60)
    expired = requests.get(stale, timeout=10)
    assert (expired.status_code, s3_error(expired)) == (403, "AccessDenied")
    assert "Request has expired" in expired.text


def test_a_body_other_than_the_signed_one_is_refused_and_not_stored(stack: Stack) -> None:
    s3 = stack.s3()

    def swap_body(request: Any, **_: Any) -> None:
        request.body = b"<html>not the signed bytes</html>"

    s3.meta.events.register("before-send.s3.PutObject", swap_body)
    key = f"media/demo/images/1700000000_{os.urandom(8).hex()}.png"
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x" * len(b"<html>not the signed bytes</html>"))
    assert refused.value.response["Error"]["Code"] == "XAmzContentSHA256Mismatch"
    assert key not in stack.objects()


def test_moto_management_api_needs_a_signature_except_the_stack_probe(stack: Stack, public_file: str) -> None:
    assert requests.get(f"{stack.url}/moto-api/config", timeout=10).ok  # moto answers 201
    for method, path in (("POST", "reset"), ("GET", "data.json"), ("POST", "seed?a=42"), ("POST", "config")):
        refused = requests.request(method, f"{stack.url}/moto-api/{path}", timeout=10)
        assert (refused.status_code, s3_error(refused)) == (403, "AccessDenied"), path
    assert public_file in stack.objects()  # the reset did not happen


# -- POST forms ------------------------------------------------------------------------------------------


def send(form: Any, data: bytes = PNG, fields: dict[str, str] | None = None) -> requests.Response:
    return requests.post(form.url, data={**form.fields, **(fields or {})}, files={"file": ("f.png", data)}, timeout=30)


def test_a_form_as_the_service_signs_it_stores_the_file(stack: Stack) -> None:
    key = f"uploads/demo/{os.urandom(16).hex()}"
    form = stack.form(key)
    stored = send(form)
    assert stored.status_code == 204, stored.text
    got = stack.s3().get_object(Bucket=BUCKET, Key=key)
    assert (got["Body"].read(), got["ContentType"]) == (PNG, "image/png")


@pytest.mark.parametrize(
    ("tamper", "status", "code", "message"),
    [
        ({"key": "uploads/other-account/0123456789abcdef0123456789abcdef"}, 403, "AccessDenied", '"key"'),
        ({"Content-Type": "text/html"}, 403, "AccessDenied", '"Content-Type"'),
        ({"x-amz-meta-owner": "someone"}, 403, "AccessDenied", "Extra input fields: x-amz-meta-owner"),
        ({"x-amz-signature": "0" * 64}, 403, "SignatureDoesNotMatch", "signature"),
        ({"x-amz-credential": "AKIAOTHER/20260101/us-east-1/s3/aws4_request"}, 403, "InvalidAccessKeyId", "Key Id"),
    ],
    ids=["another-accounts-key", "text-html", "extra-field", "signature", "credential"],
)
def test_a_tampered_form_is_refused_and_stores_nothing(
    stack: Stack, tamper: dict[str, str], status: int, code: str, message: str
) -> None:
    key = f"uploads/demo/{os.urandom(16).hex()}"
    form = stack.form(key)
    before = stack.objects()
    refused = send(form, fields=tamper)
    assert (refused.status_code, s3_error(refused)) == (status, code)
    assert message in refused.text
    assert stack.objects() == before


def test_a_file_larger_than_the_policy_allows_is_refused_and_stores_nothing(stack: Stack) -> None:
    """S3 answers this one with 400 EntityTooLarge (not 403)."""
    key = f"uploads/demo/{os.urandom(16).hex()}"
    form = stack.form(key, size=100)
    before = stack.objects()
    refused = send(form, PNG)
    assert (refused.status_code, s3_error(refused)) == (400, "EntityTooLarge")
    assert "<MaxSizeAllowed>100</MaxSizeAllowed>" in refused.text
    big = send(form, os.urandom(8 * 1024 * 1024))  # refused as it streams, not after
    assert (big.status_code, s3_error(big)) == (400, "EntityTooLarge")
    assert send(form, b"").status_code == 400  # content-length-range starts at 1
    assert stack.objects() == before


def test_an_expired_policy_is_refused(stack: Stack) -> None:
    key = f"uploads/demo/{os.urandom(16).hex()}"
    s3 = stack.s3()
    form = s3.generate_presigned_post(
        BUCKET, key, Fields={"Content-Type": "image/png"}, Conditions=[{"Content-Type": "image/png"}], ExpiresIn=-60
    )
    before = stack.objects()
    refused = requests.post(form["url"], data=form["fields"], files={"file": ("f.png", PNG)}, timeout=30)
    assert (refused.status_code, s3_error(refused)) == (403, "AccessDenied")
    assert "Policy expired" in refused.text
    assert stack.objects() == before


def test_an_unsigned_form_is_refused(stack: Stack) -> None:
    key = f"uploads/demo/{os.urandom(16).hex()}"
    before = stack.objects()
    for fields in ({"key": key}, {"key": key, "Content-Type": "image/png", "policy": "e30="}):
        refused = requests.post(f"{stack.url}/{BUCKET}", data=fields, files={"file": ("f.png", PNG)}, timeout=30)
        assert (refused.status_code, s3_error(refused)) == (403, "AccessDenied")
    assert stack.objects() == before


def test_fields_after_the_file_never_reach_storage(stack: Stack) -> None:
    """S3 ignores what follows the file; the port forwards the form as it was checked."""
    key = f"uploads/demo/{os.urandom(16).hex()}"
    form = stack.form(key)
    boundary = "b0undary"
    parts = [(name, value) for name, value in form.fields.items()]
    body = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{n}"\r\n\r\n{v}\r\n' for n, v in parts)
    raw = (
        body.encode()
        + f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.png"\r\n\r\n'.encode()
        + PNG
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="x-amz-meta-late"\r\n\r\nyes\r\n'.encode()
        + f"--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    stored = requests.post(form.url, data=raw, headers=headers, timeout=30)
    assert stored.status_code == 204, stored.text
    got = stack.s3().head_object(Bucket=BUCKET, Key=key)
    assert got["ContentLength"] == len(PNG) and got["Metadata"] == {}


# -- CORS ------------------------------------------------------------------------------------------------


def test_cors_answers_the_listed_origins_and_the_pages_own_never_another(stack: Stack, public_file: str) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    for origin in (PAGE_ORIGIN, stack.api_url):
        allowed = requests.options(f"{stack.url}/{BUCKET}", headers={"Origin": origin, **preflight}, timeout=10)
        assert allowed.status_code == 200
        assert allowed.headers["Access-Control-Allow-Origin"] == origin
        assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
        read = requests.get(f"{stack.url}/{BUCKET}/{public_file}", headers={"Origin": origin}, timeout=10)
        assert read.headers["Access-Control-Allow-Origin"] == origin
        assert read.headers["Access-Control-Expose-Headers"] == "ETag"
    evil = "https://evil.example"
    refused = requests.options(f"{stack.url}/{BUCKET}", headers={"Origin": evil, **preflight}, timeout=10)
    assert (refused.status_code, s3_error(refused)) == (403, "AccessForbidden")
    assert not any(name.lower().startswith("access-control-allow") for name in refused.headers)
    read = requests.get(f"{stack.url}/{BUCKET}/{public_file}", headers={"Origin": evil}, timeout=10)
    assert read.status_code == 200
    assert not any(name.lower().startswith("access-control-") for name in read.headers)
    signed = requests.post(f"{stack.url}/{BUCKET}", headers={"Origin": evil}, timeout=10)
    assert not any(name.lower().startswith("access-control-") for name in signed.headers)
