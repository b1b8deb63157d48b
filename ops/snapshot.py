"""Persistence of the local stack: moto keeps everything in memory, so the
state is written to the data directory and read back on the next start.

Layout (under the data directory, usually ``.data/``)::

    dynamodb/<table>.jsonl      one item per line, DynamoDB JSON (low-level scan)
    s3/manifest.json            {"bucket", "objects": {key: {etag, size, content_type}}}
    s3/objects/<key>            each object's bytes, at its key

Every file is written to a temporary name and moved into place, so a crash
leaves the previous version or the new one, never half a file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

log = logging.getLogger("ops.snapshot")
_BATCH = 25  # BatchWriteItem's ceiling
_CHUNK = 1024 * 1024


def local_session() -> boto3.session.Session:
    """A boto3 session with moto's fake credentials. Share one: each session
    loads the service models again (~0.1 s per client on a cold start)."""
    return boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1")


def write_atomic(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write ``data`` (bytes, or chunks of them) to ``path`` through a temporary file and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in [data] if isinstance(data, bytes) else data:
                out.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _to_json(value: Any) -> Any:
    """DynamoDB JSON with binary values (bytes from boto3) as base64 text."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for kind, inner in value.items():
            if kind == "B":
                out[kind] = base64.b64encode(inner).decode()
            elif kind == "BS":
                out[kind] = [base64.b64encode(b).decode() for b in inner]
            else:
                out[kind] = _to_json(inner)
        return out
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for kind, inner in value.items():
            if kind == "B":
                out[kind] = base64.b64decode(inner)
            elif kind == "BS":
                out[kind] = [base64.b64decode(b) for b in inner]
            else:
                out[kind] = _from_json(inner)
        return out
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


