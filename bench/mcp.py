"""The MCP endpoint: a search in a 10,000-file library through tools/call (against the same search
use case called directly), its AWS calls (counted by the same botocore hooks as bench/calls.py),
a get's, and what the endpoint costs to import the first time /mcp is hit, beside what the SDK's
types alone would have cost."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile
from typing import Any

from bench.harness import ROOT, AwsCalls, emit, in_process_aws, interleaved, median, new_account, paired_ratio, timed_ms
from bench.listing import FILES, fill_library

ROUNDS = 5  # pairs: each search walks the 10,000 files' index on moto
RUNS = 11  # imports, per side
#: Every file holds "file"; one, half-way down the library, holds both words: it ranks first.
QUERY = f"file {FILES // 2}"


def _call(client: Any, headers: dict[str, str], name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}}
    answer = client.http.post("/mcp", headers=headers, body=json.dumps(body))
    assert answer.status_code == 200, answer.body
    result: dict[str, Any] = answer.json_body["result"]
    assert result["isError"] is False, result
    return result


def _requests() -> dict[str, Any]:
    from chalice.test import Client

    from app import app
    from chalicelib import search

    with in_process_aws(), tempfile.TemporaryDirectory() as project:
        account_id, headers = new_account()
        fill_library(account_id, FILES)
        gc.collect()
        gc.freeze()  # moto's 10,000 items: no collector pass in the middle of a timed call
        counter = AwsCalls().attach()
        headers = {**headers, "Content-Type": "application/json", "Accept": "application/json"}
        with Client(app, stage_name="bench", project_dir=project) as client:

            def searched() -> None:
                files = _call(client, headers, "search_media", {"query": QUERY})["structuredContent"]["files"]
                assert files[0]["id"] == FILES // 2 and len(files) == 10

            def direct() -> None:
                """The same search, the use case called in this process (no HTTP, no JSON-RPC)."""
                assert search.search_media(account_id, QUERY, limit=10)[0].media_id == FILES // 2

            for _ in range(2):  # warm: key cache, lazy imports, the tool list
                searched()
                direct()
            # Each count right after a request: the key cache holds a key for 30 s (the bench's
            # MEDIA_KEY_CACHE_SECONDS) and a search on moto takes seconds; warm-key figures, as calls.py's.
            _call(client, headers, "get_media", {"id": 42})
            counter.reset()
            _call(client, headers, "get_media", {"id": 42})
            get_calls = counter.total
            _call(client, headers, "get_media", {"id": 42})
            counter.reset()
            searched()
            search_calls, search_items = counter.total, counter.items_read
            search_ms, direct_ms = interleaved(lambda: timed_ms(searched), lambda: timed_ms(direct), ROUNDS)
    return {
        "mcp_search_ms_10000_files": round(median(search_ms), 1),
        "mcp_search_overhead_ratio": round(paired_ratio(search_ms, direct_ms), 2),
        "calls_mcp_search": search_calls,
        "calls_mcp_get": get_calls,
        "_mcp_search_items_read": search_items,
    }


def _import_ms(first: str, then: str) -> float:
    """Median CPU ms of importing ``then`` in a fresh interpreter that has already imported ``first``."""
    code = f"import time\n{first}\nc = time.process_time()\n{then}\nprint((time.process_time() - c) * 1000)\n"
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache  # from bytecode, as after pip (bench/imports.py)
        run = [sys.executable, "-c", code]
        subprocess.run(run, cwd=ROOT, env=env, capture_output=True, check=True)
        return median([float(subprocess.run(run, cwd=ROOT, env=env, capture_output=True, check=True, text=True).stdout)
                       for _ in range(RUNS)])  # fmt: skip


def run() -> dict[str, Any]:
    figures = _requests()
    figures["import_ms_mcp_endpoint"] = round(_import_ms("import app", "import chalicelib.mcp"), 1)
    figures["_import_ms_mcp_types"] = round(_import_ms("import app", "import mcp_types"), 1)
    return figures


if __name__ == "__main__":
    emit(run())
