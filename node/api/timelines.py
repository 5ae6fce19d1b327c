"""Timelines: home, public (all, `local`, `remote`) and hashtag, paged the Mastodon way."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from node import keys
from node.api import auth, responses
from node.api.pagination import link_header, page_request, window
from node.api.params import Params
from node.api.present import Presenter
from node.domain.accounts import Account
from node.services.posts import media, timelines
from node.services.posts.timelines import PostView
from node.services.social import filters

routes = web.RouteTableDef()

Fetch = Callable[[int | None], Awaitable[list[PostView]]]


async def _timeline(
    request: web.Request,
    viewer: Account | None,
    fetch: Fetch,
    keep: Callable[[PostView], bool] | None = None,
    *,
    context: str,
) -> web.Response:
    """One page; the viewer's `hide` filters for `context` drop posts before the page is cut,
    so it stays full, and `warn` filters mark the rest (services.filters)."""
    page = page_request(request)
    shown_filters = await filters.active(request.app[keys.NODE], viewer, context)

    def kept(post: PostView) -> bool:
        return (keep is None or keep(post)) and not shown_filters.hides(post)

    posts = await window(fetch, lambda p: p.id, page, service_page=timelines.PAGE, keep=kept)
    links = link_header(request, [p.id for p in posts])
    if Params({}, request.query).flag("only_media"):
        attached = await media.media_for_posts(request.app[keys.NODE], [p.id for p in posts])
        posts = [p for p in posts if attached[p.id]]
    shown = await Presenter(request.app[keys.NODE], viewer, shown_filters).statuses(posts)
    return responses.json(shown, headers=links)


@routes.get("/api/v1/timelines/home")
async def home(request: web.Request) -> web.Response:
    account = auth.user(request, "read:statuses")
    ctx = request.app[keys.NODE]

    async def fetch(max_id: int | None) -> list[PostView]:
        return await timelines.home(ctx, account, max_id)

    return await _timeline(request, account, fetch, context="home")


@routes.get("/api/v1/timelines/public")
async def public(request: web.Request) -> web.Response:
    viewer = auth.viewer(request, "read:statuses")
    ctx = request.app[keys.NODE]
    query = Params({}, request.query)
    local, remote = bool(query.flag("local")), bool(query.flag("remote"))

    async def fetch(max_id: int | None) -> list[PostView]:
        return await timelines.public(ctx, viewer, local=local, max_id=max_id)

    keep = (lambda p: p.author_remote is not None) if remote and not local else None
    return await _timeline(request, viewer, fetch, keep, context="public")


@routes.get(r"/api/v1/timelines/tag/{hashtag}")
async def tag(request: web.Request) -> web.Response:
    viewer = auth.viewer(request, "read:statuses")
    ctx = request.app[keys.NODE]
    name = request.match_info["hashtag"].lstrip("#")[:64]
    query = Params({}, request.query)
    if not name or not all(ch.isalnum() or ch == "_" for ch in name):
        return responses.json([])

    async def fetch(max_id: int | None) -> list[PostView]:
        return await timelines.hashtag(ctx, viewer, name, max_id)

    keep = (lambda p: p.author_account is not None) if query.flag("local") else None
    return await _timeline(request, viewer, fetch, keep, context="public")
