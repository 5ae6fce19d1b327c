"""Pinned threads across servers, federated as Lemmy federates stickied posts (interop brief
§3.2): `Add` (pin) or `Remove` (unpin) of the thread's id with `target` = the group's
`featured` collection.

Sending: the moderator is the actor and the group announces the activity to its members'
servers (Lemmy's `CollectionAdd`; Lemmy accepts mod actions only from a person, and only
inside the community's Announce). Receiving: from a group elsewhere that our people joined,
either sent by the group itself or announced by it and sent by someone on the group's server
(FEP-1b12 lets the group's server act as admin; a moderator on another server is not checked
against the moderators collection, so is refused), and only for the group's own collection
and a thread of that group. Locks stay local (Lemmy 0.19's `Lock` is not implemented).
"""

from __future__ import annotations

import logging

from federation.parse_types import Activity
from federation.render import render_add, render_remove
from federation.vocab import PUBLIC, host_of
from node.domain.accounts import Account
from node.services.kernel import federate
from node.services.kernel.context import NodeContext
from node.services.kernel.received import Received, Rejected, Write
from node.services.posts import placement as group_federation
from node.storage.actors import remote_actors as actor_store
from node.storage.groups import threads as thread_store
from node.storage.pool import Conn
from node.storage.posts import posts as post_store
from node.storage.posts.posts import Post

log = logging.getLogger(__name__)


async def send_pin(
    ctx: NodeContext, conn: Conn, moderator: Account, group_account: int, group_name: str,
    thread: Post, pinned: bool,
) -> None:  # fmt: skip
    """A moderator here pinned (or unpinned) a thread of our group: tell the members' servers."""
    group = ctx.urls.actor(group_name)
    to, cc = _audience(thread.visibility, group)
    render = render_add if pinned else render_remove
    featured = ctx.urls.featured(group_name)
    activity = federate.render_activity(
        ctx, federate.Sender.of(ctx.urls, moderator),
        lambda meta, uri: render(meta, uri, featured), thread.uri,
        federate.Audience(to=to, cc=cc, group=group),
    )  # fmt: skip
    await group_federation.announce(ctx, conn, group_account, activity, thread)


def _audience(visibility: str, group: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # Lemmy checks that a collection Add/Remove is public (`verify_is_public`).
    if visibility == "public":
        return (PUBLIC,), (group,)
    if visibility == "unlisted":
        return (group,), (PUBLIC,)
    return (group,), ()


async def on_announced_pin(ctx: NodeContext, received: Received) -> Write | None:
    """A group elsewhere announces a moderator's `Add`/`Remove` of one of its threads."""
    pin = received.activity.object
    if not isinstance(pin, Activity):
        raise Rejected("an Announce of a pin that is not embedded")
    if ctx.urls.is_local(pin.actor):
        return None  # one of our people's own pins, passed back by the group: applied here
    return _pin(received.activity.actor, pin, refuse=True)


async def on_add_or_remove(ctx: NodeContext, received: Received) -> Write:
    """`Add`/`Remove` sent directly: a group elsewhere pinning or unpinning a thread. Other
    collections (Mastodon's pinned posts, moderator lists) are dropped, as before."""
    return _pin(received.activity.actor, received.activity, refuse=False)


def _pin(group_uri: str, activity: Activity, *, refuse: bool) -> Write:
    """Apply an `Add`/`Remove` to the featured collection of `group_uri`, a group elsewhere
    that sent or announced it, when it names a thread of that group we hold. A refusal raises
    Rejected when `refuse`, and is only logged otherwise."""

    async def write(conn: Conn) -> None:
        refused = await _apply_pin(conn, group_uri, activity)
        if refused is not None and refuse:
            raise Rejected(f"announced {activity.type}: {refused}")
        if refused is not None:
            log.info("%s %s dropped: %s", activity.type, activity.id, refused)

    return write


async def _apply_pin(conn: Conn, group_uri: str, activity: Activity) -> str | None:
    if activity.type not in ("Add", "Remove"):
        return f"{activity.type} is not a pin"
    if activity.actor != group_uri and host_of(activity.actor) != host_of(group_uri):
        return "not sent by the group or from its server"
    group = await actor_store.get_remote_actor_by_uri(conn, group_uri)
    if group is None or group.actor_type != "Group":
        return "not from a group"
    featured = await actor_store.raw_link(conn, group.id, "featured")
    if featured is None or activity.target != featured:
        return "not the group's featured collection"
    thread = await post_store.get_post_by_uri(conn, activity.object_id or "")
    if thread is None:
        return None
    if thread.group_remote != group.id or thread.thread_id is not None:
        return "not a thread of this group"
    await thread_store.set_thread_flag(conn, thread.id, "thread_pinned", activity.type == "Add")
    return None
