"""Blocks and mutes: the lists of them, block and unblock, mute and unmute. Each change answers
with the Relationship, as Mastodon does; the rules live in services.blocks and services.mutes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Protocol, TypeVar

from aiohttp import web

from node import keys
from node.api import auth, responses
from node.api.pagination import link_header, page_request, window
from node.api.params import Params
from node.api.present import Person, Presenter
from node.api.relationships import person_of, relationship
from node.api.serializers import JSON
from node.domain.accounts import Account
from node.services.kernel.context import NodeContext
from node.services.posts.search import RemoteActor
from node.services.social import blocks, mutes

routes = web.RouteTableDef()

MAX_MUTE_SECONDS = 10 * 365 * 24 * 3600


def sides(person: Person) -> tuple[Account | None, RemoteActor | None]:
    """A person as the services take one: (someone here, someone elsewhere)."""
    if isinstance(person, RemoteActor):
        return None, person
    return person, None


async def _accounts(
    presenter: Presenter, people: Sequence[tuple[int | None, int | None]]
) -> list[JSON | None]:
    shown = []
    for account_id, remote_id in people:
        if account_id is not None:
            shown.append(await presenter.local_account(account_id))
        else:
            shown.append(await presenter.remote_account(remote_id or 0))
    return shown


Row = TypeVar("Row", blocks.Block, mutes.Mute)
Lister = Callable[[NodeContext, Account, int | None], Awaitable[list[Row]]]


class BlockAction(Protocol):
    async def __call__(
        self, ctx: NodeContext, account: Account, *, local: Account | None = None,
        remote: RemoteActor | None = None,
    ) -> None: ...  # fmt: skip


async def _people_page(
    request: web.Request, scope: str, lister: Lister[Row], service_page: int,
    who: Callable[[Row], tuple[int | None, int | None]],
) -> tuple[list[tuple[Row, JSON]], dict[str, str]]:  # fmt: skip
    """One page of blocked or muted people, in the client API's paging, with Link headers."""
    account = auth.user(request, scope)
    ctx = request.app[keys.NODE]

    async def fetch(max_id: int | None) -> list[Row]:
        return await lister(ctx, account, max_id)

    page = page_request(request, default=40, maximum=80)
    found = await window(fetch, lambda row: row.id, page, service_page=service_page)
    shown = await _accounts(Presenter(ctx, account), [who(r) for r in found])
    pairs = [(row, entity) for row, entity in zip(found, shown, strict=True) if entity]
    return pairs, link_header(request, [row.id for row in found])


@routes.get("/api/v1/blocks")
async def list_blocks(request: web.Request) -> web.Response:
    found, links = await _people_page(request, "read:blocks", blocks.list_blocks, blocks.PAGE,
                                      lambda b: (b.blocked_account, b.blocked_remote))  # fmt: skip
    return responses.json([entity for _, entity in found], headers=links)


def _toward(act: BlockAction) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Block or unblock the person in the path; the answer is the relationship after it."""

    async def handler(request: web.Request) -> web.Response:
        account = auth.user(request, "write:blocks")
        person = await person_of(request)
        local, remote = sides(person)
        await act(request.app[keys.NODE], account, local=local, remote=remote)
        return responses.json(
            await relationship(request, account, person, request.match_info["id"])
        )

    return handler


routes.post("/api/v1/accounts/{id}/block")(_toward(blocks.block))
routes.post("/api/v1/accounts/{id}/unblock")(_toward(blocks.unblock))


@routes.get("/api/v1/mutes")
async def list_mutes(request: web.Request) -> web.Response:
    found, links = await _people_page(request, "read:mutes", mutes.list_mutes, mutes.PAGE,
                                      lambda m: (m.muted_account, m.muted_remote))  # fmt: skip
    return responses.json(
        [entity | {"mute_expires_at": responses.timestamp(m.expires_at)} for m, entity in found],
        headers=links,
    )


@routes.post("/api/v1/accounts/{id}/mute")
async def mute(request: web.Request) -> web.Response:
    """`notifications` (default true): their notifications go too; `duration` in seconds
    (0 or absent: until unmuted)."""
    account = auth.user(request, "write:mutes")
    person = await person_of(request)
    params = await Params.read(request)
    seconds = params.integer("duration", high=MAX_MUTE_SECONDS) or 0
    local, remote = sides(person)
    await mutes.mute(
        request.app[keys.NODE], account, local=local, remote=remote,
        notifications=params.flag("notifications") is not False,
        duration=timedelta(seconds=seconds) if seconds else None,
    )  # fmt: skip
    return responses.json(await relationship(request, account, person, request.match_info["id"]))


@routes.post("/api/v1/accounts/{id}/unmute")
async def unmute(request: web.Request) -> web.Response:
    account = auth.user(request, "write:mutes")
    person = await person_of(request)
    local, remote = sides(person)
    await mutes.unmute(request.app[keys.NODE], account, local=local, remote=remote)
    return responses.json(await relationship(request, account, person, request.match_info["id"]))
