"""From a server: posts. Create, Update and Delete of notes (threads, articles, questions),
votes on our polls, likes and boosts, and the Undo of a like or boost.

Each handler resolves what it needs from the network first (the author, the object from its
origin, a reply's missing parents) and returns the writes that the inbox worker runs in the
transaction that marks the activity done (node.services.kernel.received).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from federation.parse_types import Object
from federation.vocab import host_of, visibility_of
from node.domain.policies import may_see
from node.domain.text import normalise_tag
from node.services.actors import directory
from node.services.actors.objects import fetch_object, trusted_object
from node.services.kernel.context import NodeContext
from node.services.kernel.received import Received, Rejected, Write
from node.services.kernel.surface import notify_mentions_and_reply
from node.services.posts import media, placement, polls
from node.storage.accounts import accounts as account_store
from node.storage.actors import remote_actors as actor_store
from node.storage.actors.remote_actors import RemoteActor
from node.storage.pool import Conn
from node.storage.posts import extras as extras_store
from node.storage.posts import polls as poll_store
from node.storage.posts import posts as post_store
from node.storage.posts import visibility_facts
from node.storage.posts.extras import StoredMention
from node.storage.posts.posts import Post, PostFields
from node.storage.social import notifications

MAX_REPLY_DEPTH = 3

Authored = tuple[Object, RemoteActor]


async def on_create(ctx: NodeContext, received: Received) -> Write:
    note = await trusted_object(ctx, received.activity)
    author = await directory.get_actor(ctx, note.attributed_to)
    parents = await missing_parents(ctx, note)

    async def write(conn: Conn) -> None:
        # A vote is signed by its voter: never counted from a group's Announce.
        if received.announced_by is None and await _counted_as_vote(ctx, conn, note, author):
            return
        for parent in parents:
            await store_remote_post(ctx, conn, *parent)
        post = await store_remote_post(ctx, conn, note, author, received.announced_by)
        await placement.relay(ctx, conn, post, received.raw)

    return write


async def on_update(ctx: NodeContext, received: Received) -> Write:
    """A new version of a post we hold; one we do not hold yet is stored (Update before Create)."""
    note = await trusted_object(ctx, received.activity)
    author = await directory.get_actor(ctx, note.attributed_to)
    async with ctx.db.connection() as conn:
        known = await post_store.get_post_by_uri(conn, note.id) is not None
    # Only a post we do not hold yet needs its parents fetched (an Update before its Create).
    parents = [] if known else await missing_parents(ctx, note)

    async def write(conn: Conn) -> None:
        post = await post_store.get_post_by_uri(conn, note.id)
        if post is None:
            for parent in parents:
                await store_remote_post(ctx, conn, *parent)
            await store_remote_post(ctx, conn, note, author, received.announced_by)
            return
        # Whatever the payload says, only the post's stored author changes it (a server could
        # name a colleague's post and itself as its author).
        if post.author_remote != author.id:
            raise Rejected("update of someone else's post")
        await _in_announcing_group(conn, received, post)
        await _store_poll(conn, post.id, note)
        await media.store_remote_attachments(conn, post.id, note.attachments)
        await post_store.update_post_content(
            conn, post.id, note.content, note.summary, note.sensitive,
            note.updated or datetime.now(UTC),
        )  # fmt: skip
        await placement.relay(ctx, conn, post, received.raw)

    return write


async def _in_announcing_group(conn: Conn, received: Received, post: Post) -> None:
    """A change a group elsewhere passes on may touch only a post in that group."""
    if received.announced_by is None:
        return
    group = await actor_store.get_remote_actor_by_uri(conn, received.announced_by)
    if group is None or post.group_remote != group.id:
        raise Rejected("an announced change to a post outside the announcing group")


async def on_delete(ctx: NodeContext, received: Received) -> Write:
    """The author deletes a post; a Delete that arrives first leaves a tombstone behind, so a
    late Create stays dead."""
    activity = received.activity
    target = activity.object_id or ""
    if host_of(target) != host_of(activity.actor):
        raise Rejected("delete of an object on another host")

    async def write(conn: Conn) -> None:
        post = await post_store.get_post_by_uri(conn, target)
        actor = await actor_store.get_remote_actor_by_uri(conn, activity.actor)
        if post is not None and (actor is None or post.author_remote != actor.id):
            raise Rejected("delete of someone else's post")
        if post is None:
            await post_store.remember_tombstone(conn, target)
            return
        await post_store.delete_post(conn, post.id, target)
        await placement.relay(ctx, conn, post, received.raw)

    return write


async def on_like(ctx: NodeContext, received: Received) -> Write:
    return await _reaction(ctx, received, "likes")


async def on_boost(ctx: NodeContext, received: Received) -> Write:
    return await _reaction(ctx, received, "boosts")


async def _reaction(ctx: NodeContext, received: Received, table: str) -> Write:
    activity = received.activity
    actor = await directory.get_actor(ctx, activity.actor)

    async def write(conn: Conn) -> None:
        post = await post_store.get_post_by_uri(conn, activity.object_id or "")
        if post is None:
            return  # a like or boost of something we do not have: nothing to count
        if post.group_remote == actor.id:
            return  # a group's boost of its own post, for Mastodon: not a reaction
        if not await _may_react(conn, post, actor, table):
            raise Rejected(f"a {activity.type} of a post its sender may not see or boost")
        added = await post_store.add_reaction(conn, table, post.id, activity.id, remote_id=actor.id)
        if added and post.author_account is not None:
            kind = "like" if table == "likes" else "boost"
            await notifications.notify(conn, post.author_account, kind, from_remote=actor.id,
                                       post_id=post.id)  # fmt: skip

    return write


async def _may_react(conn: Conn, post: Post, actor: RemoteActor, table: str) -> bool:
    """Only someone who may see a post reacts to it, and only public and unlisted posts can
    be boosted (as on Mastodon)."""
    if table == "boosts" and post.visibility not in ("public", "unlisted"):
        return False
    viewer = await visibility_facts.viewer_facts(conn, post, remote_id=actor.id)
    return may_see(visibility_facts.post_facts(post), viewer)


async def on_undo_like(ctx: NodeContext, received: Received) -> Write:
    return undo_reactions(received, ("likes",))


async def on_undo_boost(ctx: NodeContext, received: Received) -> Write:
    return undo_reactions(received, ("boosts",))


def undo_reactions(received: Received, tables: tuple[str, ...]) -> Write:
    """Take back the signer's like or boost whose activity id the Undo names."""
    activity = received.activity
    inner_id = activity.object_id or ""

    async def write(conn: Conn) -> None:
        actor = await actor_store.get_remote_actor_by_uri(conn, activity.actor)
        if actor is None:
            return
        for table in tables:
            await post_store.remove_reaction_by_activity(conn, table, inner_id, actor.id)

    return write


