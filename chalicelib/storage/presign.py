"""Presigned upload forms (the client sends the bytes straight to storage) and download links.

A form targets the session's PRIVATE staging key, never a public one: S3
accepts a POST policy (and a presigned PUT) any number of times until it
expires, so a form for the public key could overwrite a checked file or
recreate a deleted one. Ingest promotes the validated bytes
(docs/architecture.md, "Uploads").
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.config import get_settings
from chalicelib.storage.client import bucket, client, unavailable
from chalicelib.storage.port import PresignedUpload


class S3Presigner:
    """Presigned forms of the storage port (part of storage.s3.S3Storage)."""

    def presign_upload(self, key: str, content_type: str, size: int, expires: int) -> PresignedUpload:
        """A SigV4 form (POST) or URL (PUT) that lets a client store one object at ``key``.

        POST: the policy pins the exact key, the Content-Type and
        ``content-length-range`` 1..size (the declared size is the most it takes).
        PUT (backends without POST policies): Content-Type and Content-Length are
        signed headers.
        """
        try:
            if get_settings().presign_method == "put":
                url = client().generate_presigned_url(
                    "put_object",
                    Params={"Bucket": bucket(), "Key": key, "ContentType": content_type, "ContentLength": size},
                    ExpiresIn=expires,
                    HttpMethod="PUT",
                )
                headers = {"Content-Type": content_type, "Content-Length": str(size)}
                return PresignedUpload("PUT", url, headers=headers)
            form = client().generate_presigned_post(
                Bucket=bucket(),
                Key=key,
                Fields={"Content-Type": content_type},
                Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, size]],
                ExpiresIn=expires,
            )
        except (ClientError, BotoCoreError) as exc:
            raise unavailable(exc) from exc
        return PresignedUpload("POST", form["url"], fields=dict(form["fields"]))

    def presign_download(self, key: str, content_disposition: str, expires: int) -> str:
        """A GET URL for ``key`` whose answer carries ``content_disposition`` (S3's
        ``response-content-disposition``): a browser saves the file instead of showing it.
        Signing is local computation; the link works while this role may GetObject the key."""
        try:
            return str(
                client().generate_presigned_url(
                    "get_object",
                    Params={"Bucket": bucket(), "Key": key, "ResponseContentDisposition": content_disposition},
                    ExpiresIn=expires,
                )
            )
        except (ClientError, BotoCoreError) as exc:
            raise unavailable(exc) from exc
