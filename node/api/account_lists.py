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
Reactors = Callable[[NodeContext, Account | None, int, Cursor], Awaitable[PeoplePage]]
Handler = Callable[[web.Request], Awaitable[web.Response]]


def _follow_list(lister: Lister) -> Handler:
    """Someone here: their list. Someone elsewhere: [] (their server has the list; we would only
    know the part of it that is on this node)."""

    async def handler(request: web.Request) -> web.Response:
        viewer = auth.viewer(request, "read:accounts")
        person = await person_of(request)
        if isinstance(person, RemoteActor):
            return responses.json([])
        cursor = cursor_of(request, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
        page = await lister(request.app[keys.NODE], person, cursor)
        return await _answer(request, viewer, page)

    return handler


def _reactors(people: Reactors) -> Handler:
    """Who liked or boosted a post, a page at a time."""

    async def handler(request: web.Request) -> web.Response:
        viewer = auth.viewer(request, "read:accounts")
        cursor = cursor_of(request, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
        page = await people(request.app[keys.NODE], viewer, path_row_id(request), cursor)
        return await _answer(request, viewer, page)

    return handler


routes.get("/api/v1/accounts/{id}/followers")(_follow_list(follow_lists.followers))
routes.get("/api/v1/accounts/{id}/following")(_follow_list(follow_lists.following))
routes.get("/api/v1/statuses/{id}/favourited_by")(_reactors(reaction_lists.likers))
routes.get("/api/v1/statuses/{id}/reblogged_by")(_reactors(reaction_lists.boosters))
