"""Lists of statuses the person keeps: their bookmarks and their favourites (likes), newest
bookmark or like first (services.reaction_lists).

They page on the bookmark's or the like's id, as Mastodon's do, so the `Link` header names those
ids rather than status ids. A post that the person may no longer see is left out of its page
(the page may then be short); the `Link` still goes on from the page's last bookmark.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from node import keys
from node.api import auth, responses
from node.api.account_lists import cursor_of
from node.api.pagination import link_header
from node.api.present import Presenter
from node.domain.accounts import Account
from node.services.kernel.context import NodeContext
from node.services.kernel.paging import Cursor
from node.services.posts import reaction_lists
from node.services.posts.reaction_lists import PostPage

routes = web.RouteTableDef()

Lister = Callable[[NodeContext, Account, Cursor], Awaitable[PostPage]]


async def _list(request: web.Request, scope: str, lister: Lister) -> web.Response:
    account = auth.user(request, scope)
    ctx = request.app[keys.NODE]
    page = await lister(ctx, account, cursor_of(request))
    shown = await Presenter(ctx, account).statuses(page.posts)
    return responses.json(shown, headers=link_header(request, page.cursors))


@routes.get("/api/v1/bookmarks")
async def bookmarks(request: web.Request) -> web.Response:
    return await _list(request, "read:bookmarks", reaction_lists.bookmarked)


@routes.get("/api/v1/favourites")
async def favourites(request: web.Request) -> web.Response:
    return await _list(request, "read:favourites", reaction_lists.liked)
