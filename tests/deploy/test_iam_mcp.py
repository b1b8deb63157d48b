"""The API function's policy allows every AWS call the MCP endpoint makes, the thumbnail an agent
looks at (get_media with include_thumbnail) included (the method of test_iam_covers_calls.py)."""

from __future__ import annotations

import json
from typing import Any

from chalice.test import Client

from chalicelib import worker
from tests.deploy.test_iam_covers_calls import assert_allowed, stage  # noqa: F401 - a fixture
from tests.helpers.http import upload
from tests.helpers.stores import key_of
from tests.helpers.tenants import Tenant


def test_api_function_policy_covers_the_mcp_tools(stage: None, client: Client, tenant: Tenant, recorder: Any) -> None:  # noqa: F811
    photo = upload(client, tenant, "hero.png").json_body
    spare = upload(client, tenant, "spare.png").json_body
    worker.make(key_of(photo))
    headers = {**tenant.headers, "Content-Type": "application/json", "Accept": "application/json"}
    calls_made = [
        ("search_media", {"query": "hero"}),
        ("get_media", {"id": photo["id"], "include_thumbnail": True}),
        ("rename_media", {"id": photo["id"], "name": "Hero"}),
        ("describe_media", {"id": photo["id"], "description": "A hero"}),
        ("delete_media", {"id": spare["id"]}),
        ("get_account", {}),
    ]
    with recorder() as calls:
        for index, (name, arguments) in enumerate(calls_made):
            body = {
                "jsonrpc": "2.0",
                "id": index,
                "method": "tools/call",
                "params": {"name": name, "arguments": arguments},
            }
            answer = client.http.post("/mcp", headers=headers, body=json.dumps(body))
            assert answer.status_code == 200, answer.body
            assert "error" not in answer.json_body, answer.json_body
    read = [params["Key"] for _, op, params in calls if op in ("HeadObject", "GetObject")]
    assert read and all(key.startswith("thumbs/") for key in read)
    assert_allowed("api_handler", calls)
