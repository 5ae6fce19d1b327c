"""Timelines and threads, each filtered by what the viewer may see."""

from __future__ import annotations

from dataclasses import dataclass

from node.domain.accounts import Account
from node.domain.errors import NotFound
from node.domain.text import normalise_tag
from node.infra.media_store import media_urls
from node.services.kernel.context import NodeContext
from node.services.posts.media import media_for_posts
from node.storage.accounts import accounts as account_store
from node.storage.posts import extras as post_extras
from node.storage.posts import timelines as store
from node.storage.posts.timelines import PostView

PAGE = 20

__all__ = [
    "PAGE",
    "MediaView",
    "PostView",
    "bookmarks",
    "hashtag",
    "home",
    "media_views",
    "profile",
    "public",
    "thread",
]


def _viewer(account: Account | None) -> int | None:
    return account.id if account else None


async def home(ctx: NodeContext, account: Account, max_id: int | None = None) -> list[PostView]:
    async with ctx.db.connection() as conn:
        return await store.home(conn, account.id, PAGE, max_id)


async def public(
    ctx: NodeContext, viewer: Account | None, *, local: bool, max_id: int | None = None
) -> list[PostView]:
    async with ctx.db.connection() as conn:
        return await store.public(conn, _viewer(viewer), PAGE, max_id, local=local)


async def hashtag(
    ctx: NodeContext, viewer: Account | None, tag: str, max_id: int | None = None
) -> list[PostView]:
    async with ctx.db.connection() as conn:
        return await store.hashtag(conn, _viewer(viewer), normalise_tag(tag), PAGE, max_id)


async def profile(
    ctx: NodeContext, viewer: Account | None, username: str, max_id: int | None = None
) -> tuple[Account, list[PostView]]:
    async with ctx.db.connection() as conn:
        author = await account_store.get_active_account_by_username(conn, username)
        if author is None:
            raise NotFound(f"no account @{username}")
        return author, await store.profile(conn, _viewer(viewer), author.id, PAGE, max_id)


async def thread(
    ctx: NodeContext, viewer: Account | None, post_id: int
) -> tuple[PostView, list[PostView]]:
    """The post and its conversation, oldest first. NotFound if the viewer may not see it."""
    async with ctx.db.connection() as conn:
        ids = await store.thread_ids(conn, post_id)
        visible = await store.by_ids(conn, _viewer(viewer), ids)
    focus = next((p for p in visible if p.id == post_id), None)
    if focus is None:
        raise NotFound("no such post")
    return focus, sorted(visible, key=lambda p: p.id)


async def bookmarks(ctx: NodeContext, account: Account) -> list[PostView]:
    async with ctx.db.connection() as conn:
        ids = await post_extras.flagged_posts(conn, "bookmarks", account.id)
        return await store.by_ids(conn, account.id, ids[:100])


@dataclass(frozen=True, slots=True)
class MediaView:
    url: str
    preview_url: str
    description: str
    width: int | None
    height: int | None


async def media_views(ctx: NodeContext, post_ids: list[int]) -> dict[int, list[MediaView]]:
    """Images of these posts, for display (remote ones hot-linked, shown with size caps)."""
    if not post_ids:
        return {}
    found = await media_for_posts(ctx, post_ids)
    views: dict[int, list[MediaView]] = {}
    for post_id, items in found.items():
        for item in items:
            url, preview = media_urls(ctx.urls, item)
            views.setdefault(post_id, []).append(
                MediaView(url, preview or url, item.description, item.width, item.height)
            )
    return views


async def visible_posts(ctx: NodeContext, viewer: Account | None, ids: list[int]) -> list[PostView]:
    """These posts, newest first, keeping only those the viewer may see (the client API's
    lookup by id: the same visibility rule as threads and timelines)."""
    if not ids:
        return []
    async with ctx.db.connection() as conn:
        return await store.by_ids(conn, _viewer(viewer), ids)


async def tags_and_mentions(
    ctx: NodeContext, post_ids: list[int]
) -> tuple[dict[int, list[str]], dict[int, list[post_extras.StoredMention]]]:
    """Each post's hashtags and mentions (call with posts the viewer may see)."""
    if not post_ids:
        return {}, {}
    async with ctx.db.connection() as conn:
        tags = await post_extras.hashtags_of(conn, post_ids)
        mentions = await post_extras.mentions_of(conn, post_ids)
    return tags, mentions
