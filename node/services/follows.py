"""From a local person: follow and unfollow people on other servers."""

from __future__ import annotations

from federation.render import render_follow, render_undo
from federation.render_docs import ActivityDoc, ActivityRef
from node.domain.accounts import Account
from node.domain.errors import NotFound
from node.services import directory, federate
from node.services.context import NodeContext
from node.storage import follows as store
from node.storage.follows import Follow


async def follow(ctx: NodeContext, account: Account, target: str) -> Follow:
    """Follow `@name@host` or an actor URL: a pending follow until the remote side accepts."""
    remote = await directory.find_actor(ctx, target)
    activity_id = ctx.urls.new_activity()
    me = ctx.urls.actor(account.username)
    async with ctx.db.transaction() as conn:
        existing = await store.get_local_to_remote(conn, account.id, remote.id)
        if existing is not None and existing.state == "accepted":
            return existing
        row = await store.insert_follow(
            conn, activity_uri=activity_id, state="pending",
            follower_account=account.id, followee_remote=remote.id,
        )  # fmt: skip
        activity = render_follow(
            ActivityDoc(id=activity_id, actor=me, to=(remote.uri,)), remote.uri
        )
        await federate.enqueue(conn, activity, account_id=account.id, inboxes=[remote.inbox])
    return row


async def unfollow(ctx: NodeContext, account: Account, target: str) -> None:
    remote = await directory.find_actor(ctx, target)
    me = ctx.urls.actor(account.username)
    async with ctx.db.transaction() as conn:
        existing = await store.get_local_to_remote(conn, account.id, remote.id)
        if existing is None:
            raise NotFound(f"you do not follow {target}")
        await store.delete_follow(conn, existing.id)
        undo = render_undo(
            ActivityDoc(id=ctx.urls.new_activity(), actor=me, to=(remote.uri,)),
            ActivityRef(existing.activity_uri, "Follow", me, remote.uri),
        )
        await federate.enqueue(conn, undo, account_id=account.id, inboxes=[remote.inbox])
