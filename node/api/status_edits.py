"""Editing a status (`PUT /api/v1/statuses/:id`), its edit history and its source.

An edit goes through services.posts.edit_post, the web's edit form's service: it keeps the
earlier version in the history the web shows (`/@name/:id/history`) and sends `Update(Note)` to
the same servers as the post. That service edits the text and the content warning; a request
that would change the attachments or the poll is refused with 422 rather than half applied
(sending them unchanged, as apps do, is fine). `language` and `sensitive` are kept as they are
(`sensitive` follows the content warning, as when posting). docs/api.md says the same.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from node import keys
from node.api import auth, responses
from node.api.errors import ApiError, unprocessable
from node.api.ids import parse_row_id
from node.api.params import Params
from node.api.present import Presenter
from node.api.serializers import JSON
from node.api.statuses import visible_post
from node.domain.accounts import Account
from node.services.posts import posts
from node.services.posts.timelines import PostView

routes = web.RouteTableDef()

# Mastodon's answer when the status is visible but not yours to change.
NOT_ALLOWED = "This action is not allowed"


def _own(post: PostView, account: Account) -> None:
    if post.author_account != account.id:
        raise ApiError(403, NOT_ALLOWED)


@routes.put("/api/v1/statuses/{id}")
async def edit(request: web.Request) -> web.Response:
    account = auth.user(request, "write:statuses")
    ctx = request.app[keys.NODE]
    post = await visible_post(ctx, account, request.match_info["id"])
    _own(post, account)
    params = await Params.read(request)
    presenter = Presenter(ctx, account)
    _refuse_other_changes(params, post, await presenter.status(post))
    spoiler = params.text("spoiler_text", 2000)
    await posts.edit_post(
        ctx, account, post.id, params.text("status") or "",
        summary=posts.Keep.SAME if spoiler is None else spoiler,
    )  # fmt: skip
    edited = await visible_post(ctx, account, str(post.id))
    return responses.json(await Presenter(ctx, account).status(edited))


def _refuse_other_changes(params: Params, post: PostView, shown: JSON) -> None:
    """422 for a change services.posts cannot make to a post yet (see the module docstring)."""
    given = params.texts("media_ids", max_items=10, max_length=40)
    if given:
        attached = {m["id"] for m in shown["media_attachments"]}
        if {str(parse_row_id(text)) for text in given} != attached:
            raise unprocessable("Validation failed: attachments cannot be edited here yet")
    options = params.sub("poll").texts("options", max_items=10, max_length=200)
    if options:
        poll = shown["poll"]
        current = [o["title"] for o in poll["options"]] if poll else None
        multiple = bool(params.sub("poll").flag("multiple"))
        if current != [o.strip() for o in options] or poll["multiple"] != multiple:
            raise unprocessable("Validation failed: a poll cannot be edited here yet")


@routes.get("/api/v1/statuses/{id}/history")
async def history(request: web.Request) -> web.Response:
    """Every version, oldest first, the current one last (a post never edited has one)."""
    viewer = auth.viewer(request, "read:statuses")
    ctx = request.app[keys.NODE]
    post = await visible_post(ctx, viewer, request.match_info["id"])
    shown = await Presenter(ctx, viewer).status(post)
    edits = await posts.edit_history(ctx, post.id)
    versions = []
    created = post.published_at
    for earlier in edits:
        versions.append(_version(shown, earlier.content_html, earlier.summary, created))
        created = earlier.edited_at  # when the next version replaced it
    versions.append(_version(shown, post.content_html, post.summary, post.edited_at or created))
    return responses.json(versions)


def _version(shown: JSON, content_html: str, summary: str | None, created: datetime) -> JSON:
    """A StatusEdit. Attachments and the poll cannot change through an edit here, so every
    version shows the current ones."""
    poll = shown["poll"]
    return {
        "content": content_html,
        "spoiler_text": summary or "",
        "sensitive": bool(summary),
        "created_at": responses.timestamp(created),
        "account": shown["account"],
        "poll": {"options": [{"title": o["title"]} for o in poll["options"]]} if poll else None,
        "media_attachments": shown["media_attachments"],
        "emojis": [],
    }


@routes.get("/api/v1/statuses/{id}/source")
async def source(request: web.Request) -> web.Response:
    """What was typed (to fill an edit form), for any status the caller may see, as Mastodon's
    SourcesController (it authorizes `show?`); 404 for one they may not."""
    viewer = auth.user(request, "read:statuses")
    ctx = request.app[keys.NODE]
    post = await visible_post(ctx, viewer, request.match_info["id"])
    text = await posts.source_of(ctx, post.id, post.content_html)
    return responses.json({"id": str(post.id), "text": text, "spoiler_text": post.summary or ""})
