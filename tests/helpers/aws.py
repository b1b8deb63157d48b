"""The environment every test runs in: fake credentials, one region, the test bucket and tables."""

from __future__ import annotations

#: The environment every test starts from (conftest applies it before each test).
TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "MEDIA_REGION": "us-east-1",
    "MEDIA_BUCKET": "media-test",
    "MEDIA_TABLE_PREFIX": "media-test",
    "MEDIA_CURSOR_SECRET": "test-cursor-secret-0123456789",
    "MEDIA_PUBLIC_BASE_URL": "https://cdn.example.test",
    "MEDIA_KEY_CACHE_SECONDS": "0",
}
REGION = TEST_ENV["MEDIA_REGION"]
BUCKET = TEST_ENV["MEDIA_BUCKET"]
TABLE_PREFIX = TEST_ENV["MEDIA_TABLE_PREFIX"]
