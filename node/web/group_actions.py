"""The one-click forms of groups: join and leave, start a thread and reply, the moderators'
pin, lock and remove, and answering join requests. Each redirects back to a page."""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.domain.errors import ValidationFailed
from node.domain.numbers import whole_number
from node.services.groups import groups
from node.services.groups import threads as group_posts
from node.web.forms import form_text, path_id, read_form
from node.web.groups import HANDLE, group_for, group_path
from node.web.timelines import signed_in

routes = web.RouteTableDef()

_POST_ID = r"{post_id:[0-9]{1,18}}"
# The moderators' thread switches: path word -> (flag, value).
_FLAGS = {
    "pin": ("pinned", True),
    "unpin": ("pinned", False),
    "lock": ("locked", True),
    "unlock": ("locked", False),
}


def _thread_path(request: web.Request, thread_id: int | str) -> str:
    return f"/groups/{request.match_info['handle']}/threads/{thread_id}"


@routes.post(rf"/groups/{HANDLE}/join", name="join_group")
async def join(request: web.Request) -> web.StreamResponse:
    account, group = signed_in(request), await group_for(request)
    await groups.join(request.app[keys.NODE], account, group)
    raise web.HTTPSeeOther(group_path(group))


@routes.post(rf"/groups/{HANDLE}/leave", name="leave_group")
async def leave(request: web.Request) -> web.StreamResponse:
    account, group = signed_in(request), await group_for(request)
    await groups.leave(request.app[keys.NODE], account, group)
    raise web.HTTPSeeOther(group_path(group))


@routes.post(rf"/groups/{HANDLE}/threads", name="start_thread")
async def start_thread(request: web.Request) -> web.StreamResponse:
    account, group = signed_in(request), await group_for(request)
    form = await read_form(request)
    try:
        thread_id = await group_posts.start_thread(
            request.app[keys.NODE], account, group, form_text(form, "title", 1000),
            form_text(form, "text"),
        )  # fmt: skip
    except ValidationFailed as error:
        raise web.HTTPUnprocessableEntity(
            text=f"Your thread was not started: {error.message}"
        ) from None
    raise web.HTTPSeeOther(f"{group_path(group)}/threads/{thread_id}")


@routes.post(rf"/groups/{HANDLE}/threads/{_POST_ID}/replies", name="group_reply")
async def reply(request: web.Request) -> web.StreamResponse:
    account = signed_in(request)
    thread_id = path_id(request, "post_id")
    text = form_text(await read_form(request), "text")
    try:
        post_id = await group_posts.reply(request.app[keys.NODE], account, thread_id, text)
    except ValidationFailed as error:
        raise web.HTTPUnprocessableEntity(
            text=f"Your reply was not sent: {error.message}"
        ) from None
    raise web.HTTPSeeOther(f"{_thread_path(request, thread_id)}#post-{post_id}")


@routes.post(rf"/groups/{HANDLE}/threads/{_POST_ID}/{{switch:pin|unpin|lock|unlock}}")
async def flag(request: web.Request) -> web.StreamResponse:
    account = signed_in(request)
    thread_id = path_id(request, "post_id")
    name, value = _FLAGS[request.match_info["switch"]]
    await group_posts.set_flag(request.app[keys.NODE], account, thread_id, name, value)
    raise web.HTTPSeeOther(_thread_path(request, thread_id))


@routes.post(rf"/groups/{HANDLE}/posts/{_POST_ID}/remove", name="group_remove")
async def remove(request: web.Request) -> web.StreamResponse:
    """Remove a thread (back to the group) or a reply (back to its thread)."""
    account = signed_in(request)
    post_id = path_id(request, "post_id")
    thread = form_text(await read_form(request), "thread", 20)
    group = await group_posts.remove(request.app[keys.NODE], account, post_id)
    if whole_number(thread) not in {None, post_id}:
        raise web.HTTPSeeOther(_thread_path(request, thread))
    raise web.HTTPSeeOther(group_path(group))


@routes.post(rf"/groups/{HANDLE}/requests/{{follow_id:[0-9]{{1,18}}}}", name="answer_join")
async def answer(request: web.Request) -> web.StreamResponse:
    account, group = signed_in(request), await group_for(request)
    accept = form_text(await read_form(request), "decision", 20) == "approve"
    follow_id = path_id(request, "follow_id")
    await groups.answer_request(request.app[keys.NODE], account, group, follow_id, accept=accept)
    raise web.HTTPSeeOther(f"{group_path(group)}/requests")
