"""From a local person: block and unblock someone here or elsewhere (Mastodon's BlockService).

A block ends the follows both ways (and so the blocked person's place on the blocker's lists);
the visibility rule (node.storage.visibility) then hides the blocker's posts from the blocked,
and the blocked person's posts from the blocker's timelines. For someone elsewhere, their
server is told: an Undo of our follow, a Reject of theirs (Mastodon's UnfollowService does the
same), and the Block itself, so that Mastodon hides them from each other there too.
"""

from __future__ import annotations

from federation.render import render_block, render_reject, render_undo
from federation.render_docs import ActivityRef
from node.domain.accounts import Account
from node.domain.errors import ValidationFailed
from node.services.kernel import federate
from node.services.kernel.context import NodeContext
from node.storage.actors.remote_actors import RemoteActor
from node.storage.pool import Conn
from node.storage.social import blocks as store
from node.storage.social import follows as follow_store
from node.storage.social.blocks import Block, SafetyFlags

PAGE = 40

__all__ = ["PAGE", "Block", "SafetyFlags", "block", "list_blocks", "safety", "unblock"]


async def block(
    ctx: NodeContext, account: Account, *, local: Account | None = None,
    remote: RemoteActor | None = None,
) -> None:  # fmt: skip
    """Block a person here (`local`) or elsewhere (`remote`); blocking again changes nothing."""
    if local is not None:
        if local.id == account.id:
            raise ValidationFailed("account", "you cannot block yourself")
        async with ctx.db.transaction() as conn:
            await store.insert_block(conn, account.id, blocked_account=local.id)
            await follow_store.delete_local_follow(conn, account.id, local.id)
            await follow_store.delete_local_follow(conn, local.id, account.id)
        return
    if remote is None:
        raise ValueError("block whom? pass local or remote")
    block_id = ctx.urls.new_activity()
    me = federate.Sender.of(ctx.urls, account)
    async with ctx.db.transaction() as conn:
        added = await store.insert_block(
            conn, account.id, blocked_remote=remote.id, activity_uri=block_id
        )
        await _end_remote_follows(ctx, conn, account, remote)
        if added:
            to_them = federate.Audience.person(remote.uri)
            await federate.send(ctx, conn, me, render_block, remote.uri, to_them,
                                activity_id=block_id)  # fmt: skip


async def _end_remote_follows(
    ctx: NodeContext, conn: Conn, account: Account, remote: RemoteActor
) -> None:
    me = federate.Sender.of(ctx.urls, account)
    to_them = federate.Audience.person(remote.uri)
    mine = await follow_store.get_local_to_remote(conn, account.id, remote.id)
    if mine is not None:
        await follow_store.delete_follow(conn, mine.id)
        ref = ActivityRef(mine.activity_uri, "Follow", me.uri, remote.uri)
        await federate.send(ctx, conn, me, render_undo, ref, to_them)
    theirs = await follow_store.get_remote_to_local(conn, remote.id, account.id)
    if theirs is not None:
        await follow_store.delete_follow(conn, theirs.id)
        ref = ActivityRef(theirs.activity_uri, "Follow", remote.uri, me.uri)
        await federate.send(ctx, conn, me, render_reject, ref, to_them)


async def unblock(
    ctx: NodeContext, account: Account, *, local: Account | None = None,
    remote: RemoteActor | None = None,
) -> None:  # fmt: skip
    """Lift a block (follows are not restored, as on Mastodon); elsewhere, Undo the Block."""
    async with ctx.db.transaction() as conn:
        if local is not None:
            await store.delete_block(conn, account.id, blocked_account=local.id)
            return
        if remote is None:
            raise ValueError("unblock whom? pass local or remote")
        removed = await store.delete_block(conn, account.id, blocked_remote=remote.id)
        if removed is None or removed.activity_uri is None:
            return
        me = federate.Sender.of(ctx.urls, account)
        ref = ActivityRef(removed.activity_uri, "Block", me.uri, remote.uri)
        await federate.send(ctx, conn, me, render_undo, ref, federate.Audience.person(remote.uri))


async def list_blocks(ctx: NodeContext, account: Account, max_id: int | None = None) -> list[Block]:
    async with ctx.db.connection() as conn:
        return await store.list_blocks(conn, account.id, PAGE, max_id)


async def safety(
    ctx: NodeContext, account: Account, *, local: Account | None = None,
    remote: RemoteActor | None = None,
) -> SafetyFlags:  # fmt: skip
    """Blocking, blocked by, muting (and muting notifications) between `account` and one
    other person: the Relationship's safety fields."""
    if local is not None and local.id == account.id:
        return SafetyFlags(blocking=False, blocked_by=False, muting=False,
                           muting_notifications=False)  # fmt: skip
    async with ctx.db.connection() as conn:
        return await store.safety_flags(
            conn, account.id, other_account=local.id if local else None,
            other_remote=remote.id if remote else None,
        )  # fmt: skip
