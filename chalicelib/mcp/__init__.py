"""The library for AI agents, as MCP tools (docs/architecture.md, "Agents (MCP)").

``POST /mcp`` speaks the Model Context Protocol over Streamable HTTP, stateless,
with JSON responses: endpoint (the transport's HTTP rules), wire (JSON-RPC
messages), methods (initialize, ping, tools/list, tools/call), tools (the six
tools, through the REST routes' use cases), arguments (a call checked against
its tool's input schema), schemas (output schemas from the OpenAPI document),
summaries (the text beside structured results).

Why a handler of our own and not the official SDK (``mcp`` 2.3.0) in Lambda:

* Its servers (``FastMCP``, the low-level ``Server``) run as an ASGI app behind a
  ``StreamableHTTPSessionManager`` whose task group lives for the process
  (``run()`` in a lifespan), with anyio streams between transport and server
  even in stateless mode; one API Gateway event per invocation would need an
  ASGI adapter and an event loop around all of it. Its dependencies (starlette,
  uvicorn, sse-starlette, httpx2, pyjwt[crypto] with cryptography's native
  wheel, jsonschema, opentelemetry, pydantic) would come into the API's zip.
* Its types alone (``mcp-types``: pydantic models of every message of two
  schema eras) would fit the request model, but importing them costs as much
  CPU as the whole framework floor (bench ``_import_ms_mcp_types``: 158 ms after
  ``import app``, against 158 ms for ``import chalice, boto3, pynamodb`` in the
  same run), and pydantic-core adds a 2 MB native wheel to the API's package,
  to check an envelope of four keys.

So the wire format is written here (standard library only; 6 ms to import on
the first ``/mcp``, bench ``import_ms_mcp_endpoint``) and the SDK judges it in
the tests: its Streamable HTTP and stdio clients drive both transports
(tests/client), and its per-version result models validate every answer the API
tests see (tests/helpers/mcp.py). Nothing here is imported until ``/mcp`` is
called, so the API's cold start does not grow (bench ``import_ratio``).
"""

from __future__ import annotations

from chalicelib.mcp.endpoint import Inbound, Reply, answer

__all__ = ["Inbound", "Reply", "answer"]
