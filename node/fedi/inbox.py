"""Inbox POSTs: the shared inbox and each actor's. Verify, store, 202 (docs/architecture.md)."""

from __future__ import annotations

from aiohttp import web

from federation.inbox import MAX_BODY
from node import keys
from node.routing import csrf_exempt
from node.services.inbound import receive as inbound

routes = web.RouteTableDef()


@routes.post("/inbox")
@routes.post("/actor/inbox")
@routes.post(r"/users/{username:[A-Za-z0-9_]{1,30}}/inbox")
@csrf_exempt
async def inbox(request: web.Request) -> web.Response:
    body = await _read_capped(request)
    if body is None:
        return web.json_response({"error": "body over 1 MiB"}, status=413)
    url = str(request.app[keys.NODE].urls.base + request.path_qs)
    answer = await inbound.receive(
        request.app[keys.NODE], request.method, url, request.headers, body
    )
    if answer.status == 202:
        return web.Response(status=202)
    return web.json_response({"error": answer.reason}, status=answer.status)


async def _read_capped(request: web.Request) -> bytes | None:
    """The body, or None as soon as it exceeds the cap (never buffered past it)."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        return None
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(65536):
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
