"""Lists: yours (create, read, rename, delete), their members, their timeline, and which of
your lists hold someone. Someone else's list is 404, never 403 (services.lists)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from node import keys
from node.api import auth, responses
from node.api.blocks_mutes import sides
from node.api.errors import not_found
from node.api.ids import parse_account_id, path_row_id
from node.api.pagination import link_header, page_request, window
from node.api.params import Params
from node.api.present import Presenter
from node.api.relationships import person_of
from node.api.safety_entities import list_to_api
from node.domain.accounts import Account
from node.services.kernel.context import NodeContext
from node.services.posts.timelines import PostView
from node.services.social import filters, lists
from node.services.social.lists import Member, Someone

routes = web.RouteTableDef()
MemberChange = Callable[[NodeContext, Account, int, Sequence[Someone]], Awaitable[None]]

MEMBERS_PAGE = 80


@routes.get("/api/v1/lists")
async def all_lists(request: web.Request) -> web.Response:
    account = auth.user(request, "read:lists")
    found = await lists.all_lists(request.app[keys.NODE], account)
    return responses.json([list_to_api(item) for item in found])


@routes.post("/api/v1/lists")
async def create_list(request: web.Request) -> web.Response:
    account = auth.user(request, "write:lists")
    params = await Params.read(request)
    made = await lists.create_list(
        request.app[keys.NODE], account, params.text("title", 1000),
        replies_policy=params.text("replies_policy", 40),
        exclusive=bool(params.flag("exclusive")),
    )  # fmt: skip
    return responses.json(list_to_api(made))


@routes.get("/api/v1/lists/{id}")
async def get_list(request: web.Request) -> web.Response:
    account = auth.user(request, "read:lists")
    found = await lists.get_list(request.app[keys.NODE], account, path_row_id(request))
    return responses.json(list_to_api(found))


@routes.put("/api/v1/lists/{id}")
async def update_list(request: web.Request) -> web.Response:
    account = auth.user(request, "write:lists")
    list_id = path_row_id(request)
    params = await Params.read(request)
    updated = await lists.update_list(
        request.app[keys.NODE], account, list_id, title=params.text("title", 1000),
        replies_policy=params.text("replies_policy", 40), exclusive=params.flag("exclusive"),
    )  # fmt: skip
    return responses.json(list_to_api(updated))


@routes.delete("/api/v1/lists/{id}")
async def delete_list(request: web.Request) -> web.Response:
    account = auth.user(request, "write:lists")
    await lists.delete_list(request.app[keys.NODE], account, path_row_id(request))
    return responses.json({})


@routes.get("/api/v1/lists/{id}/accounts")
async def list_members(request: web.Request) -> web.Response:
    """Members, newest first; `limit=0` gives them all (Mastodon)."""
    account = auth.user(request, "read:lists")
    ctx = request.app[keys.NODE]
    list_id = path_row_id(request)
    page = page_request(request, default=40, maximum=80)

    async def fetch(max_id: int | None) -> list[Member]:
        return await lists.members(ctx, account, list_id, limit=MEMBERS_PAGE, max_id=max_id)

    if request.query.get("limit") == "0":
        found = await lists.members(ctx, account, list_id, limit=None)
        links: dict[str, str] = {}
    else:
        found = await window(fetch, lambda m: m.id, page, service_page=MEMBERS_PAGE)
        links = link_header(request, [m.id for m in found])
    presenter = Presenter(ctx, account)
    shown = []
    for member in found:
        entity = (await presenter.local_account(member.account_id) if member.account_id
                  else await presenter.remote_account(member.remote_id or 0))  # fmt: skip
        if entity is not None:
            shown.append(entity)
    return responses.json(shown, headers=links)


def _people(params: Params) -> list[Someone]:
    """`account_ids[]`; an id that cannot be an account's is 404 (Mastodon's answer)."""
    people = []
    for text in params.texts("account_ids", max_items=80, max_length=40):
        ref = parse_account_id(text)
        if ref is None:
            raise not_found()
        people.append(Someone(account_id=ref.local, remote_id=ref.remote))
    return people


def _members(change: MemberChange) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Add people to a list, or take them off it. Only people you follow (or asked to follow)
    can be added: anyone else is 404, as on Mastodon."""

    async def handler(request: web.Request) -> web.Response:
        account = auth.user(request, "write:lists")
        list_id = path_row_id(request)
        people = _people(await Params.read(request))
        await change(request.app[keys.NODE], account, list_id, people)
        return responses.json({})

    return handler


routes.post("/api/v1/lists/{id}/accounts")(_members(lists.add_members))
routes.delete("/api/v1/lists/{id}/accounts")(_members(lists.remove_members))


@routes.get("/api/v1/timelines/list/{id}")
async def list_timeline(request: web.Request) -> web.Response:
    """The list's timeline, under the home timeline's rules and `home` filters (Mastodon's
    home filter context covers lists)."""
    account = auth.user(request, "read:lists")
    ctx = request.app[keys.NODE]
    list_id = path_row_id(request)
    await lists.get_list(ctx, account, list_id)  # 404 before any paging
    shown_filters = await filters.active(ctx, account, "home")

    async def fetch(max_id: int | None) -> list[PostView]:
        return await lists.timeline(ctx, account, list_id, max_id)

    page = page_request(request)
    posts = await window(
        fetch, lambda p: p.id, page, service_page=lists.PAGE,
        keep=lambda p: not shown_filters.hides(p),
    )  # fmt: skip
    links = link_header(request, [p.id for p in posts])
    presented = await Presenter(ctx, account, shown_filters).statuses(posts)
    return responses.json(presented, headers=links)


@routes.get("/api/v1/accounts/{id}/lists")
async def lists_with(request: web.Request) -> web.Response:
    """Your lists that hold this person."""
    account = auth.user(request, "read:lists")
    local, remote = sides(await person_of(request))
    person = Someone(local.id if local else None, remote.id if remote else None)
    found = await lists.lists_with(request.app[keys.NODE], account, person)
    return responses.json([list_to_api(item) for item in found])
