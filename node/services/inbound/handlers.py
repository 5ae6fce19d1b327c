"""One handler per inbound activity type. Each verifies before it writes (STYLE.md)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from federation.http import Fetched
from federation.parse import parse_object
from federation.parse_types import Activity, Actor, Object
from federation.render import render_accept, render_reject
from federation.render_docs import ActivityDoc, ActivityRef
from federation.vocab import host_of, visibility_of
from node.domain.text import normalise_tag
from node.services.actors import directory
from node.services.groups import inbound as group_inbound
from node.services.groups import pins as group_pins
from node.services.groups.collections import backfill
from node.services.kernel import federate
from node.services.kernel.context import NodeContext
from node.services.kernel.instance import instance_signer
from node.services.posts import media, polls
from node.services.social import follows
from node.storage.accounts import accounts as account_store
from node.storage.actors import remote_actors as actor_store
from node.storage.actors.remote_actors import RemoteActor
from node.storage.pool import Conn
from node.storage.posts import extras as extras_store
from node.storage.posts import polls as poll_store
from node.storage.posts import posts as post_store
from node.storage.posts.extras import StoredMention
from node.storage.posts.posts import Post, PostFields
from node.storage.social import blocks as block_store
from node.storage.social import follows as follow_store
from node.storage.social import notifications

log = logging.getLogger(__name__)

MAX_REPLY_DEPTH = 3


class Rejected(Exception):
    """The activity is invalid or not allowed; it is dropped with this reason."""


Handler = Callable[[NodeContext, Activity], Awaitable[None]]


async def on_follow(ctx: NodeContext, activity: Activity) -> None:
    username = ctx.urls.username_of_actor(activity.object_id or "")
    if username is None:
        raise Rejected("Follow of something that is not one of our people")
    follower = await directory.get_actor(ctx, activity.actor)
    async with ctx.db.transaction() as conn:
        account = await account_store.get_account_by_username(conn, username)
        if account is None:
            raise Rejected(f"no local account {username}")
        if await block_store.either_blocks(conn, account.id, other_remote=follower.id):
            # Someone our person blocks: refused, so nothing of theirs is delivered to them.
            await _reject_follow(ctx, conn, activity, account.id, username, follower)
            return
        locked = await account_store.is_locked(conn, account.id)
        if account.is_group:
            outcome = await follows.join_outcome(conn, account.id, follower.uri)
            if outcome == "refused":
                await _reject_follow(ctx, conn, activity, account.id, username, follower)
                return
            locked = outcome == "pending"
        follow = await follow_store.insert_follow(
            conn, activity_uri=activity.id, state="pending" if locked else "accepted",
            follower_remote=follower.id, followee_account=account.id,
        )  # fmt: skip
        kind = "follow" if follow.state == "accepted" else "follow_request"
        if account.is_group and follow.state == "pending":
            await notifications.notify_group_moderators(conn, account.id, from_remote=follower.id)
        elif not account.is_group:
            await notifications.notify(conn, account.id, kind, from_remote=follower.id)
        if follow.state == "accepted":
            accept = render_accept(
                ActivityDoc(id=ctx.urls.new_activity(), actor=ctx.urls.actor(username),
                            to=(follower.uri,)),
                ActivityRef(activity.id, "Follow", follower.uri, ctx.urls.actor(username)),
            )  # fmt: skip
            await federate.enqueue(conn, accept, account_id=account.id, inboxes=[follower.inbox])


async def _reject_follow(
    ctx: NodeContext, conn: Conn, follow: Activity, account_id: int, username: str,
    follower: RemoteActor,
) -> None:  # fmt: skip
    """An invite-only group answers an uninvited Follow with Reject (FEP-1b12 MAY)."""
    me = ctx.urls.actor(username)
    reject = render_reject(
        ActivityDoc(id=ctx.urls.new_activity(), actor=me, to=(follower.uri,)),
        ActivityRef(follow.id, "Follow", follower.uri, me),
    )
    await federate.enqueue(conn, reject, account_id=account_id, inboxes=[follower.inbox])


async def on_accept(ctx: NodeContext, activity: Activity) -> None:
    followee = await _answer_to_follow(ctx, activity, accepted=True)
    if followee.actor_type == "Group":
        # Joined a group elsewhere: its earlier threads, from its outbox (as Lemmy does).
        await backfill(ctx, followee, _backfilled)


async def _backfilled(ctx: NodeContext, announce: Activity) -> None:
    """One thread from a group's outbox, applied as if the group had just announced it; one
    that cannot be applied is skipped."""
    try:
        await _on_group_announce(ctx, announce)
    except (Rejected, directory.ActorUnavailable) as error:
        log.info("backfill: %s skipped: %s", announce.id, error)


async def on_reject(ctx: NodeContext, activity: Activity) -> None:
    await _answer_to_follow(ctx, activity, accepted=False)


async def _answer_to_follow(ctx: NodeContext, activity: Activity, *, accepted: bool) -> RemoteActor:
    follow_uri = activity.object_id or ""
    async with ctx.db.transaction() as conn:
        follow = await follow_store.get_follow_by_activity(conn, follow_uri)
        if follow is None or follow.followee_remote is None:
            raise Rejected(f"{activity.type} of a follow we did not send")
        followee = await actor_store.get_remote_actor(conn, follow.followee_remote)
        # Only the followee may answer a follow request.
        if followee is None or followee.uri != activity.actor:
            raise Rejected(f"{activity.type} from someone other than the followee")
        if accepted:
            await follow_store.set_state(conn, follow.id, "accepted")
        else:
            await follow_store.delete_follow(conn, follow.id)
    return followee


async def on_undo(ctx: NodeContext, activity: Activity) -> None:
    inner = activity.object
    inner_id = activity.object_id or ""
    async with ctx.db.transaction() as conn:
        actor = await actor_store.get_remote_actor_by_uri(conn, activity.actor)
        if actor is None:
            return
        follow = await follow_store.get_follow_by_activity(conn, inner_id)
        if follow is not None and follow.follower_remote == actor.id:
            await follow_store.delete_follow(conn, follow.id)
            return
        kind = inner.type if isinstance(inner, Activity) else None
        if kind == "Follow" and isinstance(inner, Activity):
            username = ctx.urls.username_of_actor(inner.object_id or "")
            account = await account_store.get_account_by_username(conn, username or "")
            if account is not None:
                found = await follow_store.get_remote_to_local(conn, actor.id, account.id)
                if found is not None:
                    await follow_store.delete_follow(conn, found.id)
            return
        for table in ("likes", "boosts"):
            await post_store.remove_reaction_by_activity(conn, table, inner_id, actor.id)


async def on_create(ctx: NodeContext, activity: Activity) -> None:
    note = await _trusted_object(ctx, activity)
    if note is None:
        return
    if await _is_poll_vote(ctx, activity, note):
        return
    post = await _store_remote_post(ctx, note, depth=0)
    await group_inbound.announce_received(ctx, post, activity.id)


async def _is_poll_vote(ctx: NodeContext, activity: Activity, note: Object) -> bool:
    """A vote on one of our polls: a Note with a `name` replying to the Question (docs
    "Polls"). It is counted, never stored as a post."""
    if not (note.name and note.in_reply_to and ctx.urls.is_local(note.in_reply_to)):
        return False
    voter = await directory.get_actor(ctx, activity.actor)
    async with ctx.db.transaction() as conn:
        question = await post_store.get_post_by_uri(conn, note.in_reply_to)
        if question is None:
            return False
        counted = await polls.record_remote_vote(conn, question.id, note.name, voter.id, note.id)
    return counted or bool(note.name and not note.content.strip())


async def _trusted_object(ctx: NodeContext, activity: Activity) -> Object | None:
    """The activity's object, fetched from its origin unless it is the actor's own (§2)."""
    obj = activity.object
    embedded_ok = isinstance(obj, Object) and host_of(obj.id) == host_of(activity.actor)
    if isinstance(obj, Object) and embedded_ok:
        if obj.attributed_to != activity.actor:
            raise Rejected("object attributed to someone other than the actor")
        return obj
    if activity.object_id is None:
        raise Rejected("no object")
    fetched = await _fetch_object(ctx, activity.object_id)
    if fetched is None or fetched.attributed_to != activity.actor:
        raise Rejected("object could not be fetched from its origin, or has another author")
    return fetched


async def _fetch_object(ctx: NodeContext, uri: str) -> Object | None:
    if ctx.urls.is_local(uri):
        return None
    got = await ctx.http.fetch_json(uri, signer=await instance_signer(ctx))
    if not isinstance(got, Fetched):
        return None
    parsed = parse_object(got.document)
    if not isinstance(parsed, Object) or host_of(parsed.id) != host_of(got.url):
        return None
    return parsed


async def _store_remote_post(ctx: NodeContext, note: Object, depth: int) -> Post | None:
    """Store a remote post (and fetch missing parents); the new row, None if known."""
    author = await directory.get_actor(ctx, note.attributed_to)
    async with ctx.db.transaction() as conn:
        if await post_store.is_tombstoned(conn, note.id):
            return None  # deleted before it arrived (Mastodon delete_arrived_first?)
        mentioned = [m.href for m in note.mentions]
        visibility = visibility_of(note.to, note.cc, author.followers_uri, mentioned)
        group = await group_inbound.place(ctx, conn, note, author, visibility)
        post = await post_store.insert_post(conn, PostFields(
            uri=note.id, author_remote=author.id, object_type=note.type,
            content_html=note.content, summary=note.summary, sensitive=note.sensitive,
            language=note.language, visibility=group_inbound.stored_visibility(visibility, group),
            in_reply_to_uri=note.in_reply_to, url=note.url, published_at=note.published,
            group_account=group.group_account if group else None,
            group_remote=group.group_remote if group else None,
            title=group.title if group else None, thread_id=group.thread_id if group else None,
        ))  # fmt: skip
        if post is not None:
            await _record_extras(ctx, conn, note, post, author.id)
            await _store_poll(conn, post.id, note)
            await media.store_remote_attachments(conn, post.id, note.attachments)
        parent_known = (
            note.in_reply_to is None
            or ctx.urls.is_local(note.in_reply_to)
            or (await post_store.get_post_by_uri(conn, note.in_reply_to) is not None)
        )
    if not parent_known and note.in_reply_to and depth < MAX_REPLY_DEPTH:
        parent = await _fetch_object(ctx, note.in_reply_to)
        if parent is not None:
            await _store_remote_post(ctx, parent, depth + 1)
    return post


async def _record_extras(
    ctx: NodeContext, conn: Conn, note: Object, post: Post, author_id: int
) -> None:
    """Mentions, hashtags and the notifications they cause for our people."""
    mentions = []
    for mention in note.mentions:
        username = ctx.urls.username_of_actor(mention.href)
        account = await account_store.get_account_by_username(conn, username) if username else None
        acct = (mention.name or mention.href).lstrip("@")
        mentions.append(StoredMention(mention.href, acct, account.id if account else None))
        if account is not None:
            await notifications.notify(conn, account.id, "mention", from_remote=author_id,
                                       post_id=post.id)  # fmt: skip
    await extras_store.add_mentions(conn, post.id, mentions)
    await extras_store.add_hashtags(conn, post.id, [normalise_tag(t.name) for t in note.hashtags])
    if post.in_reply_to_id is not None:
        parent = await post_store.get_post(conn, post.in_reply_to_id)
        if parent is not None and parent.author_account is not None:
            await notifications.notify(conn, parent.author_account, "reply",
                                       from_remote=author_id, post_id=post.id)  # fmt: skip


async def _store_poll(conn: Conn, post_id: int, note: Object) -> None:
    if note.poll is None or not 2 <= len(note.poll.options) <= 10:
        return
    poll = note.poll
    await poll_store.insert_poll(
        conn, post_id, [o.name for o in poll.options], poll.multiple, poll.end_time,
        [o.votes for o in poll.options], poll.voters_count or 0,
        poll.closed_at if poll.closed else None,
    )  # fmt: skip


async def on_update(ctx: NodeContext, activity: Activity) -> None:
    obj = activity.object
    if isinstance(obj, Actor):
        if obj.id != activity.actor:
            raise Rejected("actor update of someone else")
        await directory.get_actor(ctx, activity.actor, refresh=True)
        return
    note = await _trusted_object(ctx, activity)
    if note is None:
        return
    async with ctx.db.transaction() as conn:
        post = await post_store.get_post_by_uri(conn, note.id)
        if post is not None:
            await _store_poll(conn, post.id, note)
            await media.store_remote_attachments(conn, post.id, note.attachments)
            await post_store.update_post_content(
                conn, post.id, note.content, note.summary, note.sensitive,
                note.updated or datetime.now(UTC),
            )  # fmt: skip
    if post is not None:
        await group_inbound.announce_received(ctx, post, activity.id)
        return
    await _store_remote_post(ctx, note, depth=0)  # Update before Create: create it


async def on_delete(ctx: NodeContext, activity: Activity) -> None:
    target = activity.object_id or ""
    if host_of(target) != host_of(activity.actor):
        raise Rejected("delete of an object on another host")
    async with ctx.db.transaction() as conn:
        if target == activity.actor or isinstance(activity.object, Actor):
            await actor_store.delete_remote_actor(conn, activity.actor)
            return
        post = await post_store.get_post_by_uri(conn, target)
        actor = await actor_store.get_remote_actor_by_uri(conn, activity.actor)
        if post is not None and (actor is None or post.author_remote != actor.id):
            raise Rejected("delete of someone else's post")
        if post is not None:
            await post_store.delete_post(conn, post.id, target)
        else:
            await post_store.remember_tombstone(conn, target)  # so a late Create stays dead
    await group_inbound.announce_received(ctx, post, activity.id)


async def on_like(ctx: NodeContext, activity: Activity) -> None:
    await _react(ctx, activity, "likes")


async def on_announce(ctx: NodeContext, activity: Activity) -> None:
    if isinstance(activity.object, Activity):
        await _on_group_announce(ctx, activity)
        return
    await _react(ctx, activity, "boosts")


async def _on_group_announce(ctx: NodeContext, activity: Activity) -> None:
    """A group elsewhere passes on a member's activity (FEP-1b12): apply the inner one."""
    if isinstance(activity.object, Activity) and ctx.urls.is_local(activity.object.actor):
        return  # one of our people's own activities, passed back by the group: applied here
    pin = activity.object
    if isinstance(pin, Activity) and pin.type in ("Add", "Remove"):  # Lemmy's featured
        refused = await group_pins.receive(ctx, activity.actor, pin)
        if refused is not None:
            raise Rejected(f"announced {pin.type}: {refused}")
        return
    inner = await group_inbound.unwrap(ctx, activity)
    if inner is None:
        raise Rejected("an Announce of an activity that is not a group's member activity")
    if inner.type == "Delete":
        if await group_inbound.moderator_delete(ctx, activity, inner):
            return
        await on_delete(ctx, inner)
    elif inner.type == "Create":
        await on_create(ctx, inner)
    else:
        await on_update(ctx, inner)


