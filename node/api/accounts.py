"""Accounts: who am I, look someone up or search, their posts (and pins), relationships,
follow and unfollow."""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.api import auth, responses
from node.api.credentials import credential_account
from node.api.errors import ApiError, not_found
from node.api.ids import parse_account_id
from node.api.pagination import link_header, page_request, window
from node.api.params import Params
from node.api.present import Person, Presenter, find_person
from node.api.relationships import follow_target, pair, person_of, relationship
from node.domain.accounts import Account
from node.domain.errors import NotFound
from node.domain.text import normalise_tag
from node.services.accounts import accounts
from node.services.actors import directory
from node.services.posts import media, reaction_lists, search, timelines
from node.services.posts.search import AccountHit, RemoteActor
from node.services.posts.timelines import PostView
from node.services.social import filters, follows

routes = web.RouteTableDef()


@routes.get("/api/v1/accounts/verify_credentials")
async def verify_credentials(request: web.Request) -> web.Response:
    account = auth.user(request, "read:accounts", "profile")
    return responses.json(await credential_account(request.app[keys.NODE], account))


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
        found.append(await relationship(request, account, person, api_id))
    return responses.json(found)


@routes.get("/api/v1/accounts/search")
async def search_accounts(request: web.Request) -> web.Response:
    """People by name, handle or profile URL: services.search, as `GET /api/v2/search` with
    `type=accounts` (registered before `/accounts/{id}`, which would take "search" as an id)."""
    viewer = auth.viewer(request, "read:accounts")
    ctx = request.app[keys.NODE]
    query = Params({}, request.query)
    text = query.text("q", search.MAX_QUERY) or ""
    limit = query.limit(40, 80)
    offset = query.offset()
    if not text.strip():
        return responses.json([])
    found = await search.search(ctx, viewer, text)
    people: list[Person] = [found.remote] if found.remote is not None else []
    for hit in found.people:
        person = await _hit_person(request, hit)
        if person is not None and person not in people:
            people.append(person)
    if viewer is not None and query.flag("following"):
        people = [p for p in people if (await pair(request, viewer, p))[0]]
    presenter = Presenter(ctx, viewer)
    return responses.json([await presenter.account(p) for p in people[offset : offset + limit]])


async def _hit_person(request: web.Request, hit: AccountHit) -> Person | None:
    if hit.host is None:
        return await _local_by_name(request, hit.username)
    return await directory.cached_actor_by_uri(request.app[keys.NODE], hit.uri) if hit.uri else None


@routes.get("/api/v1/accounts/{id}")
async def get_account(request: web.Request) -> web.Response:
    viewer = auth.viewer(request, "read:accounts")
    person = await person_of(request)
    return responses.json(await Presenter(request.app[keys.NODE], viewer).account(person))


@routes.get("/api/v1/accounts/{id}/statuses")
async def account_statuses(request: web.Request) -> web.Response:
    """A local person's posts the viewer may see (the same query as their profile page), or with
    `pinned=true` their pinned posts. For someone elsewhere, an empty list (docs/api.md)."""
    viewer = auth.viewer(request, "read:statuses")
    ctx = request.app[keys.NODE]
    person = await person_of(request)
    query = Params({}, request.query)
    if isinstance(person, RemoteActor):
        return responses.json([])
    page = page_request(request)
    if query.flag("pinned"):
        # All pins come on the first page (there are a handful at most), so no Link goes out.
        shown = [] if page.max_id else await reaction_lists.pinned(ctx, viewer, person)
        shown = await _only(request, query, shown[: page.limit])
        return responses.json(await Presenter(ctx, viewer).statuses(shown))
    exclude_replies = bool(query.flag("exclude_replies"))

    async def fetch(max_id: int | None) -> list[PostView]:
        _, posts = await timelines.profile(ctx, viewer, person.username, max_id)
        return posts

    shown_filters = await filters.active(ctx, viewer, "account")

    def keep(post: PostView) -> bool:
        if exclude_replies and (post.in_reply_to_id or post.in_reply_to_uri):
            return False
        return not shown_filters.hides(post)

    posts = await window(fetch, lambda p: p.id, page, service_page=timelines.PAGE, keep=keep)
    links = link_header(request, [p.id for p in posts])
    posts = await _only(request, query, posts)
    presenter = Presenter(ctx, viewer, shown_filters)
    return responses.json(await presenter.statuses(posts), headers=links)


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
    person = await person_of(request)
    await follows.follow(request.app[keys.NODE], account, follow_target(request, person))
    return responses.json(await relationship(request, account, person, request.match_info["id"]))


@routes.post("/api/v1/accounts/{id}/unfollow")
async def unfollow(request: web.Request) -> web.Response:
    account = auth.user(request, "write:follows")
    person = await person_of(request)
    following, requested, _ = await pair(request, account, person)
    if following or requested:
        await follows.unfollow(request.app[keys.NODE], account, follow_target(request, person))
    return responses.json(await relationship(request, account, person, request.match_info["id"]))
