"""Accounts: who am I, look someone up, their posts, relationships, follow and unfollow."""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.api import auth, responses
from node.api.errors import ApiError, not_found
from node.api.ids import parse_account_id
from node.api.pagination import link_header, page_request, window
from node.api.params import Params
from node.api.present import Person, Presenter, find_person
from node.api.serializers import credential_account_to_api, relationship_to_api
from node.domain.accounts import Account
from node.domain.errors import NotFound
from node.domain.text import normalise_tag
from node.services import accounts, directory, follow_requests, follows, media, profiles, timelines
from node.services.search import RemoteActor
from node.services.timelines import PostView

routes = web.RouteTableDef()


@routes.get("/api/v1/accounts/verify_credentials")
async def verify_credentials(request: web.Request) -> web.Response:
    account = auth.user(request, "read:accounts", "profile")
    ctx = request.app[keys.NODE]
    view = await profiles.profile_view(ctx, account)
    stats = await profiles.account_stats(ctx, account.id)
    profile = await profiles.get_profile(ctx, account)
    waiting = await follow_requests.pending_requests(ctx, account)
    return responses.json(
        credential_account_to_api(ctx.urls, account, view, stats, profile, len(waiting))
    )


@routes.get("/api/v1/accounts/lookup")
async def lookup(request: web.Request) -> web.Response:
    """An account by `acct` (`name` here, `name@host` anywhere), among those known here."""
    viewer = auth.viewer(request, "read:accounts")
    ctx = request.app[keys.NODE]
    username, _, host = request.query.get("acct", "").strip().lstrip("@").partition("@")
    if not username:
        raise not_found()
    person: Person | None
    if not host or host.lower() == ctx.urls.host.lower():
        person = await _local_by_name(request, username)
    else:
        person = await directory.cached_actor_by_handle(ctx, username, host)
    if person is None:
        raise not_found()
    return responses.json(await Presenter(ctx, viewer).account(person))


async def _local_by_name(request: web.Request, username: str) -> Account | None:
    try:
        return await accounts.get_account_by_username(request.app[keys.DATABASE], username[:64])
    except NotFound:
        return None


@routes.get("/api/v1/accounts/relationships")
async def relationships(request: web.Request) -> web.Response:
    account = auth.user(request, "read:follows")
    ctx = request.app[keys.NODE]
    wanted = Params({}, request.query).texts("id", max_items=40, max_length=40)
    found = []
    for api_id in dict.fromkeys(wanted):
        ref = parse_account_id(api_id)
        if ref is None:
            continue
        try:
            person = await find_person(ctx, ref)
        except ApiError:
            continue
        found.append(await _relationship(request, account, person, api_id))
    return responses.json(found)


@routes.get("/api/v1/accounts/{id}")
async def get_account(request: web.Request) -> web.Response:
    viewer = auth.viewer(request, "read:accounts")
    person = await _person(request)
    return responses.json(await Presenter(request.app[keys.NODE], viewer).account(person))


@routes.get("/api/v1/accounts/{id}/statuses")
async def account_statuses(request: web.Request) -> web.Response:
    """A local person's posts the viewer may see (the same query as their profile page). For
    someone elsewhere, and for `pinned=true`, an empty list for now (docs/api.md)."""
    viewer = auth.viewer(request, "read:statuses")
    ctx = request.app[keys.NODE]
    person = await _person(request)
    query = Params({}, request.query)
    if isinstance(person, RemoteActor) or query.flag("pinned"):
        return responses.json([])
    page = page_request(request)
    exclude_replies = bool(query.flag("exclude_replies"))

    async def fetch(max_id: int | None) -> list[PostView]:
        _, posts = await timelines.profile(ctx, viewer, person.username, max_id)
        return posts

    posts = await window(
        fetch, lambda p: p.id, page, service_page=timelines.PAGE,
        keep=(lambda p: p.in_reply_to_id is None and p.in_reply_to_uri is None)
        if exclude_replies else None,
    )  # fmt: skip
    links = link_header(request, [p.id for p in posts])
    posts = await _only(request, query, posts)
    return responses.json(await Presenter(ctx, viewer).statuses(posts), headers=links)


async def _only(request: web.Request, query: Params, posts: list[PostView]) -> list[PostView]:
    """`only_media` and `tagged` narrow a page after it is read (the Link still goes on)."""
    ctx = request.app[keys.NODE]
    if query.flag("only_media"):
        attached = await media.media_for_posts(ctx, [p.id for p in posts])
        posts = [p for p in posts if attached[p.id]]
    tagged = query.text("tagged", 64)
    if tagged:
        tags, _ = await timelines.tags_and_mentions(ctx, [p.id for p in posts])
        wanted = normalise_tag(tagged.lstrip("#"))
        posts = [p for p in posts if wanted in tags.get(p.id, [])]
    return posts


@routes.post("/api/v1/accounts/{id}/follow")
async def follow(request: web.Request) -> web.Response:
    account = auth.user(request, "write:follows")
    person = await _person(request)
    await follows.follow(request.app[keys.NODE], account, _target(request, person))
    return responses.json(await _relationship(request, account, person, request.match_info["id"]))


@routes.post("/api/v1/accounts/{id}/unfollow")
async def unfollow(request: web.Request) -> web.Response:
    account = auth.user(request, "write:follows")
    person = await _person(request)
    following, requested, _ = await _pair(request, account, person)
    if following or requested:
        await follows.unfollow(request.app[keys.NODE], account, _target(request, person))
    return responses.json(await _relationship(request, account, person, request.match_info["id"]))


async def _person(request: web.Request) -> Person:
    return await find_person(request.app[keys.NODE], parse_account_id(request.match_info["id"]))


def _target(request: web.Request, person: Person) -> str:
    """What services.follows takes: our actor URL for someone here, theirs for someone else."""
    if isinstance(person, RemoteActor):
        return person.uri
    return request.app[keys.NODE].urls.actor(person.username)


async def _pair(request: web.Request, account: Account, person: Person) -> tuple[bool, bool, bool]:
    ctx = request.app[keys.NODE]
    if isinstance(person, RemoteActor):
        return await follows.relationship(ctx, account, remote=person)
    return await follows.relationship(ctx, account, local=person)


async def _relationship(
    request: web.Request, account: Account, person: Person, api_id: str
) -> dict[str, object]:
    following, requested, followed_by = await _pair(request, account, person)
    return relationship_to_api(
        api_id, following=following, requested=requested, followed_by=followed_by
    )
