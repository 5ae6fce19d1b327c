"""Lists made of reactions: a person's bookmarks and likes, someone's pinned posts, and who
liked or boosted a post.

Every post listed is read back through services.timelines (the same visibility rule as every
timeline), so a bookmarked post that has since become invisible to its bookmarker is left out,
and the people of a post are only listed to someone who may see the post.
"""

from __future__ import annotations

from dataclasses import dataclass

from node.domain.accounts import Account, AccountId
from node.domain.errors import NotFound
from node.services.kernel.context import NodeContext
from node.services.kernel.paging import PeoplePage
from node.services.posts import timelines
from node.storage.accounts import accounts as account_store
from node.storage.actors import remote_actors as actor_store
from node.storage.actors.remote_actors import RemoteActor
from node.storage.pool import Conn
from node.storage.posts import extras as post_extras
from node.storage.posts import reaction_lists as store
from node.storage.posts.reaction_lists import Cursor, Flagged, Reactor
from node.storage.posts.timelines import PostView

__all__ = ["Cursor", "PeoplePage", "PostPage", "bookmarked", "boosters", "liked", "likers",
           "pinned"]  # fmt: skip


@dataclass(frozen=True, slots=True)
class PostPage:
    posts: list[PostView]  # the visible ones, in the list's order
    cursors: list[int]  # every bookmark or like of the page, newest first: where to go on from


async def bookmarked(ctx: NodeContext, account: Account, cursor: Cursor) -> PostPage:
    """The person's bookmarked posts, newest bookmark first."""
    async with ctx.db.connection() as conn:
        page = await store.bookmarks_page(conn, account.id, cursor)
    return await _posts(ctx, account, page)


async def liked(ctx: NodeContext, account: Account, cursor: Cursor) -> PostPage:
    """The posts the person liked, newest like first."""
    async with ctx.db.connection() as conn:
        page = await store.likes_page(conn, account.id, cursor)
    return await _posts(ctx, account, page)


async def _posts(ctx: NodeContext, viewer: Account, page: list[Flagged]) -> PostPage:
    visible = await _in_order(ctx, viewer, [f.post_id for f in page])
    return PostPage(visible, [f.id for f in page])


async def pinned(ctx: NodeContext, viewer: Account | None, author: Account) -> list[PostView]:
    """The author's pinned posts the viewer may see, latest pin first."""
    async with ctx.db.connection() as conn:
        ids = await post_extras.flagged_posts(conn, "pins", author.id)
    return await _in_order(ctx, viewer, ids)


async def _in_order(ctx: NodeContext, viewer: Account | None, ids: list[int]) -> list[PostView]:
    by_id = {p.id: p for p in await timelines.visible_posts(ctx, viewer, ids)}
    return [by_id[i] for i in ids if i in by_id]


async def likers(
    ctx: NodeContext, viewer: Account | None, post_id: int, cursor: Cursor
) -> PeoplePage:
    """Who liked the post, latest first; NotFound unless the viewer may see the post."""
    return await _reactors(ctx, viewer, post_id, "likes", cursor)


async def boosters(
    ctx: NodeContext, viewer: Account | None, post_id: int, cursor: Cursor
) -> PeoplePage:
    """Who boosted the post, latest first; NotFound unless the viewer may see the post."""
    return await _reactors(ctx, viewer, post_id, "boosts", cursor)


async def _reactors(
    ctx: NodeContext, viewer: Account | None, post_id: int, table: str, cursor: Cursor
) -> PeoplePage:
    if not await timelines.visible_posts(ctx, viewer, [post_id]):
        raise NotFound("no such post")
    async with ctx.db.connection() as conn:
        page = await store.reactors_page(conn, table, post_id, cursor)
        people = [await _person(conn, r) for r in page]
    return PeoplePage([p for p in people if p is not None], [r.id for r in page])


async def _person(conn: Conn, reactor: Reactor) -> Account | RemoteActor | None:
    if reactor.account_id is not None:
        return await account_store.get_account(conn, AccountId(reactor.account_id))
    return await actor_store.get_remote_actor(conn, reactor.remote_id or 0)
