"""Inbound handlers that span contexts, or say plainly that we do not act on a pair yet.

They live at the top of the services (the inbound context may use every other one), so no
context below has to reach up: the group backfill after an Accept, the Delete that may be of
an actor or of a post, the Undo that names only an id.
"""

from __future__ import annotations

from node.services.actors import inbound as actors
from node.services.groups.collections import outbox_threads
from node.services.kernel.context import NodeContext
from node.services.kernel.received import Received, Unsupported, Write, writes
from node.services.posts import inbound as posts
from node.services.social import inbound as social
from node.storage.pool import Conn
from node.storage.queues import inbox as inbox_store


async def on_accept_follow(ctx: NodeContext, received: Received) -> Write | None:
    """Our follow is accepted. For a group elsewhere, its earlier threads come from its outbox
    (as Lemmy does) and are queued as if the group had just announced them."""
    follow, followee = await social.answered_follow(ctx, received.activity)
    threads = await outbox_threads(ctx, followee) if followee.actor_type == "Group" else []

    async def backfill(conn: Conn) -> None:
        for raw, announce in threads:
            await inbox_store.enqueue(conn, announce.id, announce.type, followee.uri, raw)

    return writes(social.accept_follow(follow), backfill if threads else None)


async def on_delete(ctx: NodeContext, received: Received) -> Write:
    if actors.is_actor_delete(received):
        return await actors.on_delete_actor(ctx, received)
    return await posts.on_delete(ctx, received)


async def on_undo_by_id(ctx: NodeContext, received: Received) -> Write | None:
    """An Undo that names its activity by id only: a follow of one of our people, or a like
    or boost, whichever the signer's id turns out to be."""
    return writes(
        social.undo_follow(ctx, received),
        posts.undo_reactions(received, ("likes", "boosts")),
    )


async def nothing_to_undo(ctx: NodeContext, received: Received) -> None:
    """An Undo of a Block: the follows a block ended are not restored (as on Mastodon)."""


async def events_not_yet(ctx: NodeContext, received: Received) -> None:
    raise Unsupported("event RSVPs (Join, Leave and their Accept/Reject) are not supported yet")


async def moves_not_yet(ctx: NodeContext, received: Received) -> None:
    raise Unsupported("account moves are not supported yet")
