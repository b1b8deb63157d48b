"""Settings, read from the environment lazily (never at import).

Every knob the service has is an environment variable listed here; README's
configuration reference mirrors this module.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from chalicelib.errors import ConfigurationError

#: Hard ceiling from the contract: 50 MB per file. Configurable downwards only.
MAX_FILE_SIZE = 52_428_800
#: API Gateway caps bodies at 10 MB and Lambda payloads at 6 MB; base64 makes
#: that ~4.5 MB of file, minus the multipart envelope. 4 MiB is the safe
#: deployed default for the direct multipart route.
DEFAULT_DIRECT_UPLOAD_MAX = 4 * 1024 * 1024
#: The in-process API key cache never holds a key longer than this, so a
#: revoked key stops working within this many seconds on every instance.
MAX_KEY_CACHE_SECONDS = 60
#: Presigned upload forms live at most 15 minutes.
MAX_UPLOAD_EXPIRES = 900


@dataclass(frozen=True)
class Settings:
    #: Region of the tables and the bucket (MEDIA_REGION, else the function's own).
    region: str
    #: The function's own region (AWS_REGION): where its SSM parameters live.
    function_region: str
    table_prefix: str
    bucket: str
    s3_endpoint_url: str | None
    # Storage may live in another provider (Wasabi, DigitalOcean Spaces): its own
    # signing region and its own access keys, never the function's AWS role.
    s3_region: str
    s3_key_pair: tuple[str, str] | None  # MEDIA_S3_ACCESS_KEY_ID / MEDIA_S3_SECRET_ACCESS_KEY
    s3_credentials_parameter: str | None  # or an SSM SecureString "ACCESS_KEY_ID:SECRET_ACCESS_KEY"
    dynamodb_endpoint_url: str | None
    public_base_url: str
    s3_addressing_style: str
    max_file_size: int
    direct_upload_max_bytes: int
    # MEDIA_CURSOR_SECRET, or else the SSM SecureString MEDIA_CURSOR_SECRET_PARAMETER
    # names (deployed stages): see the cursor_secret property.
    cursor_secret_value: bytes | None
    cursor_secret_parameter: str | None
    key_cache_seconds: int
    upload_expires_seconds: int
    presign_method: str
    cors_origins: tuple[str, ...]
    bucket_events: bool
    # Base of every link the API builds (links, meta.path, openapi servers):
    # never the client's Host or X-Forwarded-* headers (docs/architecture.md, "Browsers and links").
    public_api_url: str | None
    # The CDN in front of the public keys (docs/deploy.md, "Delivery"): DELETE queues the
    # deleted file's keys there, and the invalidate function purges them in batches.
    # Unset: no CDN (the local stack, public-bucket stages), nothing to invalidate.
    invalidation_queue_url: str | None = None
    distribution_id: str | None = None

    def table_name(self, name: str) -> str:
        return f"{self.table_prefix}-{name}"

    @property
    def cursor_secret(self) -> bytes | None:
        """The cursor HMAC key; checked where cursors are signed (ops commands need none).

        A deployed stage reads it from SSM on first use (chalicelib.parameters), so
        requests that never sign a cursor never pay for the call.
        """
        if self.cursor_secret_value is not None or self.cursor_secret_parameter is None:
            return self.cursor_secret_value
        from chalicelib import parameters

        value = parameters.secure_string(self.cursor_secret_parameter, self.function_region)
        if len(value) < 16:
            raise ConfigurationError(f"The secret in {self.cursor_secret_parameter} must be 16 characters or more.")
        return value.encode()

    def storage_credentials(self) -> tuple[str, str] | None:
        """Provider access keys for the storage client; None: the process's AWS credentials."""
        if self.s3_key_pair is not None or self.s3_credentials_parameter is None:
            return self.s3_key_pair
        from chalicelib import parameters

        access, _, secret = parameters.secure_string(self.s3_credentials_parameter, self.function_region).partition(":")
        if not access or not secret:
            raise ConfigurationError(
                f"{self.s3_credentials_parameter} must hold ACCESS_KEY_ID:SECRET_ACCESS_KEY for the storage provider."
            )
        return access.strip(), secret.strip()