class Snapshot:
    """Save and restore the stack's tables (by name prefix) and bucket."""

    def __init__(
        self,
        data_dir: Path,
        endpoint_url: str,
        bucket: str,
        table_prefix: str,
        session: boto3.session.Session | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.bucket = bucket
        self.table_prefix = table_prefix
        self._tables_dir = data_dir / "dynamodb"
        self._objects_dir = data_dir / "s3" / "objects"
        self._manifest_path = data_dir / "s3" / "manifest.json"
        session = session or local_session()
        self._dynamodb = session.client("dynamodb", endpoint_url=endpoint_url)
        self._s3 = session.client("s3", endpoint_url=endpoint_url, config=Config(s3={"addressing_style": "path"}))
        self._table_hashes: dict[str, str] = {}
        self._table_counts: dict[str, int] = {}
        self._objects: dict[str, dict[str, Any]] = {}

    # -- restore -------------------------------------------------------------

    def restore(self) -> dict[str, int]:
        """Load the saved items into the (already created) tables and the
        saved objects into the (already created) bucket. Returns counts."""
        counts = {"items": 0, "objects": 0}
        existing = set(self._table_names())
        for path in sorted(self._tables_dir.glob("*.jsonl")):
            table = path.stem
            if table not in existing:
                log.warning("snapshot: no table %s any more; %s not restored", table, path.name)
                continue
            data = path.read_bytes()
            items = [_from_json(json.loads(line)) for line in data.splitlines() if line.strip()]
            self._batch_write(table, items)
            self._table_hashes[table] = hashlib.sha256(data).hexdigest()
            self._table_counts[table] = len(items)
            counts["items"] += len(items)
        manifest = self._read_manifest()
        for key, entry in manifest.items():
            stored = self._object_path(key)
            if stored is None or not stored.is_file():
                log.warning("snapshot: the bytes of %s are missing; object not restored", key)
                continue
            self._s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=stored.read_bytes(),
                ContentType=entry.get("content_type") or "binary/octet-stream",
            )
            counts["objects"] += 1
        # Re-read the listing so the next save compares against moto's etags.
        self._objects = {
            key: {**manifest.get(key, {}), "etag": etag, "size": size} for key, (etag, size) in self._listing().items()
        }
        return counts

    def _batch_write(self, table: str, items: list[dict[str, Any]]) -> None:
        for start in range(0, len(items), _BATCH):
            requests: dict[str, Any] = {
                table: [{"PutRequest": {"Item": item}} for item in items[start : start + _BATCH]]
            }
            while requests:
                response = self._dynamodb.batch_write_item(RequestItems=requests)
                requests = response.get("UnprocessedItems") or {}

    def _read_manifest(self) -> dict[str, dict[str, Any]]:
        try:
            manifest = json.loads(self._manifest_path.read_text())
        except FileNotFoundError:
            return {}
        return dict(manifest.get("objects", {}))

    # -- save ----------------------------------------------------------------

    def save(self) -> bool:
        """Write what changed since the last save; True when anything was written."""
        changed = False
        for table in self._table_names():
            changed |= self._save_table(table)
        changed |= self._save_objects()
        return changed

    def totals(self) -> tuple[int, int]:
        """(items, files) the data directory holds as of the last save or restore."""
        return sum(self._table_counts.values()), len(self._objects)

    def _table_names(self) -> list[str]:
        names: list[str] = []
        for page in self._dynamodb.get_paginator("list_tables").paginate():
            names += [n for n in page["TableNames"] if n.startswith(f"{self.table_prefix}-")]
        return names

    def _save_table(self, table: str) -> bool:
        lines = []
        for page in self._dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
            lines += [json.dumps(_to_json(item), sort_keys=True) for item in page["Items"]]
        data = "".join(f"{line}\n" for line in sorted(lines)).encode()
        self._table_counts[table] = len(lines)
        digest = hashlib.sha256(data).hexdigest()
        if self._table_hashes.get(table) == digest:
            return False
        write_atomic(self._tables_dir / f"{table}.jsonl", data)
        self._table_hashes[table] = digest
        return True

    def _listing(self) -> dict[str, tuple[str, int]]:
        listing: dict[str, tuple[str, int]] = {}
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for item in page.get("Contents", []):
                listing[item["Key"]] = (item["ETag"], int(item["Size"]))
        return listing

    def _object_path(self, key: str) -> Path | None:
        """Where an object's bytes live; None for a key that would leave the directory."""
        parts = key.split("/")
        if not key or any(p in ("", ".", "..") for p in parts):
            return None
        return self._objects_dir.joinpath(*parts)

    def _save_objects(self) -> bool:
        listing = self._listing()
        changed = False
        for key, (etag, size) in list(listing.items()):
            known = self._objects.get(key)
            if known is not None and known.get("etag") == etag:
                continue
            path = self._object_path(key)
            if path is None:
                log.warning("snapshot: cannot store key %r as a file; skipped", key)
                continue
            try:
                response = self._s3.get_object(Bucket=self.bucket, Key=key)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
                    raise
                # Deleted since the listing (a staged upload ingest just removed): as good as
                # never listed, so the save goes on and a copy saved before goes too.
                del listing[key]
                continue
            # In chunks: a 50 MB file never sits whole in the stack's memory for its copy.
            write_atomic(path, response["Body"].iter_chunks(_CHUNK))
            self._objects[key] = {"etag": etag, "size": size, "content_type": response.get("ContentType")}
            changed = True
        for key in set(self._objects) - set(listing):
            path = self._object_path(key)
            if path is not None:
                path.unlink(missing_ok=True)
            del self._objects[key]
            changed = True
        if changed or not self._manifest_path.exists():
            manifest = {"bucket": self.bucket, "objects": dict(sorted(self._objects.items()))}
            write_atomic(self._manifest_path, json.dumps(manifest, indent=1).encode())
        return changed


class Snapshotter:
    """Saves the snapshot every ``interval`` seconds when the server saw writes."""

    def __init__(self, snapshot: Snapshot, mutations: Callable[[], int], interval: float = 2.0) -> None:
        self.snapshot = snapshot
        self._mutations = mutations
        self._interval = interval
        self._saved_at = mutations()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="snapshotter", daemon=True)
        self._thread.start()

    def flush(self, *, force: bool = False) -> bool:
        """Save now if anything may have changed; True when files were written."""
        with self._lock:
            seen = self._mutations()
            if seen == self._saved_at and not force:
                return False
            written = self.snapshot.save()
            # Writes that finish during the save move the counter past ``seen``,
            # so the next flush catches them.
            self._saved_at = seen
            return written

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.flush()
            except Exception:  # keep snapshotting; the next round retries
                log.exception("snapshot failed; retrying in %.0f s", self._interval)

    def stop(self) -> None:
        """Stop the thread and write the final snapshot (forced: what is on disk is then known)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.flush(force=True)
