"""The storage port on an S3-compatible backend (AWS S3, Wasabi, DigitalOcean Spaces, the local stack)."""

from __future__ import annotations

from chalicelib.storage.objects import S3Objects
from chalicelib.storage.presign import S3Presigner


class S3Storage(S3Objects, S3Presigner):
    """storage.port.Storage on the configured bucket."""
