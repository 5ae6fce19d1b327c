"""Statuses: post (with Idempotency-Key), read, delete, the thread around one, and the
reactions (favourite, reblog, bookmark, pin) with their undos.

Every status returned is read back through services.timelines (`visible_posts`, `thread`), so
the API shows exactly what the web shows the same person.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp import web

from node import keys
from node.api import auth, responses
from node.api.errors import ApiError, not_found, unprocessable
from node.api.ids import parse_row_id, path_row_id
from node.api.params import Params
from node.api.present import Presenter
from node.api.serializers import VISIBILITY_FROM_API
from node.domain.accounts import Account
from node.services.accounts import oauth
from node.services.kernel.context import NodeContext
from node.services.posts import posts, reactions, timelines
from node.services.posts.polls import PollDraft
from node.services.posts.timelines import PostView
from node.services.social import filters

routes = web.RouteTableDef()

MAX_IDEMPOTENCY_KEY = 200
DEFAULT_POLL_SECONDS = 24 * 3600


async def visible_post(ctx: NodeContext, viewer: Account | None, text: str | None) -> PostView:
    """The post an API id names, if the viewer may see it; 404 otherwise (never 403, which
    would confirm that a hidden post exists)."""
    post_id = parse_row_id(text)
    found = await timelines.visible_posts(ctx, viewer, [post_id]) if post_id else []
    if not found:
        raise not_found()
    return found[0]


@routes.post("/api/v1/statuses")
async def create(request: web.Request) -> web.Response:
    account = auth.user(request, "write:statuses")
    params = await Params.read(request)
    key = request.headers.get("Idempotency-Key", "").strip()[:MAX_IDEMPOTENCY_KEY]
    if not key:
        return await _render(request, account, await _write(request, account, params))
    db = request.app[keys.DATABASE]
    claim = await oauth.claim_idempotency_key(db, account, key)
    if not claim.claimed:
        if claim.post_id is None:
            raise ApiError(409, "A request with this Idempotency-Key is still being processed")
        return await _render(request, account, claim.post_id)
    post_id = None
    try:
        post_id = await _write(request, account, params)
    finally:
        await oauth.settle_idempotency_key(db, account, key, post_id)
    return await _render(request, account, post_id)


async def _write(request: web.Request, account: Account, params: Params) -> int:
    ctx = request.app[keys.NODE]
    if params.text("scheduled_at"):
        raise unprocessable("Validation failed: scheduled posts are not supported here")
    visibility = params.text("visibility", 20) or "public"
    if visibility not in VISIBILITY_FROM_API and visibility not in VISIBILITY_FROM_API.values():
        raise unprocessable(f"Validation failed: {visibility!r} is not a visibility")
    in_reply_to = None
    if params.text("in_reply_to_id"):
        parent = await visible_post(ctx, account, params.text("in_reply_to_id", 40))
        in_reply_to = parent.uri
    post = await posts.create_post(
        ctx, account, params.text("status") or "",
        visibility=VISIBILITY_FROM_API.get(visibility, visibility),
        summary=params.text("spoiler_text", 2000), in_reply_to=in_reply_to,
        language=params.text("language", 20), local_only=bool(params.flag("local_only")),
        poll=_poll(params.sub("poll")), media_ids=_media_ids(params),
    )  # fmt: skip
    return post.id


def _poll(params: Params) -> PollDraft | None:
    options = params.texts("options", max_items=10, max_length=200)
    if not options:
        return None
    seconds = params.integer("expires_in", high=10**9) or DEFAULT_POLL_SECONDS
    return PollDraft(
        options=tuple(options),
        multiple=bool(params.flag("multiple")),
        duration=timedelta(seconds=seconds),
    )


def _media_ids(params: Params) -> tuple[int, ...]:
    ids = []
    for text in params.texts("media_ids", max_items=10, max_length=40):
        media_id = parse_row_id(text)
        if media_id is None:
            raise unprocessable(f"Validation failed: {text[:40]!r} is not a media id")
        ids.append(media_id)
    return tuple(ids)


async def _render(request: web.Request, viewer: Account | None, post_id: int | str) -> web.Response:
    ctx = request.app[keys.NODE]
    post = await visible_post(ctx, viewer, str(post_id))
    return responses.json(await Presenter(ctx, viewer).status(post))


@routes.get("/api/v1/statuses/{id}")
async def get_status(request: web.Request) -> web.Response:
    viewer = auth.viewer(request, "read:statuses")
    return await _render(request, viewer, request.match_info["id"])


@routes.delete("/api/v1/statuses/{id}")
async def delete(request: web.Request) -> web.Response:
    """Delete one of your posts; the answer carries its source `text` for "delete and redraft"."""
    account = auth.user(request, "write:statuses")
    ctx = request.app[keys.NODE]
    post = await visible_post(ctx, account, request.match_info["id"])
    _, source = await posts.own_post_source(ctx, account, post.id)
    shown = await Presenter(ctx, account).status(post)
    await posts.delete_post(ctx, account, post.id)
    return responses.json(shown | {"text": source})


@routes.get("/api/v1/statuses/{id}/context")
async def context(request: web.Request) -> web.Response:
    viewer = auth.viewer(request, "read:statuses")
    ctx = request.app[keys.NODE]
    post_id = path_row_id(request)
    focus, thread = await timelines.thread(ctx, viewer, post_id)
    ancestors, descendants = _split_thread(focus, thread)
    # Split first, so a reply hidden by a filter still links the posts around it.
    shown_filters = await filters.active(ctx, viewer, "thread")
    presenter = Presenter(ctx, viewer, shown_filters)
    return responses.json({
        "ancestors": await presenter.statuses(
            [p for p in ancestors if not shown_filters.hides(p)]),
        "descendants": await presenter.statuses(
            [p for p in descendants if not shown_filters.hides(p)]),
    })  # fmt: skip


def _split_thread(focus: PostView, thread: list[PostView]) -> tuple[list[PostView], list[PostView]]:
    """Ancestors root first; descendants depth first, each level oldest first (as Mastodon)."""
    by_id = {p.id: p for p in thread}
    ancestors: list[PostView] = []
    parent = by_id.get(focus.in_reply_to_id or 0)
    while parent is not None and parent.id != focus.id and parent not in ancestors:
        ancestors.insert(0, parent)
        parent = by_id.get(parent.in_reply_to_id or 0)
    children: dict[int, list[PostView]] = {}
    for post in thread:
        if post.in_reply_to_id is not None:
            children.setdefault(post.in_reply_to_id, []).append(post)
    descendants: list[PostView] = []
    placed = {focus.id}
    stack = list(reversed(children.get(focus.id, [])))
    while stack:
        post = stack.pop()
        if post.id in placed:
            continue
        placed.add(post.id)
        descendants.append(post)
        stack.extend(reversed(children.get(post.id, [])))
    return ancestors, descendants


Action = Callable[[NodeContext, Account, int], Awaitable[None]]


def _reaction(path: str, scope: str, action: Action) -> None:
    async def handler(request: web.Request) -> web.Response:
        account = auth.user(request, scope)
        ctx = request.app[keys.NODE]
        post = await visible_post(ctx, account, request.match_info["id"])
        await action(ctx, account, post.id)
        return await _render(request, account, post.id)

    handler.__name__ = path
    routes.post(f"/api/v1/statuses/{{id}}/{path}")(handler)


async def _bookmark(ctx: NodeContext, account: Account, post_id: int) -> None:
    await reactions.set_bookmark(ctx, account, post_id, True)


async def _unbookmark(ctx: NodeContext, account: Account, post_id: int) -> None:
    await reactions.set_bookmark(ctx, account, post_id, False)


async def _pin(ctx: NodeContext, account: Account, post_id: int) -> None:
    await reactions.set_pin(ctx, account, post_id, True)


async def _unpin(ctx: NodeContext, account: Account, post_id: int) -> None:
    await reactions.set_pin(ctx, account, post_id, False)


for _path, _scope, _action in (
    ("favourite", "write:favourites", reactions.like),
    ("unfavourite", "write:favourites", reactions.unlike),
    ("reblog", "write:statuses", reactions.boost),
    ("unreblog", "write:statuses", reactions.unboost),
    ("bookmark", "write:bookmarks", _bookmark),
    ("unbookmark", "write:bookmarks", _unbookmark),
    ("pin", "write:accounts", _pin),
    ("unpin", "write:accounts", _unpin),
):
    _reaction(_path, _scope, _action)
