"""Timelines, profiles, threads, hashtags, bookmarks and notifications, as HTML pages."""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.domain.accounts import Account
from node.domain.numbers import whole_number
from node.services.posts import polls, timelines
from node.services.posts.timelines import PostView
from node.services.profiles import profiles as profile_service
from node.services.social import notifications
from node.web.forms import path_id
from node.web.render import render

routes = web.RouteTableDef()


def viewer_of(request: web.Request) -> Account | None:
    account: Account | None = request.get(keys.CURRENT_ACCOUNT)
    return account


def signed_in(request: web.Request) -> Account:
    account = viewer_of(request)
    if account is None:
        raise web.HTTPSeeOther(f"/sign-in?next={request.path}")
    return account


def max_id(request: web.Request) -> int | None:
    return whole_number(request.query.get("max_id"))


async def _timeline(
    request: web.Request, title: str, posts: list[PostView], **extra: object
) -> web.Response:
    older = f"{request.path}?max_id={posts[-1].id}" if len(posts) >= timelines.PAGE else None
    found = await polls.polls_for_posts(
        request.app[keys.NODE], viewer_of(request), [p.id for p in posts]
    )
    attached = await timelines.media_views(request.app[keys.NODE], [p.id for p in posts])
    context = {"title": title, "posts": posts, "older": older, "polls": found,
               "media": attached, **extra}  # fmt: skip
    return await render(request, "timeline.html", context)


@routes.get("/", name="home")
async def home(request: web.Request) -> web.Response:
    ctx, account = request.app[keys.NODE], viewer_of(request)
    if account is None:
        posts = await timelines.public(ctx, None, local=True, max_id=max_id(request))
        return await _timeline(request, "Recent posts on this node", posts, welcome=True)
    posts = await timelines.home(ctx, account, max_id(request))
    return await _timeline(request, "Home", posts, composer=True)


@routes.get("/local", name="local")
async def local(request: web.Request) -> web.Response:
    posts = await timelines.public(
        request.app[keys.NODE], viewer_of(request), local=True, max_id=max_id(request)
    )
    return await _timeline(request, "This node", posts)


@routes.get("/federated", name="federated")
async def federated(request: web.Request) -> web.Response:
    posts = await timelines.public(
        request.app[keys.NODE], viewer_of(request), local=False, max_id=max_id(request)
    )
    return await _timeline(request, "Across the network", posts)


@routes.get(r"/tags/{tag:\w{1,64}}", name="hashtag")
async def hashtag(request: web.Request) -> web.Response:
    tag = request.match_info["tag"]
    posts = await timelines.hashtag(
        request.app[keys.NODE], viewer_of(request), tag, max_id(request)
    )
    return await _timeline(request, f"#{tag}", posts, feed=f"/tags/{tag}.atom")


@routes.get(r"/@{username:[A-Za-z0-9_]{1,30}}", name="profile")
async def profile(request: web.Request) -> web.Response:
    author, posts = await timelines.profile(
        request.app[keys.NODE], viewer_of(request), request.match_info["username"],
        max_id(request),
    )  # fmt: skip
    if author.is_group:  # a group's profile is its group page
        raise web.HTTPSeeOther(f"/groups/{author.username}")
    host = request.app[keys.SETTINGS].public_host
    shown = await profile_service.profile_view(request.app[keys.NODE], author)
    return await _timeline(
        request,
        author.shown_name,
        posts,
        profile=author,
        host=host,
        profile_view=shown,
        feed=f"/@{author.username}.atom",
    )


@routes.get(r"/@{username:[A-Za-z0-9_]{1,30}}/{post_id:[0-9]{1,18}}", name="thread")
async def thread(request: web.Request) -> web.Response:
    focus, posts = await timelines.thread(
        request.app[keys.NODE], viewer_of(request), path_id(request, "post_id")
    )
    if focus.username.lower() != request.match_info["username"].lower() or focus.remote_host:
        raise web.HTTPNotFound()
    found = await polls.polls_for_posts(
        request.app[keys.NODE], viewer_of(request), [p.id for p in posts]
    )
    attached = await timelines.media_views(request.app[keys.NODE], [p.id for p in posts])
    context = {"focus": focus, "posts": posts, "polls": found, "media": attached,
               "title": f"Post by {focus.display_name}"}  # fmt: skip
    return await render(request, "thread.html", context)


@routes.get("/bookmarks", name="bookmarks")
async def bookmarks(request: web.Request) -> web.Response:
    account = signed_in(request)
    posts = await timelines.bookmarks(request.app[keys.NODE], account)
    return await _timeline(request, "Bookmarks", posts)


@routes.get("/notifications", name="notifications")
async def notifications_page(request: web.Request) -> web.Response:
    account = signed_in(request)
    ctx = request.app[keys.NODE]
    items = await notifications.list_notifications(ctx, account, max_id(request))
    response = await render(request, "notifications.html", {"items": items})
    await notifications.mark_all_read(ctx, account)
    return response
