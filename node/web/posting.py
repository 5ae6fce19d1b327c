"""Forms that change posts: write, reply, delete, like, boost, bookmark, pin."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from aiohttp import web
from aiohttp.web_request import FileField

from node import keys
from node.domain.accounts import Account
from node.domain.errors import ValidationFailed
from node.domain.numbers import whole_number
from node.services.kernel.context import NodeContext
from node.services.posts import polls, posts, reactions, timelines
from node.services.posts.media import Upload
from node.services.posts.polls import PollDraft
from node.web.forms import form_number, form_text, path_id, read_form
from node.web.render import render
from node.web.timelines import signed_in, viewer_of

routes = web.RouteTableDef()


def _back(request: web.Request, default: str = "/") -> str:
    target = request.headers.get("Referer", "")
    base = request.app[keys.SETTINGS].public_url
    return target if target.startswith(base + "/") else default


@routes.post("/posts", name="create_post")
async def create(request: web.Request) -> web.StreamResponse:
    account = signed_in(request)
    form = await read_form(request)
    try:
        uploads = _image_from(form)
        post = await posts.create_post(
            request.app[keys.NODE], account, form_text(form, "text"),
            visibility=form_text(form, "visibility") or "public",
            summary=form_text(form, "summary", 500), language=form_text(form, "language", 8),
            in_reply_to=form_text(form, "in_reply_to", 2000) or None,
            local_only=form_text(form, "local_only") == "on", poll=_poll_from(form),
            uploads=uploads,
        )  # fmt: skip
    except ValidationFailed as error:
        raise web.HTTPUnprocessableEntity(text=f"Your post was not sent: {error.message}") from None
    raise web.HTTPSeeOther(f"/@{account.username}/{post.id}")


def _image_from(form: Mapping[str, object]) -> tuple[Upload, ...]:
    """The composer's image, with its alt text (which the composer asks for)."""
    image = form.get("image")
    if not isinstance(image, FileField):
        return ()
    data = image.file.read()
    if not data:
        return ()
    description = form_text(form, "image_alt", 1500).strip()
    if not description:
        raise ValidationFailed(
            "image_alt", "describe the image for people who cannot see it (alt text)"
        )
    return (Upload(data, description),)


def _poll_from(form: Mapping[str, object]) -> PollDraft | None:
    options = tuple(form_text(form, f"poll_option_{n}", 100) for n in range(4))
    if not any(o.strip() for o in options):
        return None
    return PollDraft(
        options=options,
        multiple=form_text(form, "poll_multiple") == "on",
        duration=timedelta(hours=form_number(form, "poll_hours", 24, 9999)),
    )


@routes.post(r"/posts/{post_id:[0-9]{1,18}}/vote", name="vote")
async def vote(request: web.Request) -> web.StreamResponse:
    account = signed_in(request)
    form = await read_form(request)
    found = [whole_number(v) for v in form.getall("choice", []) if isinstance(v, str)]
    choices = [choice for choice in found if choice is not None]
    try:
        await polls.vote(request.app[keys.NODE], account, path_id(request, "post_id"), choices)
    except ValidationFailed as error:
        raise web.HTTPUnprocessableEntity(
            text=f"Your vote was not counted: {error.message}"
        ) from None
    raise web.HTTPSeeOther(_back(request))


Action = Callable[[NodeContext, Account, int], Awaitable[None]]
_ACTIONS: dict[str, Action] = {
    "like": reactions.like,
    "unlike": reactions.unlike,
    "boost": reactions.boost,
    "unboost": reactions.unboost,
    "bookmark": lambda ctx, a, p: reactions.set_bookmark(ctx, a, p, True),
    "unbookmark": lambda ctx, a, p: reactions.set_bookmark(ctx, a, p, False),
    "pin": lambda ctx, a, p: reactions.set_pin(ctx, a, p, True),
    "unpin": lambda ctx, a, p: reactions.set_pin(ctx, a, p, False),
    "delete": posts.delete_post,
}
# "edit" is a page of its own (below), not a one-click action.


_ACTION_NAMES = "|".join(_ACTIONS)


@routes.post(rf"/posts/{{post_id:[0-9]{{1,18}}}}/{{action:{_ACTION_NAMES}}}", name="post_action")
async def act(request: web.Request) -> web.StreamResponse:
    account = signed_in(request)
    action = _ACTIONS.get(request.match_info["action"])
    if action is None:
        raise web.HTTPNotFound()
    await action(request.app[keys.NODE], account, path_id(request, "post_id"))
    deleted = request.match_info["action"] == "delete"
    raise web.HTTPSeeOther("/" if deleted else _back(request))


@routes.get(r"/posts/{post_id:[0-9]{1,18}}/edit", name="edit_post")
async def edit_form(request: web.Request) -> web.Response:
    account = signed_in(request)
    post, source = await posts.own_post_source(
        request.app[keys.NODE], account, path_id(request, "post_id")
    )
    return await render(request, "edit_post.html", {"post": post, "source": source})


@routes.post(r"/posts/{post_id:[0-9]{1,18}}/edit")
async def edit(request: web.Request) -> web.StreamResponse:
    account = signed_in(request)
    post_id = path_id(request, "post_id")
    form = await read_form(request)
    try:
        await posts.edit_post(request.app[keys.NODE], account, post_id, form_text(form, "text"))
    except ValidationFailed as error:
        raise web.HTTPUnprocessableEntity(text=f"Not saved: {error.message}") from None
    raise web.HTTPSeeOther(f"/@{account.username}/{post_id}")


@routes.get(r"/@{username:[A-Za-z0-9_]{1,30}}/{post_id:[0-9]{1,18}}/history", name="post_history")
async def history(request: web.Request) -> web.Response:
    ctx = request.app[keys.NODE]
    post_id = path_id(request, "post_id")
    focus, _ = await timelines.thread(ctx, viewer_of(request), post_id)  # visibility check
    edits = await posts.edit_history(ctx, post_id)
    return await render(request, "history.html", {"post": focus, "edits": edits})
