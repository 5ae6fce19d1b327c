"""Actor, collection and post documents, negotiated: AS2 for servers, HTML for browsers."""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.domain.numbers import whole_number
from node.fedi.negotiation import activity_json, wants_activity_json
from node.services.actors import signed_requests
from node.services.served import actors

routes = web.RouteTableDef()
_USER = r"{username:[A-Za-z0-9_]{1,30}}"


@routes.get("/actor")
async def instance_actor(request: web.Request) -> web.Response:
    # Served to anyone, unsigned, so secure-mode peers can fetch our key (interop §4.5).
    return activity_json(await actors.instance_actor_document(request.app[keys.NODE]))


@routes.get(f"/users/{_USER}")
async def actor(request: web.Request) -> web.Response:
    username = request.match_info["username"]
    if not wants_activity_json(request):
        raise web.HTTPFound(f"/@{username}")
    return activity_json(await actors.actor_document(request.app[keys.NODE], username))


@routes.get(rf"/users/{_USER}/{{kind:followers|following|outbox|moderators}}")
@routes.get(f"/users/{_USER}/collections/featured")
async def collection(request: web.Request) -> web.Response:
    kind = request.match_info.get("kind", "featured")
    page_text = request.query.get("page", "")
    page = whole_number(page_text, maximum=9_999) or None
    document = await actors.collection(
        request.app[keys.NODE], request.match_info["username"], kind, page
    )
    return activity_json(document)


@routes.get(rf"/users/{_USER}/statuses/{{post_id:[0-9]{{1,18}}}}")
async def post(request: web.Request) -> web.Response:
    username, post_id = (
        request.match_info["username"],
        whole_number(request.match_info["post_id"]) or 0,
    )
    if not wants_activity_json(request):
        raise web.HTTPFound(f"/@{username}/{post_id}")
    ctx = request.app[keys.NODE]
    signer = await signed_requests.signer_of_get(
        ctx, request.method, ctx.urls.base + request.path_qs, request.headers
    )
    if isinstance(signer, signed_requests.BadSignature):
        return web.json_response({"error": signer.reason}, status=401)
    document = await actors.post_document(ctx, username, post_id, signer)
    # A followers-only answer must not be cached for the next (unsigned) asker.
    response = activity_json(document)
    response.headers["Cache-Control"] = "private, max-age=0" if signer else "max-age=60"
    response.headers["Vary"] = "Accept, Signature"
    return response