async def missing_parents(ctx: NodeContext, note: Object) -> list[Authored]:
    """The parents of a reply that we do not hold, fetched from their origins (up to
    MAX_REPLY_DEPTH), farthest first: stored in that order, each reply finds its parent."""
    chain: list[Authored] = []
    current = note
    for _ in range(MAX_REPLY_DEPTH):
        parent_uri = current.in_reply_to
        if parent_uri is None or ctx.urls.is_local(parent_uri):
            break
        async with ctx.db.connection() as conn:
            if await post_store.get_post_by_uri(conn, parent_uri) is not None:
                break
        parent = await fetch_object(ctx, parent_uri)
        if parent is None:
            break
        try:
            parent_author = await directory.get_actor(ctx, parent.attributed_to)
        except directory.ActorUnavailable:
            break
        chain.append((parent, parent_author))
        current = parent
    return list(reversed(chain))


async def _counted_as_vote(ctx: NodeContext, conn: Conn, note: Object, voter: RemoteActor) -> bool:
    """A vote on one of our polls: a Note with a `name` replying to the Question (docs
    "Polls"). It is counted, never stored as a post."""
    if not (note.name and note.in_reply_to and ctx.urls.is_local(note.in_reply_to)):
        return False
    question = await post_store.get_post_by_uri(conn, note.in_reply_to)
    if question is None:
        return False
    counted = await polls.record_remote_vote(conn, question.id, note.name, voter.id, note.id)
    return counted or not note.content.strip()


async def store_remote_post(
    ctx: NodeContext, conn: Conn, note: Object, author: RemoteActor,
    announced_by: str | None = None,
) -> Post | None:  # fmt: skip
    """Store a post from elsewhere; the new row, None when it is known or was deleted.
    `announced_by`: the group elsewhere that passed it on (groups/inbound)."""
    if await post_store.is_tombstoned(conn, note.id):
        return None  # deleted before it arrived
    mentioned = [m.href for m in note.mentions]
    visibility = visibility_of(note.to, note.cc, author.followers_uri, mentioned)
    group = await placement.place(ctx, conn, note, author, visibility)
    if announced_by is not None and not note.is_public:
        # Only the group vouches for a post its origin would not show us: it is the group's
        # content, for its members alone, never a followers-only post of its author.
        if group is None or group.uri != announced_by:
            raise Rejected("an announced post that is neither public nor in the group")
        group = dataclasses.replace(group, members_only=True)
    post = await post_store.insert_post(conn, PostFields(
        uri=note.id, author_remote=author.id, object_type=note.type,
        content_html=note.content, summary=note.summary, sensitive=note.sensitive,
        language=note.language, visibility=placement.stored_visibility(visibility, group),
        in_reply_to_uri=note.in_reply_to, url=note.url, published_at=note.published,
        group_account=group.account_id if group else None,
        group_remote=group.remote_id if group else None,
        title=group.title if group else None, thread_id=group.thread_id if group else None,
    ))  # fmt: skip
    if post is None:
        return None
    mentions = await _stored_mentions(ctx, conn, note)
    await extras_store.add_mentions(conn, post.id, mentions)
    await extras_store.add_hashtags(conn, post.id, [normalise_tag(t.name) for t in note.hashtags])
    await notify_mentions_and_reply(conn, post, mentions, from_remote=author.id)
    await _store_poll(conn, post.id, note)
    await media.store_remote_attachments(conn, post.id, note.attachments)
    return post


async def _stored_mentions(ctx: NodeContext, conn: Conn, note: Object) -> list[StoredMention]:
    """The post's mentions, each with our person's account when it names one of ours."""
    mentions = []
    for mention in note.mentions:
        username = ctx.urls.username_of_actor(mention.href)
        account = await account_store.get_account_by_username(conn, username) if username else None
        acct = (mention.name or mention.href).lstrip("@")
        mentions.append(StoredMention(mention.href, acct, account.id if account else None))
    return mentions


async def _store_poll(conn: Conn, post_id: int, note: Object) -> None:
    if note.poll is None or not 2 <= len(note.poll.options) <= 10:
        return
    poll = note.poll
    await poll_store.insert_poll(
        conn, post_id, [o.name for o in poll.options], poll.multiple, poll.end_time,
        [o.votes for o in poll.options], poll.voters_count or 0,
        poll.closed_at if poll.closed else None,
    )  # fmt: skip
