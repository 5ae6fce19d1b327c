"""Finding and following people, here and on other servers."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from node import keys
from node.services.posts import search as search_service
from node.services.social import follows
from node.web.forms import form_text, query_number, read_form
from node.web.render import render
from node.web.timelines import signed_in, viewer_of

routes = web.RouteTableDef()


@routes.get("/search", name="search")
async def search(request: web.Request) -> web.Response:
    """People, hashtags and posts (node.services.posts.search decides what a query means)."""
    results = await search_service.search(
        request.app[keys.NODE], viewer_of(request), request.query.get("q", ""),
        query_number(request, "page", 1, 999),
    )  # fmt: skip
    return await render(request, "search.html", {"results": results, "query": results.query})


@routes.post("/follow", name="follow")
async def follow(request: web.Request) -> web.StreamResponse:
    return await _follow_form(request, follow=True)


@routes.post("/unfollow", name="unfollow")
async def unfollow(request: web.Request) -> web.StreamResponse:
    return await _follow_form(request, follow=False)


async def _follow_form(request: web.Request, *, follow: bool) -> web.StreamResponse:
    """Follow or unfollow whom the form names, then back to the search for them."""
    account = signed_in(request)
    target = form_text(await read_form(request), "target", 500)
    act = follows.follow if follow else follows.unfollow
    await act(request.app[keys.NODE], account, target)
    query = {"q": target, **({"followed": "1"} if follow else {})}
    raise web.HTTPSeeOther(f"/search?{urlencode(query)}")
