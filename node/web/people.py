"""Finding and following people, here and on other servers."""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.domain.errors import DomainError
from node.services import directory, follows
from node.web.forms import form_text
from node.web.render import render
from node.web.timelines import signed_in, viewer_of

routes = web.RouteTableDef()


@routes.get("/search", name="search")
async def search(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()[:200]
    context: dict[str, object] = {"query": query, "remote": None, "error": None}
    if query and ("@" in query.lstrip("@") or query.startswith(("http://", "https://"))):
        if viewer_of(request) is None:
            context["error"] = "Sign in to look up people on other servers."
        else:
            try:
                context["remote"] = await directory.find_actor(request.app[keys.NODE], query)
            except DomainError as error:
                context["error"] = f"No one found for {query}: {error}"
    return await render(request, "search.html", context)


@routes.post("/follow", name="follow")
async def follow(request: web.Request) -> web.StreamResponse:
    account = signed_in(request)
    target = form_text(await request.post(), "target", 500)
    await follows.follow(request.app[keys.NODE], account, target)
    raise web.HTTPSeeOther(f"/search?q={target}&followed=1")


@routes.post("/unfollow", name="unfollow")
async def unfollow(request: web.Request) -> web.StreamResponse:
    account = signed_in(request)
    target = form_text(await request.post(), "target", 500)
    await follows.unfollow(request.app[keys.NODE], account, target)
    raise web.HTTPSeeOther(f"/search?q={target}")
