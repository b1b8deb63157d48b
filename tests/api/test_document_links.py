"""The OpenAPI document's links (chalicelib/openapi.json), followed as a tool that chains calls by
them does (schemathesis's stateful phase, generated clients): from a real answer of the operation
that declares them, each one names the very file or session that answer made, and the operation
it leads to acts on it. Every answer that makes a file links to every operation on a file, and
the answer that starts a session to every operation on a session."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from chalice.test import Client

from tests.helpers.http import Reply, call, upload_file
from tests.helpers.media import png_bytes
from tests.helpers.tenants import Tenant
from tests.helpers.uploads import JSON, send, start

DOCUMENT = json.loads((Path(__file__).parents[2] / "chalicelib" / "openapi.json").read_text())
METHODS = ("get", "put", "post", "delete", "patch")
#: The one kind of runtime expression the document uses: a field of the answer's JSON body.
BODY_FIELD = re.compile(r"^\$response\.body#(/[\w/]+)$")


def _operations() -> dict[str, tuple[str, str]]:
    """operationId -> (method, path)."""
    found = {}
    for path, item in DOCUMENT["paths"].items():
        for method in METHODS:
            if method in item:
                found[item[method]["operationId"]] = (method.upper(), path)
    return found


OPERATIONS = _operations()
ON_A_FILE = {name for name, (_, path) in OPERATIONS.items() if "{media_id}" in path}
ON_A_SESSION = {name for name, (_, path) in OPERATIONS.items() if "{upload_id}" in path}


def links(operation: str, status: int) -> dict[str, Any]:
    method, path = OPERATIONS[operation]
    return dict(DOCUMENT["paths"][path][method.lower()]["responses"][str(status)].get("links", {}))


def _field(body: Any, expression: str) -> Any:
    found = BODY_FIELD.match(expression)
    assert found, expression
    for part in found.group(1).strip("/").split("/"):
        body = body[part]
    return body


def follow(client: Client, tenant: Tenant, link: dict[str, Any], answer: Reply) -> Reply:
    """The operation the link names, its path parameters taken from ``answer`` as the link says."""
    method, path = OPERATIONS[link["operationId"]]
    for parameter, expression in link["parameters"].items():
        assert "{" + parameter + "}" in path, (parameter, path)
        path = path.replace("{" + parameter + "}", str(_field(answer.body, expression)))
    if method == "PUT":
        return call(client, method, path, tenant, headers=JSON, body=json.dumps({"name": "Followed"}))
    return call(client, method, path, tenant)


def test_every_answer_that_makes_a_file_or_a_session_links_to_every_operation_on_it() -> None:
    assert ON_A_FILE == {"getMedia", "renameMedia", "deleteMedia", "downloadMedia"}
    assert ON_A_SESSION == {"getUpload", "completeUpload"}
    for operation, status in (("uploadMedia", 201), ("completeUpload", 200), ("completeUpload", 201)):
        assert {link["operationId"] for link in links(operation, status).values()} == ON_A_FILE, (operation, status)
    assert {link["operationId"] for link in links("startUpload", 201).values()} == ON_A_SESSION


def _file_links_reach_the_file(client: Client, tenant: Tenant, operation: str, status: int, made: Reply) -> None:
    """Each file link followed from ``made`` (the answer that made the file), deleting last."""
    file_id = made.body["id"]
    ordered = sorted(links(operation, status).values(), key=lambda link: link["operationId"] == "deleteMedia")
    for link in ordered:
        reply = follow(client, tenant, link, made)
        name = link["operationId"]
        if name == "getMedia":
            assert (reply.status, reply.body["id"]) == (200, file_id), reply.body
        elif name == "renameMedia":
            assert (reply.status, reply.body["id"], reply.body["name"]) == (200, file_id, "Followed"), reply.body
        elif name == "downloadMedia":
            assert reply.status == 200 and reply.body["filename"] == made.body["original_name"], reply.body
        else:
            assert reply.status == 204, reply.body
            assert call(client, "GET", f"/api/v1/media/{file_id}", tenant).status == 404


def test_the_links_of_an_upload_reach_the_file_it_made(client: Client, tenant: Tenant) -> None:
    made = upload_file(client, tenant, "linked.png", png_bytes(), name="Linked")
    assert made.status == 201, made.body
    _file_links_reach_the_file(client, tenant, "uploadMedia", 201, made)


def test_the_links_of_a_session_reach_it_and_those_of_its_completion_the_file(client: Client, tenant: Tenant) -> None:
    data = png_bytes()
    started = start(client, tenant, filename="session.png", file_size=len(data), name="Session")
    assert started.status == 201, started.body
    by_operation = {link["operationId"]: link for link in links("startUpload", 201).values()}
    shown = follow(client, tenant, by_operation["getUpload"], started)
    assert (shown.status, shown.body["id"], shown.body["status"]) == (200, started.body["id"], "pending"), shown.body
    send(started.body, data)
    completed = follow(client, tenant, by_operation["completeUpload"], started)
    assert completed.status == 201, completed.body
    again = follow(client, tenant, by_operation["completeUpload"], started)  # acknowledged again: 200
    assert (again.status, again.body) == (200, completed.body)
    _file_links_reach_the_file(client, tenant, "completeUpload", 200, again)
