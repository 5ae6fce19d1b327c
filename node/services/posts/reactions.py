"""From a local person: like, boost, bookmark and pin posts, and take each back."""

from __future__ import annotations

from federation.render import (
    render_add,
    render_announce,
    render_like,
    render_remove,
    render_undo,
)
from federation.render_docs import ActivityRef
from federation.vocab import PUBLIC
from node.domain.accounts import Account
from node.domain.errors import NotFound
from node.services.kernel import federate
from node.services.kernel.context import NodeContext
from node.services.posts.visible import visible_post
from node.storage.posts import extras as extras_store
from node.storage.posts import posts as store
from node.storage.social import follows as follow_store
from node.storage.social import notifications


async def like(ctx: NodeContext, account: Account, post_id: int) -> None:
    await _react(ctx, account, post_id, "likes")


async def boost(ctx: NodeContext, account: Account, post_id: int) -> None:
    await _react(ctx, account, post_id, "boosts")


async def _react(ctx: NodeContext, account: Account, post_id: int, table: str) -> None:
    me = federate.Sender.of(ctx.urls, account)
    activity_id = ctx.urls.new_activity()
    async with ctx.db.transaction() as conn:
        post = await visible_post(conn, account, post_id)
        if table == "boosts" and post.visibility not in {"public", "unlisted"}:
            raise NotFound("only public and unlisted posts can be boosted")
        if not await store.add_reaction(conn, table, post.id, activity_id, account_id=account.id):
            return
        if post.author_account is not None:
            kind = "like" if table == "likes" else "boost"
            await notifications.notify(conn, post.author_account, kind,
                                       from_account=account.id, post_id=post.id)  # fmt: skip
        author = await follow_store.remote_author_uri(conn, post.id)
        authors = (author,) if author else ()
        if table == "likes":  # to the author alone, addressed to nobody (as Mastodon's)
            await federate.send(ctx, conn, me, render_like, post.uri,
                                federate.Audience(actors=authors), activity_id=activity_id,
                                local_only=post.local_only)  # fmt: skip
            return
        audience = federate.Audience(to=(PUBLIC,), cc=(ctx.urls.followers(account.username),),
                                     followers=True, actors=authors)  # fmt: skip
        await federate.send(ctx, conn, me, render_announce, post.uri, audience,
                            activity_id=activity_id, local_only=post.local_only)  # fmt: skip


async def unlike(ctx: NodeContext, account: Account, post_id: int) -> None:
    await _unreact(ctx, account, post_id, "likes", "Like")


async def unboost(ctx: NodeContext, account: Account, post_id: int) -> None:
    await _unreact(ctx, account, post_id, "boosts", "Announce")


async def _unreact(ctx: NodeContext, account: Account, post_id: int, table: str, kind: str) -> None:
    me = federate.Sender.of(ctx.urls, account)
    async with ctx.db.transaction() as conn:
        post = await visible_post(conn, account, post_id)
        activity_uri = await store.remove_own_reaction(conn, table, post.id, account.id)
        if activity_uri is None:
            return
        author = await follow_store.remote_author_uri(conn, post.id)
        audience = federate.Audience(actors=(author,) if author else (),
                                     followers=table == "boosts")  # fmt: skip
        await federate.send(ctx, conn, me, render_undo, ActivityRef(activity_uri, kind, me.uri,
                            post.uri), audience, local_only=post.local_only)  # fmt: skip


async def set_bookmark(ctx: NodeContext, account: Account, post_id: int, on: bool) -> None:
    async with ctx.db.transaction() as conn:
        post = await visible_post(conn, account, post_id)
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
        # Mastodon announces pins as Add/Remove to the featured collection (interop §5.1).
        render = render_add if on else render_remove
        featured = ctx.urls.featured(account.username)
        audience = federate.Audience(to=(PUBLIC,), cc=(ctx.urls.followers(account.username),),
                                     followers=True)  # fmt: skip
        await federate.send(ctx, conn, federate.Sender.of(ctx.urls, account),
                            lambda meta, uri: render(meta, uri, featured), post.uri, audience,
                            local_only=post.local_only)  # fmt: skip
