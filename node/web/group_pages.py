"""A group's pages: the group with its threads, one thread, the member list and the join
requests. Each checks nothing itself: the services decide who may see what."""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.services.groups import groups
from node.services.groups import threads as group_posts
from node.services.posts import timelines
from node.web.forms import path_id
from node.web.groups import HANDLE, group_for, group_path, page_number
from node.web.render import render
from node.web.timelines import signed_in, viewer_of

routes = web.RouteTableDef()


@routes.get(rf"/groups/{HANDLE}", name="group")
async def group_page(request: web.Request) -> web.Response:
    ctx, viewer = request.app[keys.NODE], viewer_of(request)
    group = await group_for(request)
    mine = await groups.membership(ctx, viewer, group)
    page = page_number(request)
    # A members-only group shows outsiders its name and description, never its threads.
    shown = mine.is_member or not group.members_only
    threads = await group_posts.thread_list(ctx, viewer, group, page) if shown else []
    context = {
        "group": group, "membership": mine, "threads": threads, "threads_shown": shown,
        "page": page, "more": len(threads) >= group_posts.THREADS_PER_PAGE,
        "moderators": await groups.moderators(ctx, group),
        "members_shown": group.local and (mine.moderates or (group.members_listed and shown)),
    }  # fmt: skip
    return await render(request, "groups/group.html", context)


@routes.get(rf"/groups/{HANDLE}/threads/{{post_id:[0-9]{{1,18}}}}", name="group_thread")
async def thread_page(request: web.Request) -> web.Response:
    ctx, viewer = request.app[keys.NODE], viewer_of(request)
    thread = await group_posts.thread_page(ctx, viewer, path_id(request, "post_id"))
    if thread.group.handle.lower() != request.match_info["handle"].lower():
        raise web.HTTPNotFound()
    ids = [thread.first.id, *(p.id for p in thread.replies)]
    mine = thread.membership
    context = {
        "group": thread.group, "thread": thread, "membership": mine,
        "media": await timelines.media_views(ctx, ids),
        "may_reply": mine.is_member and (mine.moderates or not thread.locked),
        "title": thread.first.title or "Untitled thread",
    }  # fmt: skip
    return await render(request, "groups/thread.html", context)


@routes.get(rf"/groups/{HANDLE}/members", name="group_members")
async def members_page(request: web.Request) -> web.Response:
    ctx, viewer = request.app[keys.NODE], viewer_of(request)
    group, page = await group_for(request), page_number(request)
    people = await groups.members(ctx, viewer, group, page)
    context = {"group": group, "people": people, "page": page, "more": len(people) >= 50}
    return await render(request, "groups/members.html", context)


@routes.get(rf"/groups/{HANDLE}/requests", name="group_requests")
async def requests_page(request: web.Request) -> web.Response:
    account = signed_in(request)
    group = await group_for(request)
    pending = await groups.join_requests(request.app[keys.NODE], account, group)
    context = {"group": group, "requests": pending, "back": group_path(group)}
    return await render(request, "groups/requests.html", context)
