"""Every DynamoDB read and write, with PynamoDB errors translated (records.base).

Every write that could be repeated (events, retries) is conditional, and
every change of a media record moves the account counters in the same
transaction. One module per table family; this package re-exports them.
"""

from chalicelib.records.accounts import (
    get_account,
    get_api_key,
    list_api_keys,
    put_account,
    put_api_key,
    revoke_api_key,
    scan_accounts,
    scan_api_keys,
    set_media_limit,
)
from chalicelib.records.media import (
    allocate_media_id,
    confirm_version,
    delete_media_record,
    get_media,
    get_media_batch,
    note_thumbnail_failure,
    query_media,
    record_media,
    rename_media,
    scan_media,
    set_thumbnail,
)
from chalicelib.records.uploads import (
    acknowledge_session,
    get_session,
    put_session,
    reject_session,
    scan_sessions,
)

__all__ = [
    "acknowledge_session",
    "allocate_media_id",
    "confirm_version",
    "delete_media_record",
    "get_account",
    "get_api_key",
    "get_media",
    "get_media_batch",
    "note_thumbnail_failure",
    "get_session",
    "list_api_keys",
    "put_account",
    "put_api_key",
    "put_session",
    "query_media",
    "record_media",
    "reject_session",
    "rename_media",
    "revoke_api_key",
    "scan_accounts",
    "scan_api_keys",
    "scan_media",
    "scan_sessions",
    "set_media_limit",
    "set_thumbnail",
]
