"""Lists of accounts: someone's followers and whom they follow (services.follow_lists), and
the people who liked or boosted a status (services.reaction_lists).

Each list pages on the follow's or the reaction's own id, as Mastodon's do: the `Link` header
names those ids, not account ids.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from node import keys
from node.api import auth, responses
from node.api.ids import path_row_id
from node.api.pagination import link_header, page_request
from node.api.present import Presenter
from node.api.relationships import person_of
from node.domain.accounts import Account
from node.services.kernel.context import NodeContext
from node.services.kernel.paging import Cursor, PeoplePage
from node.services.posts import reaction_lists
from node.services.posts.search import RemoteActor
from node.services.social import follow_lists

routes = web.RouteTableDef()

DEFAULT_LIMIT, MAX_LIMIT = 40, 80


def cursor_of(request: web.Request, *, default: int = 20, maximum: int = 40) -> Cursor:
    page = page_request(request, default=default, maximum=maximum)
    return Cursor(max_id=page.max_id, since_id=page.since_id, min_id=page.min_id, limit=page.limit)


async def _answer(request: web.Request, viewer: Account | None, page: PeoplePage) -> web.Response:
    presenter = Presenter(request.app[keys.NODE], viewer)
    shown = [await presenter.account(person) for person in page.people]
    return responses.json(shown, headers=link_header(request, page.cursors))


Lister = Callable[[NodeContext, Account, Cursor], Awaitable[PeoplePage]]


async def _follow_list(request: web.Request, lister: Lister) -> web.Response:
    """Someone here: their list. Someone elsewhere: [] (their server has the list; we would only
    know the part of it that is on this node)."""
    viewer = auth.viewer(request, "read:accounts")
    person = await person_of(request)
    if isinstance(person, RemoteActor):
        return responses.json([])
    cursor = cursor_of(request, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    page = await lister(request.app[keys.NODE], person, cursor)
    return await _answer(request, viewer, page)


@routes.get("/api/v1/accounts/{id}/followers")
async def followers(request: web.Request) -> web.Response:
    return await _follow_list(request, follow_lists.followers)


@routes.get("/api/v1/accounts/{id}/following")
async def following(request: web.Request) -> web.Response:
    return await _follow_list(request, follow_lists.following)


@routes.get("/api/v1/statuses/{id}/favourited_by")
async def favourited_by(request: web.Request) -> web.Response:
    viewer = auth.viewer(request, "read:accounts")
    post_id = path_row_id(request)
    cursor = cursor_of(request, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    page = await reaction_lists.likers(request.app[keys.NODE], viewer, post_id, cursor)
    return await _answer(request, viewer, page)


@routes.get("/api/v1/statuses/{id}/reblogged_by")
async def reblogged_by(request: web.Request) -> web.Response:
    viewer = auth.viewer(request, "read:accounts")
    post_id = path_row_id(request)
    cursor = cursor_of(request, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    page = await reaction_lists.boosters(request.app[keys.NODE], viewer, post_id, cursor)
    return await _answer(request, viewer, page)
