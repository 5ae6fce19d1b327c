"""Follow requests to a locked account: list, approve (Accept), reject (Reject)."""

from __future__ import annotations

from dataclasses import dataclass

from federation.render import render_accept, render_reject
from federation.render_docs import ActivityRef
from node.domain.accounts import Account
from node.domain.errors import NotFound
from node.services.kernel import federate
from node.services.kernel.context import NodeContext
from node.storage.accounts import accounts as account_store
from node.storage.social import follows as store


@dataclass(frozen=True, slots=True)
class FollowRequest:
    follow_id: int
    actor_uri: str
    handle: str
    display_name: str


async def set_locked(ctx: NodeContext, account: Account, locked: bool) -> None:
    async with ctx.db.transaction() as conn:
        await account_store.set_locked(conn, account.id, locked)


async def pending_requests(ctx: NodeContext, account: Account) -> list[FollowRequest]:
    async with ctx.db.connection() as conn:
        rows = await store.pending_remote_followers(conn, account.id)
    return [FollowRequest(*row) for row in rows]


async def approve(ctx: NodeContext, account: Account, follow_id: int) -> None:
    await _answer(ctx, account, follow_id, accept=True)


async def reject(ctx: NodeContext, account: Account, follow_id: int) -> None:
    await _answer(ctx, account, follow_id, accept=False)


async def _answer(ctx: NodeContext, account: Account, follow_id: int, *, accept: bool) -> None:
    me = federate.Sender.of(ctx.urls, account)
    async with ctx.db.transaction() as conn:
        request = await store.get_pending_request(conn, follow_id, account.id)
        if request is None:
            raise NotFound("no such follow request")
        follow, follower_uri = request
        if accept:
            await store.set_state(conn, follow.id, "accepted")
        else:
            await store.delete_follow(conn, follow.id)
        if follow.follower_account is not None:
            return  # a follower on this node: nothing to send
        ref = ActivityRef(follow.activity_uri, "Follow", follower_uri, me.uri)
        render = render_accept if accept else render_reject
        await federate.send(ctx, conn, me, render, ref, federate.Audience.person(follower_uri))
