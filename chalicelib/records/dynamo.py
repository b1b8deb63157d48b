"""The records port on DynamoDB (PynamoDB): one module per table family, composed here."""

from __future__ import annotations

from chalicelib.records.accounts import AccountRecords
from chalicelib.records.idempotency import KeyRecords
from chalicelib.records.media import MediaRecords
from chalicelib.records.media_reads import MediaReads
from chalicelib.records.uploads import UploadRecords


class DynamoRecords(AccountRecords, MediaRecords, MediaReads, UploadRecords, KeyRecords):
    """records.port.Records on the configured tables (chalicelib.models.bind)."""
