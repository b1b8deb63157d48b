"""The six MCP tools (docs/architecture.md, "Agents (MCP)"): what each lists and answers, the same rules as
the REST routes (they share the use cases), refusals as ``isError`` results naming the field, and
never another account's files, ids or counts."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from chalice.test import Client
from PIL import Image

from chalicelib import previews, records, worker
from tests.helpers.aws_faults import dynamodb_failing
from tests.helpers.http import API, call, uploaded
from tests.helpers.mcp import TOOL_NAMES, call_tool, post, request, result, structured, tool_error
from tests.helpers.media import fixture_bytes, png_bytes
from tests.helpers.stores import key_of
from tests.helpers.tenants import Tenant


def tools_by_name(client: Client, tenant: Tenant) -> dict[str, dict[str, Any]]:
    return {tool["name"]: tool for tool in result(client, tenant, "tools/list")["tools"]}


def admin_file(tenant: Tenant, filename: str = "logo.png") -> int:
    from chalicelib import uploads
    from chalicelib.domain.names import Uploader

    return uploads.upload_direct(tenant.account_id, filename, png_bytes(), uploaded_by=Uploader.ADMIN).media_id


# -- tools/list ------------------------------------------------------------------------------


def test_six_tools_with_json_schemas_for_their_arguments_and_results(client: Client, tenant: Tenant) -> None:
    tools = tools_by_name(client, tenant)
    assert set(tools) == TOOL_NAMES
    for tool in tools.values():
        for schema in (tool["inputSchema"], tool["outputSchema"]):
            jsonschema.Draft202012Validator.check_schema(schema)
            assert schema["type"] == "object"
        assert tool["inputSchema"]["additionalProperties"] is False
        assert tool["title"] and tool["description"]


def test_annotations_say_which_tools_only_read_and_which_destroy(client: Client, tenant: Tenant) -> None:
    notes = {name: tool["annotations"] for name, tool in tools_by_name(client, tenant).items()}
    for name in ("search_media", "get_media", "get_account"):
        assert notes[name]["readOnlyHint"] is True, name
    for name in ("rename_media", "describe_media"):
        assert (notes[name]["readOnlyHint"], notes[name]["destructiveHint"], notes[name]["idempotentHint"]) == (
            False,
            False,
            True,
        )
    assert (notes["delete_media"]["readOnlyHint"], notes["delete_media"]["destructiveHint"]) == (False, True)
    assert notes["delete_media"]["idempotentHint"] is True  # a second delete changes nothing (it is not found)
    assert all(note["openWorldHint"] is False for note in notes.values())


def test_get_media_lists_the_document_s_media_file_schema_plus_channel_url(client: Client, tenant: Tenant) -> None:
    document = json.loads((Path(__file__).parents[2] / "chalicelib" / "openapi.json").read_text("utf-8"))
    listed = tools_by_name(client, tenant)["get_media"]["outputSchema"]
    media = document["components"]["schemas"]["MediaFile"]
    assert set(listed["properties"]) == set(media["properties"]) | {"channel_url"}
    assert set(listed["required"]) == set(media["required"]) | {"channel_url"}
    assert "$ref" not in str(listed)  # self-contained


# -- search_media ------------------------------------------------------------------------------


def test_search_finds_part_of_a_name_or_original_name_in_any_case_newest_first(client: Client, tenant: Tenant) -> None:
    hero = uploaded(client, tenant, "hero-shot.png", name="Summer Hero")
    uploaded(client, tenant, "banner.png", name="Banner")
    clip = uploaded(client, tenant, "launch.mp4", fixture_bytes("sample.mp4"), name="HERO clip")
    files = structured(client, tenant, "search_media", {"query": "hero"})["files"]
    assert [f["id"] for f in files] == [clip["id"], hero["id"]]
    assert structured(client, tenant, "search_media", {"query": "SHOT"})["files"][0]["id"] == hero["id"]
    videos = structured(client, tenant, "search_media", {"query": "hero", "type": "video"})["files"]
    assert [f["id"] for f in videos] == [clip["id"]]
    found = files[1]
    assert found == {
        **{key: hero[key] for key in ("id", "name", "original_name", "file_type", "mime_type", "url")},
        "thumbnail_url": hero["thumbnail_url"],
        "metadata": hero["metadata"],
        "description": None,
        "tags": [],
        "channel_url": None,
    }


def test_search_without_a_query_lists_the_newest_ten_or_the_limit(client: Client, tenant: Tenant) -> None:
    ids = [uploaded(client, tenant, f"p{i}.png", png_bytes(8 + i, 8))["id"] for i in range(12)]
    assert [f["id"] for f in structured(client, tenant, "search_media")["files"]] == ids[::-1][:10]
    assert [f["id"] for f in structured(client, tenant, "search_media", {"limit": 3})["files"]] == ids[::-1][:3]
    assert len(structured(client, tenant, "search_media", {"limit": 50})["files"]) == 12


def test_search_text_names_each_file_with_its_url(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "hero.png")
    text = call_tool(client, tenant, "search_media", {"query": "hero", "channel": "whatsapp"})["content"][0]["text"]
    assert f"#{media['id']}" in text and f"on whatsapp: {media['url']}" in text
    assert call_tool(client, tenant, "search_media", {"query": "nothing"})["content"][0]["text"] == "No files found."


def test_channel_url_is_the_url_the_channel_asked_for_takes(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "hero.png")  # a small PNG: every channel takes the original
    files = structured(client, tenant, "search_media", {"channel": "telegram"})["files"]
    assert files[0]["channel_url"] == media["delivery"]["channels"]["telegram"]["url"] == media["url"]
    assert structured(client, tenant, "search_media")["files"][0]["channel_url"] is None  # no channel asked


def test_a_tag_filter_finds_only_tagged_files(client: Client, tenant: Tenant) -> None:
    uploaded(client, tenant, "hero.png")  # no file carries tags yet
    assert structured(client, tenant, "search_media", {"tag": "Summer"})["files"] == []


def test_null_stands_for_an_optional_argument_left_out(client: Client, tenant: Tenant) -> None:
    uploaded(client, tenant, "hero.png")
    nulls = {"query": None, "type": None, "channel": None, "tag": None, "limit": None}
    assert len(structured(client, tenant, "search_media", nulls)["files"]) == 1
    assert len(structured(client, tenant, "search_media", {"limit": 5.0})["files"]) == 1  # JSON Schema's integer


# -- arguments outside their schema ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "arguments", "field", "words"),
    [
        ("search_media", {"limit": 0}, "limit", "at least 1"),
        ("search_media", {"limit": 51}, "limit", "not be greater than 50"),
        ("search_media", {"limit": "10"}, "limit", "an integer"),
        ("search_media", {"limit": 2.5}, "limit", "an integer"),
        ("search_media", {"type": "audio"}, "type", "Use image or video"),
        ("search_media", {"query": "x" * 10_240}, "query", "255 characters"),
        ("search_media", {"query": "bell\x07"}, "query", "control characters"),
        ("search_media", {"query": "\u202egnp.exe"}, "query", "control characters"),
        ("search_media", {"channel": "sms"}, "channel", "whatsapp"),
        ("search_media", {"tag": "summer!"}, "tag", "letters, digits"),
        ("search_media", {"tag": "   "}, "tag", "1 to 40 characters"),
        ("search_media", {"sort": "name"}, "sort", "not an argument of search_media"),
        ("get_media", {}, "id", "required"),
        ("get_media", {"id": "abc"}, "id", "an integer"),
        ("get_media", {"id": "12"}, "id", "an integer"),
        ("get_media", {"id": 0}, "id", "at least 1"),
        ("get_media", {"id": True}, "id", "an integer"),
        ("get_media", {"id": 1, "include_thumbnail": "yes"}, "include_thumbnail", "true or false"),
        ("rename_media", {"id": 1}, "name", "required"),
        ("rename_media", {"id": 1, "name": ""}, "name", "at least 1 characters"),
        ("rename_media", {"id": 1, "name": "n" * 256}, "name", "255 characters"),
        ("rename_media", {"id": 1, "name": "tab\there"}, "name", "control characters"),
        ("rename_media", {"id": 1, "name": 7}, "name", "a string"),
        ("describe_media", {"id": 1, "description": "d" * 1001}, "description", "1000 characters"),
        ("describe_media", {"id": 1, "tags": ["t"] * 21}, "tags", "more than 20 items"),
        ("describe_media", {"id": 1, "tags": ["x" * 41]}, "tags.0", "40 characters"),
        ("describe_media", {"id": 1, "tags": ["ok", "no!"]}, "tags", "tags.1 field may hold only letters, digits"),
        ("describe_media", {"id": 1}, "description", "Give a description, tags, or both."),
        ("describe_media", {"id": 1, "tags": "summer"}, "tags", "an array"),
        ("delete_media", {"id": -3}, "id", "at least 1"),
        ("get_account", {"verbose": True}, "verbose", "not an argument of get_account"),
    ],
)
def test_arguments_outside_their_schema_are_tool_errors_naming_the_field(
    client: Client, tenant: Tenant, tool: str, arguments: dict[str, Any], field: str, words: str
) -> None:
    uploaded(client, tenant, "hero.png")
    error = tool_error(client, tenant, tool, arguments)
    assert error["code"] == "validation_failed"
    assert list(error["errors"]) == [field]
    assert words in error["errors"][field][0] and words in error["message"]


def test_every_bad_field_is_named_at_once(client: Client, tenant: Tenant) -> None:
    error = tool_error(client, tenant, "search_media", {"limit": 0, "type": "audio", "extra": 1})
    assert set(error["errors"]) == {"limit", "type", "extra"}


# -- get_media ------------------------------------------------------------------------------------


def test_get_media_is_the_media_file_of_the_api_plus_channel_url(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "hero.png", name="Hero")
    got = structured(client, tenant, "get_media", {"id": media["id"], "channel": "web"})
    assert got == {**call(client, "GET", f"{API}/media/{media['id']}", tenant).body, "channel_url": media["url"]}
    text = call_tool(client, tenant, "get_media", {"id": media["id"]})["content"][0]["text"]
    assert text.startswith(f'#{media["id"]} "Hero" (image/png, ') and text.endswith(media["url"])


def test_include_thumbnail_adds_the_thumbnail_as_webp_image_content(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "big.jpg", fixture_bytes("orientation-6.jpg"))
    worker.make(key_of(media))
    called = call_tool(client, tenant, "get_media", {"id": media["id"], "include_thumbnail": True})
    text, image = called["content"]
    assert "thumbnail follows" in text["text"]
    assert image["type"] == "image" and image["mimeType"] == "image/webp"
    shown = Image.open(io.BytesIO(base64.b64decode(image["data"])))
    assert shown.format == "WEBP" and shown.size == (60, 80)  # as displayed: EXIF orientation 6 applied
    assert called["structuredContent"]["thumbnail_url"] is not None


def test_without_a_thumbnail_yet_the_text_says_so_and_no_image_comes(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "hero.png")
    called = call_tool(client, tenant, "get_media", {"id": media["id"], "include_thumbnail": True})
    assert [c["type"] for c in called["content"]] == ["text"]
    assert "No thumbnail yet" in called["content"][0]["text"]
    plain = call_tool(client, tenant, "get_media", {"id": media["id"]})
    assert [c["type"] for c in plain["content"]] == ["text"]


def test_a_thumbnail_over_the_limit_is_not_read(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "big.jpg", fixture_bytes("orientation-6.jpg"))
    worker.make(key_of(media))
    stored = records.store().get_media(tenant.account_id, media["id"])
    assert stored is not None and previews.read_preview(stored) is not None
    assert previews.read_preview(stored, limit=100) is None


@pytest.mark.moto
def test_a_thumbnail_deleted_between_its_head_and_its_read_is_no_thumbnail(client: Client, tenant: Tenant) -> None:
    """The file deleted meanwhile (its thumbnail with it): no image, no storage error."""
    from chalicelib import storage

    media = uploaded(client, tenant, "big.jpg", fixture_bytes("orientation-6.jpg"))
    worker.make(key_of(media))
    stored = records.store().get_media(tenant.account_id, media["id"])
    assert stored is not None and stored.thumbnail_key is not None

    def deleted_meanwhile(**_: Any) -> None:
        storage.client().delete_object(Bucket=storage.bucket(), Key=stored.thumbnail_key)

    events = storage.client().meta.events
    events.register_first("after-call.s3.HeadObject", deleted_meanwhile)
    try:
        assert previews.read_preview(stored) is None
    finally:
        events.unregister("after-call.s3.HeadObject", deleted_meanwhile)


def test_a_missing_file_is_not_found(client: Client, tenant: Tenant) -> None:
    error = tool_error(client, tenant, "get_media", {"id": 999})
    assert (error["code"], error["message"]) == ("not_found", "Media file not found.")


# -- rename, describe, delete ----------------------------------------------------------------------


def test_rename_changes_only_the_name_through_the_api_rules(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "hero.png")
    renamed = structured(client, tenant, "rename_media", {"id": media["id"], "name": "  New name  "})
    assert renamed["name"] == "New name" and renamed["url"] == media["url"]
    assert call(client, "GET", f"{API}/media/{media['id']}", tenant).body == renamed
    assert tool_error(client, tenant, "rename_media", {"id": 999, "name": "x"})["code"] == "not_found"
    assert tool_error(client, tenant, "rename_media", {"id": media["id"], "name": "   "})["errors"] == {
        "name": ["The name field is required."]
    }


def test_describe_sets_the_description_and_tags_as_put_does(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "hero.png")
    described = structured(
        client, tenant, "describe_media", {"id": media["id"], "description": " A café at dawn ", "tags": ["Summer"]}
    )
    assert (described["description"], described["tags"]) == ("A café at dawn", ["summer"])
    assert described["name"] == "hero.png"
    assert call(client, "GET", f"{API}/media/{media['id']}", tenant).body == described
    cleared = structured(client, tenant, "describe_media", {"id": media["id"], "description": None})
    assert (cleared["description"], cleared["tags"]) == (None, ["summer"])
    assert tool_error(client, tenant, "describe_media", {"id": 999, "description": "x"})["code"] == "not_found"


def test_search_ranks_words_of_the_name_tags_and_description_ignoring_accents(client: Client, tenant: Tenant) -> None:
    tagged = uploaded(client, tenant, "a.png", name="Beach")
    described = uploaded(client, tenant, "b.png", name="Terrace")
    named = uploaded(client, tenant, "c.png", name="Cafe sign")
    structured(client, tenant, "describe_media", {"id": tagged["id"], "tags": ["cafe"]})
    structured(client, tenant, "describe_media", {"id": described["id"], "description": "The Café de Flore at noon"})
    found = structured(client, tenant, "search_media", {"query": "café"})["files"]
    assert [f["id"] for f in found] == [named["id"], tagged["id"], described["id"]]  # name, tags, description
    assert [f["id"] for f in structured(client, tenant, "search_media", {"tag": "CAFE"})["files"]] == [tagged["id"]]
    text = call_tool(client, tenant, "search_media", {"query": "cafe"})["content"][0]["text"]
    assert text.startswith("3 files found, best match first:")


def test_delete_removes_the_file_and_a_second_delete_is_not_found(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "hero.png")
    called = call_tool(client, tenant, "delete_media", {"id": media["id"]})
    assert called["structuredContent"] == {"id": media["id"], "deleted": True}
    assert call(client, "GET", f"{API}/media/{media['id']}", tenant).status == 404
    assert tool_error(client, tenant, "delete_media", {"id": media["id"]})["code"] == "not_found"


def test_an_admin_file_is_refused_as_in_the_api_and_stays(client: Client, tenant: Tenant) -> None:
    media_id = admin_file(tenant)
    error = tool_error(client, tenant, "delete_media", {"id": media_id})
    assert error["code"] == "admin_file" and "administrator" in error["message"]
    assert call(client, "GET", f"{API}/media/{media_id}", tenant).status == 200


# -- get_account -----------------------------------------------------------------------------------


def test_get_account_is_the_api_s_account_object(client: Client, tenant: Tenant) -> None:
    uploaded(client, tenant, "hero.png")
    account = structured(client, tenant, "get_account")
    assert account == call(client, "GET", f"{API}/account", tenant).body
    text = call_tool(client, tenant, "get_account")["content"][0]["text"]
    assert text.startswith("Acme: 1 file (1 image, 0 videos), ") and text.endswith("unlimited plan.")


# -- isolation -------------------------------------------------------------------------------------


def test_no_tool_reveals_another_account_s_files_ids_or_counts(
    client: Client, tenant: Tenant, other_tenant: Tenant
) -> None:
    uploaded(client, tenant, "a.png")
    uploaded(client, tenant, "b.png")
    theirs = uploaded(client, tenant, "secret-plan.png")  # id 3: this account has no such id
    admin_id = admin_file(tenant)
    mine = uploaded(client, other_tenant, "mine.png")  # id 1
    assert [f["id"] for f in structured(client, other_tenant, "search_media")["files"]] == [mine["id"]]
    assert structured(client, other_tenant, "search_media", {"query": "secret"})["files"] == []
    for tool, arguments in (
        ("get_media", {"id": theirs["id"], "include_thumbnail": True}),
        ("rename_media", {"id": theirs["id"], "name": "taken"}),
        ("describe_media", {"id": theirs["id"], "description": "taken"}),
        ("delete_media", {"id": theirs["id"]}),
        ("delete_media", {"id": admin_id}),  # not "admin_file": that would say the id exists
    ):
        error = tool_error(client, other_tenant, tool, arguments)
        assert (error["code"], error["message"]) == ("not_found", "Media file not found."), tool
    assert structured(client, other_tenant, "get_account")["usage"]["files"] == 1
    assert call(client, "GET", f"{API}/media/{theirs['id']}", tenant).body == theirs


# -- a backing service failing ---------------------------------------------------------------------


@pytest.mark.moto
def test_a_backing_service_failure_is_the_http_503_it_is_on_every_route(client: Client, tenant: Tenant) -> None:
    media = uploaded(client, tenant, "hero.png")
    with dynamodb_failing("GetItem", 20, table="media"):
        message = request("tools/call", {"name": "get_media", "arguments": {"id": media["id"]}})
        answer = post(client, message, tenant, server_error=True)
    assert answer.status == 503 and answer.body["code"] == "service_unavailable"
    assert answer.header("Retry-After") == "1"
