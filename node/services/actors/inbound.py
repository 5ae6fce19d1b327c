"""From a server: changes to the actors themselves. An Update of an actor refreshes our copy
from its origin; a Delete of an actor forgets it, with its follows and posts."""

from __future__ import annotations

from federation.parse_types import Actor
from node.services.actors import directory
from node.services.kernel.context import NodeContext
from node.services.kernel.received import Received, Rejected, Write
from node.storage.actors import remote_actors as actor_store
from node.storage.pool import Conn


async def on_update_actor(ctx: NodeContext, received: Received) -> None:
    """Refetched rather than read from the payload: the origin's copy is the one we keep."""
    activity = received.activity
    if not isinstance(activity.object, Actor) or activity.object.id != activity.actor:
        raise Rejected("actor update of someone else")
    await directory.get_actor(ctx, activity.actor, refresh=True)


def is_actor_delete(received: Received) -> bool:
    activity = received.activity
    return activity.object_id == activity.actor or isinstance(activity.object, Actor)


async def on_delete_actor(ctx: NodeContext, received: Received) -> Write:
    activity = received.activity
    if activity.object_id != activity.actor:
        raise Rejected("delete of an actor other than the sender")

    async def write(conn: Conn) -> None:
        await actor_store.delete_remote_actor(conn, activity.actor)

    return write
