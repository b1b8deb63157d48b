"""Presigned upload forms: the client sends the bytes straight to storage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.config import get_settings
from chalicelib.storage.objects import PENDING_TAGGING, PENDING_TAGGING_XML, _unavailable, bucket, client


@dataclass(frozen=True)
class PresignedUpload:
    method: str
    url: str
    fields: dict[str, str] | None = None
    headers: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"method": self.method, "url": self.url}
        if self.fields is not None:
            body["fields"] = self.fields
        if self.headers is not None:
            body["headers"] = self.headers
        return body


def presign_upload(key: str, content_type: str, size: int, max_size: int, expires: int) -> PresignedUpload:
    """A SigV4 form (POST) or URL (PUT) that lets a client store exactly this object.

    POST: the policy pins the exact key, the Content-Type, the pending tag and
    ``content-length-range`` 1..max_size. PUT (backends without POST policies):
    Content-Type, Content-Length and the tag are signed headers.
    """
    settings = get_settings()
    try:
        if settings.presign_method == "put":
            url = client().generate_presigned_url(
                "put_object",
                Params={
                    "Bucket": bucket(),
                    "Key": key,
                    "ContentType": content_type,
                    "ContentLength": size,
                    "Tagging": PENDING_TAGGING,
                },
                ExpiresIn=expires,
                HttpMethod="PUT",
            )
            headers = {
                "Content-Type": content_type,
                "Content-Length": str(size),
                "x-amz-tagging": PENDING_TAGGING,
            }
            return PresignedUpload("PUT", url, headers=headers)
        form = client().generate_presigned_post(
            Bucket=bucket(),
            Key=key,
            Fields={"Content-Type": content_type, "tagging": PENDING_TAGGING_XML},
            Conditions=[
                {"Content-Type": content_type},
                {"tagging": PENDING_TAGGING_XML},
                ["content-length-range", 1, max_size],
            ],
            ExpiresIn=expires,
        )
    except (ClientError, BotoCoreError) as exc:
        raise _unavailable(exc) from exc
    return PresignedUpload("POST", form["url"], fields=dict(form["fields"]))
