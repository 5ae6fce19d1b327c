"""From a server: follows. A Follow of one of our people (or groups), the Accept or Reject of
a follow we sent, the Undo of a follow, and a Block of one of our people.

Handlers resolve the remote actor first and return the writes the inbox worker runs in the
transaction that marks the activity done (node.services.kernel.received).
"""

from __future__ import annotations

import logging

from federation.parse_types import Activity
from federation.render import render_accept, render_reject
from federation.render_docs import ActivityRef
from node.services.actors import directory
from node.services.kernel import federate
from node.services.kernel.context import NodeContext
from node.services.kernel.received import Received, Rejected, Write
from node.services.social.follows import join_outcome
from node.storage.accounts import accounts as account_store
from node.storage.actors import remote_actors as actor_store
from node.storage.actors.remote_actors import RemoteActor
from node.storage.pool import Conn
from node.storage.social import blocks as block_store
from node.storage.social import follows as follow_store
from node.storage.social import notifications
from node.storage.social.follows import Follow

log = logging.getLogger(__name__)


async def _about_our_person(ctx: NodeContext, received: Received) -> tuple[str, RemoteActor]:
    """(the username of ours the activity's object names, the actor), or Rejected."""
    activity = received.activity
    username = ctx.urls.username_of_actor(activity.object_id or "")
    if username is None:
        raise Rejected(f"{activity.type} of something that is not one of our people")
    return username, await directory.get_actor(ctx, activity.actor)


async def on_follow(ctx: NodeContext, received: Received) -> Write:
    activity = received.activity
    username, follower = await _about_our_person(ctx, received)

    async def write(conn: Conn) -> None:
        account = await account_store.get_account_by_username(conn, username)
        if account is None:
            raise Rejected(f"no local account {username}")
        if await block_store.either_blocks(conn, account.id, other_remote=follower.id):
            # Someone our person blocks: refused, so nothing of theirs is delivered to them.
            await _answer(ctx, conn, activity, account.id, username, follower, accept=False)
            return
        locked = await account_store.is_locked(conn, account.id)
        if account.is_group:
            outcome = await join_outcome(conn, account.id, follower.uri)
            if outcome == "refused":  # an invite-only group (FEP-1b12 MAY Reject)
                await _answer(ctx, conn, activity, account.id, username, follower, accept=False)
                return
            locked = outcome == "pending"
        follow = await follow_store.insert_follow(
            conn, activity_uri=activity.id, state="pending" if locked else "accepted",
            follower_remote=follower.id, followee_account=account.id,
        )  # fmt: skip
        if account.is_group and follow.state == "pending":
            await notifications.notify_group_moderators(conn, account.id, from_remote=follower.id)
        elif not account.is_group:
            kind = "follow" if follow.state == "accepted" else "follow_request"
            await notifications.notify(conn, account.id, kind, from_remote=follower.id)
        if follow.state == "accepted":
            await _answer(ctx, conn, activity, account.id, username, follower, accept=True)

    return write


async def _answer(
    ctx: NodeContext, conn: Conn, follow: Activity, account_id: int, username: str,
    follower: RemoteActor, *, accept: bool,
) -> None:  # fmt: skip
    me = federate.Sender(ctx.urls.actor(username), account_id)
    ref = ActivityRef(follow.id, "Follow", follower.uri, me.uri)
    render = render_accept if accept else render_reject
    await federate.send(ctx, conn, me, render, ref, federate.Audience.person(follower.uri))


async def answered_follow(ctx: NodeContext, activity: Activity) -> tuple[Follow, RemoteActor]:
    """The follow we sent that an Accept or Reject answers, and its followee, who alone may
    answer it."""
    async with ctx.db.connection() as conn:
        follow = await follow_store.get_follow_by_activity(conn, activity.object_id or "")
        if follow is None or follow.followee_remote is None:
            raise Rejected(f"{activity.type} of a follow we did not send")
        followee = await actor_store.get_remote_actor(conn, follow.followee_remote)
    if followee is None or followee.uri != activity.actor:
        raise Rejected(f"{activity.type} from someone other than the followee")
    return follow, followee


def accept_follow(follow: Follow) -> Write:
    async def write(conn: Conn) -> None:
        await follow_store.set_state(conn, follow.id, "accepted")

    return write


async def on_reject_follow(ctx: NodeContext, received: Received) -> Write:
    follow, _followee = await answered_follow(ctx, received.activity)

    async def write(conn: Conn) -> None:
        await follow_store.delete_follow(conn, follow.id)

    return write


async def on_undo_follow(ctx: NodeContext, received: Received) -> Write:
    return undo_follow(ctx, received)


def undo_follow(ctx: NodeContext, received: Received) -> Write:
    """The signer stops following one of our people: by the Follow's id, or (when the id is
    not one we stored) by who the embedded Follow names."""
    activity = received.activity
    inner = activity.object

    async def write(conn: Conn) -> None:
        actor = await actor_store.get_remote_actor_by_uri(conn, activity.actor)
        if actor is None:
            return
        follow = await follow_store.get_follow_by_activity(conn, activity.object_id or "")
        if follow is not None and follow.follower_remote == actor.id:
            await follow_store.delete_follow(conn, follow.id)
            return
        if not isinstance(inner, Activity):
            return
        username = ctx.urls.username_of_actor(inner.object_id or "")
        account = await account_store.get_account_by_username(conn, username or "")
        if account is None:
            return
        found = await follow_store.get_remote_to_local(conn, actor.id, account.id)
        if found is not None:
            await follow_store.delete_follow(conn, found.id)

    return write


async def on_block(ctx: NodeContext, received: Received) -> Write:
    """Someone elsewhere blocks one of our people: follows between them end both ways, as
    Mastodon's BlockService does on the receiving side. Nothing else is kept."""
    username, blocker = await _about_our_person(ctx, received)

    async def write(conn: Conn) -> None:
        account = await account_store.get_account_by_username(conn, username)
        if account is None:
            return
        for follow in (
            await follow_store.get_local_to_remote(conn, account.id, blocker.id),
            await follow_store.get_remote_to_local(conn, blocker.id, account.id),
        ):
            if follow is not None:
                await follow_store.delete_follow(conn, follow.id)
        log.info("%s blocked @%s: follows between them ended", blocker.uri, username)

    return write
