"""Follow requests to a locked account: list them, authorize or reject one
(services.follow_requests, as the web's follow-requests page).

The API names a request by its sender's account id (local, or 10^15 + the remote actor's row;
node.api.ids), the service by the follow's id: a request is found among the pending ones by
who sent it. Lists page on the follow's id, newest request first, as Mastodon's do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from node import keys
from node.api import auth, responses
from node.api.errors import not_found
from node.api.pagination import link_header, page_request, window
from node.api.present import Person, Presenter
from node.api.relationships import person_of, relationship
from node.domain.accounts import Account
from node.domain.errors import NotFound
from node.services.accounts import accounts
from node.services.actors import directory
from node.services.kernel.context import NodeContext
from node.services.posts.search import RemoteActor
from node.services.social import follow_requests
from node.services.social.follow_requests import FollowRequest

routes = web.RouteTableDef()

_BATCH = 80


@routes.get("/api/v1/follow_requests")
async def list_requests(request: web.Request) -> web.Response:
    account = auth.user(request, "read:follows")
    ctx = request.app[keys.NODE]
    pending = await follow_requests.pending_requests(ctx, account)
    pending.sort(key=lambda r: r.follow_id, reverse=True)

    async def fetch(cursor: int | None) -> list[FollowRequest]:
        return [r for r in pending if cursor is None or r.follow_id < cursor][:_BATCH]

    page = page_request(request, default=40, maximum=80)
    shown = await window(fetch, lambda r: r.follow_id, page, service_page=_BATCH)
    presenter = Presenter(ctx, account)
    people = []
    for found in shown:
        person = await _sender(ctx, found)
        if person is not None:
            people.append(await presenter.account(person))
    return responses.json(people, headers=link_header(request, [r.follow_id for r in shown]))


async def _sender(ctx: NodeContext, found: FollowRequest) -> Person | None:
    if found.actor_uri:
        return await directory.cached_actor_by_uri(ctx, found.actor_uri)
    try:
        return await accounts.get_account_by_username(ctx.db, found.handle)
    except NotFound:
        return None


Answer = Callable[[NodeContext, Account, int], Awaitable[None]]


async def _answer(request: web.Request, answer: Answer) -> web.Response:
    account = auth.user(request, "write:follows")
    ctx = request.app[keys.NODE]
    person = await person_of(request)
    await answer(ctx, account, await _request_from(ctx, account, person))
    return responses.json(await relationship(request, account, person, request.match_info["id"]))


async def _request_from(ctx: NodeContext, account: Account, person: Person) -> int:
    """The id of the pending follow `person` sent `account`; 404 when there is none."""
    for found in await follow_requests.pending_requests(ctx, account):
        if isinstance(person, RemoteActor):
            if found.actor_uri == person.uri:
                return found.follow_id
        elif not found.actor_uri and found.handle.lower() == person.username.lower():
            return found.follow_id
    raise not_found()


@routes.post("/api/v1/follow_requests/{id}/authorize")
async def authorize(request: web.Request) -> web.Response:
    return await _answer(request, follow_requests.approve)


@routes.post("/api/v1/follow_requests/{id}/reject")
async def reject(request: web.Request) -> web.Response:
    return await _answer(request, follow_requests.reject)
