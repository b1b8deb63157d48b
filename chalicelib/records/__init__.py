"""Every read and write of the service's tables, behind one port (records.port.Records).

Use cases call ``records.store()`` and get the active implementation: the
DynamoDB one (records.dynamo) unless a test installed the in-memory fake with
:func:`use`. PynamoDB failures never leave the DynamoDB implementation: a
failed condition is a plain answer (False, None), any other failure
ServiceUnavailable. Every write that could be repeated (events, retries) is
conditional, and every change of a media record moves the account counters in
the same transaction.
"""

from __future__ import annotations

from chalicelib.records.port import MediaQuery, Records
from chalicelib.slots import Slot


def _dynamodb() -> Records:
    from chalicelib.records.dynamo import DynamoRecords

    return DynamoRecords()


_slot: Slot[Records] = Slot(_dynamodb)
#: The records implementation in use (DynamoDB, built on first use).
store = _slot.get
#: Install another implementation (tests' in-memory fake); None goes back to DynamoDB.
use = _slot.use

__all__ = ["MediaQuery", "Records", "store", "use"]
