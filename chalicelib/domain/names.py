"""The named states and kinds of the domain, one place for all of them.

``StrEnum`` members are their values, so they store in DynamoDB and print in
JSON as the plain strings the contract names.
"""

from __future__ import annotations

from enum import StrEnum


class FileType(StrEnum):
    """A MediaFile's ``file_type``: the family its content belongs to."""

    IMAGE = "image"
    VIDEO = "video"

    @property
    def folder(self) -> str:
        """Its folder in a public storage key (``images``, ``videos``)."""
        return f"{self.value}s"


class SessionStatus(StrEnum):
    """An upload session's life: pending until ingest closes it, once."""

    PENDING = "pending"
    COMPLETED = "completed"
    REJECTED = "rejected"


class UploadFlow(StrEnum):
    """How the bytes arrive: in the request (direct) or through a presigned form (staged)."""

    DIRECT = "direct"
    PRESIGNED = "presigned"


class Uploader(StrEnum):
    """``uploaded_by`` of a MediaFile: admin files cannot be deleted through the API."""

    CLIENT = "client"
    ADMIN = "admin"


class DeliveryStatus(StrEnum):
    """Whether a file's derivatives (a video's poster, a rendition a channel needs) are made:
    ``processing`` until the worker has made them, ``ready`` after (a rendition that cannot
    be made at all is ready with a reason), ``failed`` when making them failed (the file is
    kept; the reconciler tries again)."""

    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"
