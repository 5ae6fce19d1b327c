"""From a local person: follow and unfollow people on other servers."""

from __future__ import annotations

from federation.render import render_follow, render_undo
from federation.render_docs import ActivityRef
from node.domain.accounts import Account
from node.domain.errors import Forbidden, NotFound
from node.domain.groups import JoinOutcome
from node.domain.groups import join_outcome as outcome_of
from node.services.actors import directory
from node.services.kernel import federate
from node.services.kernel.context import NodeContext
from node.storage.accounts import accounts as account_store
from node.storage.actors.remote_actors import RemoteActor
from node.storage.groups import groups as group_store
from node.storage.pool import Conn
from node.storage.social import blocks as block_store
from node.storage.social import follows as store
from node.storage.social import notifications
from node.storage.social.follows import Follow


async def follow(ctx: NodeContext, account: Account, target: str) -> Follow:
    """Follow `@name@host` or an actor URL: a pending follow until the remote side accepts."""
    local = await _local_target(ctx, target)
    if local is not None:
        return await _follow_local(ctx, account, local)
    remote = await directory.find_actor(ctx, target)
    activity_id = ctx.urls.new_activity()
    async with ctx.db.transaction() as conn:
        if await block_store.either_blocks(conn, account.id, other_remote=remote.id):
            raise Forbidden("you block this person: unblock them first")
        existing = await store.get_local_to_remote(conn, account.id, remote.id)
        if existing is not None and existing.state == "accepted":
            return existing
        row = await store.insert_follow(
            conn, activity_uri=activity_id, state="pending",
            follower_account=account.id, followee_remote=remote.id,
        )  # fmt: skip
        await federate.send(ctx, conn, federate.Sender.of(ctx.urls, account), render_follow,
                            remote.uri, federate.Audience.person(remote.uri),
                            activity_id=activity_id)  # fmt: skip
    return row


async def unfollow(ctx: NodeContext, account: Account, target: str) -> None:
    local = await _local_target(ctx, target)
    if local is not None:
        async with ctx.db.transaction() as conn:
            await store.delete_local_follow(conn, account.id, local.id)
        return
    remote = await directory.find_actor(ctx, target)
    me = ctx.urls.actor(account.username)
    async with ctx.db.transaction() as conn:
        existing = await store.get_local_to_remote(conn, account.id, remote.id)
        if existing is None:
            raise NotFound(f"you do not follow {target}")
        await store.delete_follow(conn, existing.id)
        ref = ActivityRef(existing.activity_uri, "Follow", me, remote.uri)
        await federate.send(ctx, conn, federate.Sender.of(ctx.urls, account), render_undo, ref,
                            federate.Audience.person(remote.uri))  # fmt: skip


async def _local_target(ctx: NodeContext, target: str) -> Account | None:
    """The local person `target` names (`@name`, `@name@our-host`, our actor or profile URL)."""
    text = target.strip()
    username = ctx.urls.username_of_actor(text)
    if username is None and text.startswith(ctx.urls.base + "/@"):
        username = text[len(ctx.urls.base) + 2 :]
    if username is None and not text.startswith(("http://", "https://")):
        name, _, host = text.lstrip("@").partition("@")
        if not host or host.lower() == ctx.urls.host.lower():
            username = name
    if not username:
        return None
    async with ctx.db.connection() as conn:
        found = await account_store.get_active_account_by_username(conn, username)
    if found is None and (text.startswith(ctx.urls.base) or "@" not in text.lstrip("@")):
        raise NotFound(f"no one called {target} here")
    return found


async def _follow_local(ctx: NodeContext, account: Account, followee: Account) -> Follow:
    if followee.id == account.id:
        raise NotFound("you cannot follow yourself")
    async with ctx.db.transaction() as conn:
        # Either side's block ends follows (services.blocks) and keeps them ended.
        if await block_store.either_blocks(conn, account.id, other_account=followee.id):
            raise Forbidden("This action is not allowed")
        locked = await account_store.is_locked(conn, followee.id)
        if followee.is_group:  # joining a group here: its join policy decides
            outcome = await join_outcome(conn, followee.id, ctx.urls.actor(account.username))
            if outcome == "refused":
                raise Forbidden("this group is by invitation only")
            locked = outcome == "pending"
        row = await store.insert_follow(
            conn, activity_uri=ctx.urls.new_activity(),
            state="pending" if locked else "accepted",
            follower_account=account.id, followee_account=followee.id,
        )  # fmt: skip
        kind = "follow_request" if row.state == "pending" else "follow"
        if not followee.is_group:
            await notifications.notify(conn, followee.id, kind, from_account=account.id)
        elif row.state == "pending":
            await notifications.notify_group_moderators(conn, followee.id, from_account=account.id)
    return row


# How many follows a relationship lookup between two local people reads: storage has a pair
# lookup only for remote actors, so local pairs are found in these lists.
_RELATIONSHIP_SCAN = 5000


async def relationship(
    ctx: NodeContext, account: Account, *, local: Account | None = None,
    remote: RemoteActor | None = None,
) -> tuple[bool, bool, bool]:  # fmt: skip
    """(following, requested, followed_by) between `account` and one other person, here
    (`local`) or elsewhere (`remote`)."""
    async with ctx.db.connection() as conn:
        if remote is not None:
            mine = await store.get_local_to_remote(conn, account.id, remote.id)
            theirs = await store.get_remote_to_local(conn, remote.id, account.id)
            return (
                mine is not None and mine.state == "accepted",
                mine is not None and mine.state == "pending",
                theirs is not None and theirs.state == "accepted",
            )
        if local is None or local.id == account.id:
            return False, False, False
        _, following = await store.list_following_uris(conn, account.id, _RELATIONSHIP_SCAN, 0)
        _, followers = await store.list_followers_uris(conn, account.id, _RELATIONSHIP_SCAN, 0)
        pending = await store.pending_remote_followers(conn, local.id)
    name = local.username.lower()
    requested = any(not uri and handle.lower() == account.username.lower()
                    for _, uri, handle, _ in pending)  # fmt: skip
    return (
        any(uri.lower() == f"local:{name}" for uri in following),
        requested,
        any(uri.lower() == f"local:{name}" for uri in followers),
    )


async def join_outcome(conn: Conn, group_id: int, actor_uri: str) -> JoinOutcome:
    """What a Follow of our group becomes under its join policy (an invitation lets one in)."""
    group = await group_store.get_group(conn, group_id)
    if group is None:
        return "refused"
    invited = await group_store.is_invited(conn, group_id, actor_uri)
    return outcome_of(group.settings.join_policy, invited)