def _key_pair() -> tuple[str, str] | None:
    access, secret = _optional("MEDIA_S3_ACCESS_KEY_ID"), _optional("MEDIA_S3_SECRET_ACCESS_KEY")
    if (access is None) != (secret is None):
        raise ConfigurationError("Set both MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY, or neither.")
    return (access, secret) if access and secret else None


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}.") from None
    if not low <= value <= high:
        raise ConfigurationError(f"{name} must be between {low} and {high}, got {value}.")
    return value


def _optional(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process settings, read once on first use."""
    function_region = _optional("AWS_REGION") or _optional("AWS_DEFAULT_REGION") or "us-east-1"
    region = _optional("MEDIA_REGION") or function_region
    bucket = _optional("MEDIA_BUCKET")
    if bucket is None:
        raise ConfigurationError("MEDIA_BUCKET is not set.")
    secret = _optional("MEDIA_CURSOR_SECRET")
    if secret is not None and len(secret) < 16:
        raise ConfigurationError("MEDIA_CURSOR_SECRET must be 16 characters or more.")
    public_base = _optional("MEDIA_PUBLIC_BASE_URL") or f"https://{bucket}.s3.{region}.amazonaws.com"
    max_file = _int("MEDIA_MAX_FILE_SIZE", MAX_FILE_SIZE, 1, MAX_FILE_SIZE)
    presign = (_optional("MEDIA_PRESIGN_METHOD") or "post").lower()
    if presign not in ("post", "put"):
        raise ConfigurationError("MEDIA_PRESIGN_METHOD must be 'post' or 'put'.")
    style = (_optional("MEDIA_S3_ADDRESSING_STYLE") or "auto").lower()
    if style not in ("auto", "path", "virtual"):
        raise ConfigurationError("MEDIA_S3_ADDRESSING_STYLE must be auto, path or virtual.")
    origins = tuple(o.strip() for o in (_optional("MEDIA_CORS_ORIGINS") or "*").split(",") if o.strip())
    return Settings(
        region=region,
        function_region=function_region,
        table_prefix=_optional("MEDIA_TABLE_PREFIX") or "media-dev",
        bucket=bucket,
        s3_endpoint_url=_optional("MEDIA_S3_ENDPOINT_URL"),
        s3_region=_optional("MEDIA_S3_REGION") or region,
        s3_key_pair=_key_pair(),
        s3_credentials_parameter=_optional("MEDIA_S3_CREDENTIALS_PARAMETER"),
        dynamodb_endpoint_url=_optional("MEDIA_DYNAMODB_ENDPOINT_URL"),
        public_base_url=public_base.rstrip("/"),
        s3_addressing_style=style,
        max_file_size=max_file,
        direct_upload_max_bytes=_int(
            "MEDIA_DIRECT_UPLOAD_MAX_BYTES", min(DEFAULT_DIRECT_UPLOAD_MAX, max_file), 1, max_file
        ),
        cursor_secret_value=secret.encode() if secret else None,
        cursor_secret_parameter=_optional("MEDIA_CURSOR_SECRET_PARAMETER"),
        key_cache_seconds=_int("MEDIA_KEY_CACHE_SECONDS", 30, 0, MAX_KEY_CACHE_SECONDS),
        upload_expires_seconds=_int("MEDIA_UPLOAD_EXPIRES_SECONDS", MAX_UPLOAD_EXPIRES, 60, MAX_UPLOAD_EXPIRES),
        presign_method=presign,
        cors_origins=origins,
        bucket_events=(_optional("MEDIA_BUCKET_EVENTS") or "true").lower() in ("1", "true", "yes"),
        public_api_url=_public_api_url(),
        invalidation_queue_url=_optional("MEDIA_INVALIDATION_QUEUE_URL"),
        distribution_id=_optional("MEDIA_DISTRIBUTION_ID"),
    )


def _public_api_url() -> str | None:
    value = _optional("MEDIA_PUBLIC_API_URL")
    if value is None:
        return None
    if not value.startswith(("https://", "http://")) or any(c in value for c in "?#"):
        raise ConfigurationError("MEDIA_PUBLIC_API_URL must be an http(s) URL without query or fragment.")
    return value.rstrip("/")


def reset_settings() -> None:
    """Forget the cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
