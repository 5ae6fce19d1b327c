"""From a server: what a group elsewhere that our people joined announces (FEP-1b12).

The group passes on a member's Create, Update or Delete inside an `Announce`. The inner
activity is not signed by its author, so it is trusted only as far as the group is
(FEDERATION.md "Groups"): an embedded Create/Update only when its object is on the same server
as its author and addressed to the group (or in one of its threads), and a Delete only from
the object's author or from the group's own server (a moderator's removal). The accepted inner
activity is then applied by the posts context as if its author had sent it.

(A member elsewhere posting to one of *our* groups arrives as an ordinary Create: the posts
context places it in the group and the group relays it, node.services.posts.placement.)
"""

from __future__ import annotations

import logging

from federation.parse_types import Activity, Object
from federation.vocab import host_of
from node.services.actors import directory
from node.services.kernel.context import NodeContext
from node.services.kernel.received import Received, Rejected, Write
from node.services.posts import inbound as post_inbound
from node.storage.actors import remote_actors as actor_store
from node.storage.actors.remote_actors import RemoteActor
from node.storage.pool import Conn
from node.storage.posts import posts as post_store

log = logging.getLogger(__name__)


async def on_announced_create(ctx: NodeContext, received: Received) -> Write | None:
    inner = await _member_activity(ctx, received)
    if inner is None:
        return None
    return await post_inbound.on_create(ctx, inner)


async def on_announced_update(ctx: NodeContext, received: Received) -> Write | None:
    inner = await _member_activity(ctx, received)
    if inner is None:
        return None
    return await post_inbound.on_update(ctx, inner)


async def on_announced_delete(ctx: NodeContext, received: Received) -> Write | None:
    inner = await _member_activity(ctx, received)
    if inner is None:
        return None
    removal = await _moderator_removal(ctx, received.activity, inner.activity)
    if removal is not None:
        return removal
    return await post_inbound.on_delete(ctx, inner)


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
    group = await directory.get_actor(ctx, announce.actor)
    if group.actor_type != "Group":
        raise Rejected("an Announce of an activity that is not a group's member activity")
    if inner.type in ("Create", "Update") and not await _addressed_to(ctx, inner, group):
        raise Rejected("an Announce of an activity that is not a group's member activity")
    return received.inner(inner, raw)


async def _addressed_to(ctx: NodeContext, inner: Activity, group: RemoteActor) -> bool:
    obj = inner.object
    if not isinstance(obj, Object) or host_of(obj.id) != host_of(inner.actor):
        return False
    if obj.attributed_to != inner.actor:
        return False
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


async def _moderator_removal(ctx: NodeContext, announce: Activity, inner: Activity) -> Write | None:
    """A Delete announced by the post's group and sent from the group's own server: a
    moderator's removal (FEP-1b12 lets the group's server act as admin). None when it is not
    one (the author's own Delete, checked by the posts context)."""
    if host_of(inner.actor) != host_of(announce.actor):
        return None
    async with ctx.db.connection() as conn:
        group = await actor_store.get_remote_actor_by_uri(conn, announce.actor)
        post = await post_store.get_post_by_uri(conn, inner.object_id or "")
    if group is None or post is None or post.group_remote != group.id:
        return None
    uri = post.uri

    async def write(conn: Conn) -> None:
        current = await post_store.get_post_by_uri(conn, uri)
        if current is not None:
            await post_store.delete_post(conn, current.id, uri)

    return write
