"""Group activities from other servers (FEP-1b12), both directions:

- a member elsewhere posts to one of *our* groups: find the group the post is addressed to,
  check membership and locks, store it in the group, and have the group announce the activity
  unchanged to its members;
- one of the groups *elsewhere* that our people joined announces a member's activity: unwrap
  it and apply the inner activity as if its author had sent it.

Trust model for the second case (FEDERATION.md "Groups"): the group vouches for what it
announces, as on Lemmy. We accept an embedded Create/Update only when its object is on the
same server as its author, and a Delete only from the object's author or from the group's own
server (a moderator's removal). Members-only posts cannot be re-fetched from their origin
(our fetch is not a member), so the group's word is what we have.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from federation.parse_types import Activity, Object
from federation.sanitize import html_to_text
from federation.vocab import host_of, is_public
from node.domain.groups import title_from_text
from node.domain.policies import GROUP_VISIBILITY
from node.services.actors import directory
from node.services.kernel.context import NodeContext
from node.services.posts import placement as group_federation
from node.storage.actors import remote_actors as actor_store
from node.storage.actors.remote_actors import RemoteActor
from node.storage.groups import groups as group_store
from node.storage.groups import threads as thread_store
from node.storage.pool import Conn
from node.storage.posts import posts as post_store
from node.storage.posts.posts import Post
from node.storage.queues import inbox as inbox_store

log = logging.getLogger(__name__)

ANNOUNCED_TYPES = frozenset({"Create", "Update", "Delete"})


@dataclass(frozen=True, slots=True)
class Placement:
    group_account: int | None
    group_remote: int | None
    title: str | None
    thread_id: int | None
    members_only: bool


async def place(
    ctx: NodeContext, conn: Conn, note: Object, author: RemoteActor, visibility: str
) -> Placement | None:
    """The group an inbound post belongs to, if any: its parent's group for a reply, else the
    group it is addressed to (`audience`, `to`, `cc`, or a mention, as Mastodon users post)."""
    parent = await post_store.get_post_by_uri(conn, note.in_reply_to) if note.in_reply_to else None
    if parent is not None:
        root = await thread_store.thread_root(conn, parent.id)
        if root is None:
            return None
        thread_id, group_account, group_remote = root
        _pinned, locked = await thread_store.thread_flags(conn, thread_id)
        if group_account is not None and (
            locked or not await thread_store.is_remote_member(conn, group_account, author.id)
        ):
            return None  # not announced: a locked thread, or not a member
        members_only = visibility not in ("public", "unlisted")
        return Placement(group_account, group_remote, None, thread_id, members_only)
    addressed = (*note.audience, *note.to, *note.cc, *(m.href for m in note.mentions))
    # Skip what cannot be a group: the public collection and the author's followers.
    candidates = [a for a in dict.fromkeys(addressed)
                  if not is_public(a) and a != author.followers_uri]  # fmt: skip
    for uri in candidates:
        found = await _group_named(ctx, conn, uri, author)
        if found is not None:
            group_account, group_remote, members_only = found
            title = note.name or title_from_text(html_to_text(note.content))
            public = visibility in ("public", "unlisted") and not members_only
            return Placement(group_account, group_remote, title[:200], None, not public)
    return None


async def _group_named(
    ctx: NodeContext, conn: Conn, uri: str, author: RemoteActor
) -> tuple[int | None, int | None, bool] | None:
    username = ctx.urls.username_of_actor(uri)
    if username is not None:
        group = await group_store.get_group_by_username(conn, username)
        if group is None or not await thread_store.is_remote_member(
            conn, group.account_id, author.id
        ):
            return None
        return group.account_id, None, group.settings.members_only
    actor = await actor_store.get_remote_actor_by_uri(conn, uri)
    if actor is None or actor.actor_type != "Group":
        return None
    return None, actor.id, await actor_store.raw_flag(conn, actor.id, "membersOnly")


def stored_visibility(visibility: str, placement: Placement | None) -> str:
    if placement is not None and placement.members_only:
        return GROUP_VISIBILITY
    return "direct" if visibility == "limited" else visibility


async def announce_received(ctx: NodeContext, post: Post | None, activity_id: str) -> None:
    """Our group passes a member's activity on to every member's server, unchanged."""
    if post is None or post.group_account is None:
        return
    async with ctx.db.transaction() as conn:
        body = await inbox_store.raw_body(conn, activity_id)
        if body is not None:
            await group_federation.announce(ctx, conn, post.group_account, body, post)


async def unwrap(ctx: NodeContext, announce: Activity) -> Activity | None:
    """The member's activity inside a group's `Announce`, if we may believe it (module doc)."""
    inner = announce.object
    if not isinstance(inner, Activity) or inner.type not in ANNOUNCED_TYPES:
        return None
    group = await directory.get_actor(ctx, announce.actor)
    if group.actor_type != "Group":
        return None
    obj = inner.object
    if inner.type in ("Create", "Update"):
        if not isinstance(obj, Object) or host_of(obj.id) != host_of(inner.actor):
            return None
        if obj.attributed_to != inner.actor:
            return None
        named = group.uri in (*obj.audience, *obj.to, *obj.cc, *(m.href for m in obj.mentions))
        if not named and not await _in_group_thread(ctx, obj, group):
            log.info("group %s announced a post not addressed to it; dropped", group.uri)
            return None
    return inner


async def _in_group_thread(ctx: NodeContext, obj: Object, group: RemoteActor) -> bool:
    if obj.in_reply_to is None:
        return False
    async with ctx.db.connection() as conn:
        parent = await post_store.get_post_by_uri(conn, obj.in_reply_to)
    return parent is not None and parent.group_remote == group.id


async def moderator_delete(ctx: NodeContext, announce: Activity, inner: Activity) -> bool:
    """A Delete announced by the post's group and sent from the group's own server: a
    moderator's removal (FEP-1b12 lets the group's server act as admin). True when applied."""
    target = inner.object_id or ""
    if host_of(inner.actor) != host_of(announce.actor):
        return False
    async with ctx.db.transaction() as conn:
        group = await actor_store.get_remote_actor_by_uri(conn, announce.actor)
        post = await post_store.get_post_by_uri(conn, target)
        if group is None or post is None or post.group_remote != group.id:
            return False
        await post_store.delete_post(conn, post.id, post.uri)
    return True
