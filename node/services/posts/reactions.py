"""From a local person: like, boost, bookmark and pin posts, and take each back."""

from __future__ import annotations

from federation.render import (
    render_add,
    render_announce,
    render_like,
    render_remove,
    render_undo,
)
from federation.render_docs import ActivityDoc, ActivityRef
from federation.vocab import PUBLIC
from node.domain.accounts import Account
from node.domain.errors import NotFound
from node.domain.policies import may_see
from node.services.kernel import federate
from node.services.kernel.context import NodeContext
from node.storage.pool import Conn
from node.storage.posts import extras as extras_store
from node.storage.posts import posts as store
from node.storage.posts import visibility_facts
from node.storage.posts.posts import Post
from node.storage.social import follows as follow_store
from node.storage.social import notifications


async def _visible_post(conn: Conn, account: Account, post_id: int) -> Post:
    post = await store.get_post(conn, post_id)
    if post is None:
        raise NotFound("no such post")
    viewer = await visibility_facts.viewer_facts(conn, post, account_id=account.id)
    if not may_see(visibility_facts.post_facts(post), viewer):
        raise NotFound("no such post")
    return post


async def like(ctx: NodeContext, account: Account, post_id: int) -> None:
    await _react(ctx, account, post_id, "likes")


async def boost(ctx: NodeContext, account: Account, post_id: int) -> None:
    await _react(ctx, account, post_id, "boosts")


async def _react(ctx: NodeContext, account: Account, post_id: int, table: str) -> None:
    me = ctx.urls.actor(account.username)
    activity_id = ctx.urls.new_activity()
    async with ctx.db.transaction() as conn:
        post = await _visible_post(conn, account, post_id)
        if table == "boosts" and post.visibility not in {"public", "unlisted"}:
            raise NotFound("only public and unlisted posts can be boosted")
        if not await store.add_reaction(conn, table, post.id, activity_id, account_id=account.id):
            return
        if post.author_account is not None:
            kind = "like" if table == "likes" else "boost"
            await notifications.notify(conn, post.author_account, kind,
                                       from_account=account.id, post_id=post.id)  # fmt: skip
        if post.local_only:
            return
        inboxes = []
        author_inbox = await follow_store.remote_author_inbox(conn, post.id)
        if author_inbox:
            inboxes.append(author_inbox)
        if table == "likes":
            activity = render_like(ActivityDoc(id=activity_id, actor=me), post.uri)
        else:
            inboxes += await follow_store.follower_inboxes(conn, account.id)
            meta = ActivityDoc(id=activity_id, actor=me, to=(PUBLIC,),
                               cc=(ctx.urls.followers(account.username),))  # fmt: skip
            activity = render_announce(meta, post.uri)
        await federate.enqueue(conn, activity, account_id=account.id, inboxes=inboxes)


async def unlike(ctx: NodeContext, account: Account, post_id: int) -> None:
    await _unreact(ctx, account, post_id, "likes", "Like")


async def unboost(ctx: NodeContext, account: Account, post_id: int) -> None:
    await _unreact(ctx, account, post_id, "boosts", "Announce")


async def _unreact(ctx: NodeContext, account: Account, post_id: int, table: str, kind: str) -> None:
    me = ctx.urls.actor(account.username)
    async with ctx.db.transaction() as conn:
        post = await _visible_post(conn, account, post_id)
        activity_uri = await store.remove_own_reaction(conn, table, post.id, account.id)
        if activity_uri is None or post.local_only:
            return
        inboxes = []
        author_inbox = await follow_store.remote_author_inbox(conn, post.id)
        if author_inbox:
            inboxes.append(author_inbox)
        if table == "boosts":
            inboxes += await follow_store.follower_inboxes(conn, account.id)
        undo = render_undo(ActivityDoc(id=ctx.urls.new_activity(), actor=me),
                           ActivityRef(activity_uri, kind, me, post.uri))  # fmt: skip
        await federate.enqueue(conn, undo, account_id=account.id, inboxes=inboxes)


async def set_bookmark(ctx: NodeContext, account: Account, post_id: int, on: bool) -> None:
    async with ctx.db.transaction() as conn:
        post = await _visible_post(conn, account, post_id)
        await extras_store.set_flag(conn, "bookmarks", account.id, post.id, on)


async def set_pin(ctx: NodeContext, account: Account, post_id: int, on: bool) -> None:
    """Pin one of your own public or unlisted posts to your profile (the featured collection)."""
    async with ctx.db.transaction() as conn:
        post = await store.get_post(conn, post_id)
        if post is None or post.author_account != account.id:
            raise NotFound("you can only pin your own posts")
        if on and post.visibility not in {"public", "unlisted"}:
            raise NotFound("only public and unlisted posts can be pinned")
        await extras_store.set_flag(conn, "pins", account.id, post.id, on)
        if post.local_only:
            return
        # Mastodon announces pins as Add/Remove to the featured collection (interop §5.1).
        me = ctx.urls.actor(account.username)
        meta = ActivityDoc(id=ctx.urls.new_activity(), actor=me, to=(PUBLIC,),
                           cc=(ctx.urls.followers(account.username),))  # fmt: skip
        render = render_add if on else render_remove
        activity = render(meta, post.uri, ctx.urls.featured(account.username))
        inboxes = await follow_store.follower_inboxes(conn, account.id)
        await federate.enqueue(conn, activity, account_id=account.id, inboxes=inboxes)
