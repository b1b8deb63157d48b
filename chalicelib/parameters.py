"""SSM Parameter Store: where a deployed stage keeps its secrets.

The third module that talks to AWS, besides ``models.py`` and ``storage/``:
secrets must not live in .chalice/config.json. ``manage.py bootstrap`` stores
the cursor-signing key once as a SecureString (MEDIA_CURSOR_SECRET_PARAMETER);
a stage whose storage is another provider keeps that provider's access keys
in one too (MEDIA_S3_CREDENTIALS_PARAMETER).
It is read on first use (only cursor-mode listing needs it) and kept for the
life of the process. Tests and the local stack set MEDIA_CURSOR_SECRET
instead and never come here.
"""

from __future__ import annotations

import functools

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import new_session
from chalicelib.errors import ConfigurationError, ServiceUnavailable


@functools.lru_cache(maxsize=4)
def _fetch(name: str, region: str) -> str:
    client = new_session().create_client(
        "ssm",
        region_name=region,
        config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=10),
    )
    try:
        return str(client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ParameterNotFound":
            raise ConfigurationError(
                f"SSM parameter {name} does not exist: create it with `manage.py bootstrap --stage STAGE`."
            ) from None
        raise ServiceUnavailable("The configuration store is temporarily unavailable. Retry the request.") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("The configuration store is temporarily unavailable. Retry the request.") from exc


def secure_string(name: str, region: str) -> str:
    """The decrypted value of SecureString ``name`` in ``region`` (the function's own:
    Settings.function_region), fetched once per process; failures are retried."""
    return _fetch(name, region)


def reset() -> None:
    """Forget fetched values (tests; a rotated secret reaches warm functions on their next start)."""
    _fetch.cache_clear()
