"""WebFinger (RFC 7033), host-meta (RFC 6415) and NodeInfo 2.0/2.1."""

from __future__ import annotations

import orjson
from aiohttp import web

from federation.nodeinfo import NodeInfoVersion, content_type
from federation.webfinger import render_host_meta
from node import keys
from node.domain.errors import NotFound
from node.services.served import actors

routes = web.RouteTableDef()


@routes.get("/.well-known/webfinger")
async def webfinger(request: web.Request) -> web.Response:
    resource = request.query.get("resource", "")
    if not resource:
        return web.json_response({"error": "resource is required"}, status=400)
    try:
        jrd = await actors.webfinger(request.app[keys.NODE], resource)
    except NotFound:
        # Misses are cached briefly, hits for days (Mastodon's webfinger controller).
        return web.json_response(
            {"error": "not found"}, status=404, headers={"Cache-Control": "max-age=180"}
        )
    return web.Response(
        body=orjson.dumps(jrd),
        content_type="application/jrd+json",
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=259200"},
    )


@routes.get("/.well-known/host-meta")
async def host_meta(request: web.Request) -> web.Response:
    base = request.app[keys.NODE].urls.base
    return web.Response(text=render_host_meta(base), content_type="application/xrd+xml")


@routes.get("/.well-known/nodeinfo")
async def nodeinfo_links(request: web.Request) -> web.Response:
    links = actors.nodeinfo_links(request.app[keys.NODE])
    return web.json_response(links, headers={"Access-Control-Allow-Origin": "*", "Vary": "Accept"})


@routes.get(r"/nodeinfo/{version:2\.[01]}")
async def nodeinfo(request: web.Request) -> web.Response:
    version: NodeInfoVersion = "2.1" if request.match_info["version"] == "2.1" else "2.0"
    document = await actors.nodeinfo(request.app[keys.NODE], version)
    return web.Response(
        body=orjson.dumps(document),
        headers={"Content-Type": content_type(version), "Access-Control-Allow-Origin": "*"},
    )
