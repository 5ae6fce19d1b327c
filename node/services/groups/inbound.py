"""From a server: what a group elsewhere that our people joined announces (FEP-1b12).

The group passes on a member's Create, Update or Delete inside an `Announce`. The inner
activity is not signed by its author: it is trusted only as far as FEP-1b12 allows, and
otherwise checked at its origin (FEDERATION.md "Groups"):

- only a group that one of our people has joined (an accepted follow), and only the group
  itself signing, may announce to us at all;
- an inner Create or Update must be written by its actor and addressed to the group (or be
  in one of its threads). When the post is on the group's own server, the group's word is
  the origin's; otherwise a public post is fetched from its origin and the fetched copy is
  what we keep, and a post that is not public (which its origin would not show us) is taken
  only as the group's own content: it is kept for the group's members alone;
- an inner Update changes only a post of that author in that group;
- an inner Delete is applied as the group's moderation of a post in that group, or when the
  post's origin confirms it is gone (404, 410, a Tombstone); an actor's Delete inside an
  Announce is never applied, nor is a poll vote (a vote is signed by its voter).

The accepted inner activity is then applied by the posts context as if its author had sent
it. (A member elsewhere posting to one of *our* groups arrives as an ordinary Create: the
posts context places it in the group and the group relays it, posts/placement.)
"""

from __future__ import annotations

import dataclasses
import logging

from federation.parse_types import Activity, Actor, Object
from federation.vocab import host_of
from node.services.actors import directory
from node.services.actors.objects import fetch_object, origin_says_deleted
from node.services.kernel.context import NodeContext
from node.services.kernel.received import Received, Rejected, Write
from node.services.posts import inbound as post_inbound
from node.storage.actors import remote_actors as actor_store
from node.storage.actors.remote_actors import RemoteActor
from node.storage.groups import threads as thread_store
from node.storage.pool import Conn
from node.storage.posts import posts as post_store

log = logging.getLogger(__name__)

NOT_MEMBER_ACTIVITY = "an Announce of an activity that is not a group's member activity"


async def on_announced_create(ctx: NodeContext, received: Received) -> Write | None:
    inner = await _member_activity(ctx, received)
    return await post_inbound.on_create(ctx, inner) if inner else None


async def on_announced_update(ctx: NodeContext, received: Received) -> Write | None:
    inner = await _member_activity(ctx, received)
    return await post_inbound.on_update(ctx, inner) if inner else None


async def on_announced_delete(ctx: NodeContext, received: Received) -> Write | None:
    inner = await _member_activity(ctx, received)
    if inner is None:
        return None
    deleted = inner.activity
    if deleted.object_id == deleted.actor or isinstance(deleted.object, Actor):
        raise Rejected("an actor's Delete inside an Announce is never applied")
    async with ctx.db.connection() as conn:
        post = await post_store.get_post_by_uri(conn, deleted.object_id or "")
        group = await actor_store.get_remote_actor_by_uri(conn, received.activity.actor)
    if post is None:
        return None  # nothing of ours to remove; no tombstone on a group's word alone
    in_group = group is not None and post.group_remote == group.id
    if not in_group and not await origin_says_deleted(ctx, post.uri):
        raise Rejected("an announced Delete of a post outside the group that its origin still has")
    uri = post.uri

    async def write(conn: Conn) -> None:
        current = await post_store.get_post_by_uri(conn, uri)
        if current is not None:
            await post_store.delete_post(conn, current.id, uri)

    return write


async def _member_activity(ctx: NodeContext, received: Received) -> Received | None:
    """The member's activity inside the group's Announce, if we may believe it (module doc);
    None for one of our own people's activities passed back to us (applied here already)."""
    announce = received.activity
    inner = announce.object
    raw = received.raw.get("object")
    if not isinstance(inner, Activity) or not isinstance(raw, dict):
        raise Rejected("an Announce of an activity that is not embedded")
    if ctx.urls.is_local(inner.actor):
        return None
    if received.signer != announce.actor:
        raise Rejected("an Announce not signed by its group")
    group = await directory.get_actor(ctx, announce.actor)
    if group.actor_type != "Group":
        raise Rejected(NOT_MEMBER_ACTIVITY)
    if not await _joined_here(ctx, group):
        raise Rejected("an Announce from a group nobody here has joined")
    if inner.type in ("Create", "Update"):
        inner = await _believed(ctx, inner, group)
    return received.inner(inner, raw)


async def _joined_here(ctx: NodeContext, group: RemoteActor) -> bool:
    async with ctx.db.connection() as conn:
        return await thread_store.has_local_member(conn, group.id)


async def _believed(ctx: NodeContext, inner: Activity, group: RemoteActor) -> Activity:
    """The inner Create/Update with the object we may keep: as embedded when its origin is the
    group's server, else fetched from its origin when public; a post that is not public stays
    as the group gave it (posts/inbound keeps it for the group's members only)."""
    obj = inner.object
    if not isinstance(obj, Object) or host_of(obj.id) != host_of(inner.actor):
        raise Rejected(NOT_MEMBER_ACTIVITY)
    if obj.attributed_to != inner.actor or not await _addressed_to(ctx, obj, group):
        raise Rejected(NOT_MEMBER_ACTIVITY)
    if host_of(obj.id) == host_of(group.uri) or not obj.is_public:
        return inner
    fetched = await fetch_object(ctx, obj.id)
    if fetched is None or fetched.attributed_to != inner.actor:
        raise Rejected("an announced post that its origin does not confirm")
    return dataclasses.replace(inner, object=fetched)


async def _addressed_to(ctx: NodeContext, obj: Object, group: RemoteActor) -> bool:
    named = group.uri in (*obj.audience, *obj.to, *obj.cc, *(m.href for m in obj.mentions))
    if named or await _in_group_thread(ctx, obj, group):
        return True
    log.info("group %s announced a post not addressed to it; dropped", group.uri)
    return False


async def _in_group_thread(ctx: NodeContext, obj: Object, group: RemoteActor) -> bool:
    if obj.in_reply_to is None:
        return False
    async with ctx.db.connection() as conn:
        parent = await post_store.get_post_by_uri(conn, obj.in_reply_to)
    return parent is not None and parent.group_remote == group.id