async def _react(ctx: NodeContext, activity: Activity, table: str) -> None:
    actor = await directory.get_actor(ctx, activity.actor)
    async with ctx.db.transaction() as conn:
        post = await post_store.get_post_by_uri(conn, activity.object_id or "")
        if post is None:
            return  # a like or boost of something we do not have: nothing to count
        if post.group_remote == actor.id:
            return  # a group's boost of its own post, for Mastodon: not a reaction
        added = await post_store.add_reaction(conn, table, post.id, activity.id, remote_id=actor.id)
        if added and post.author_account is not None:
            kind = "like" if table == "likes" else "boost"
            await notifications.notify(conn, post.author_account, kind, from_remote=actor.id,
                                       post_id=post.id)  # fmt: skip


async def ignore(ctx: NodeContext, activity: Activity) -> None:
    log.info("no handler yet for %s %s; dropped", activity.type, activity.id)


HANDLERS: dict[str, Handler] = {
    "Follow": on_follow,
    "Accept": on_accept,
    "Reject": on_reject,
    "Undo": on_undo,
    "Create": on_create,
    "Update": on_update,
    "Delete": on_delete,
    "Like": on_like,
    "Announce": on_announce,
    "Block": ignore,
    "Flag": ignore,
    "Move": ignore,
    "Add": group_pins.on_add_or_remove,
    "Remove": group_pins.on_add_or_remove,
    "Join": ignore,
    "Leave": ignore,
}
