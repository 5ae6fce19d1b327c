"""Outbound: the one path by which anything leaves this node (docs/architecture.md).

`send` takes who is speaking, the object and its `Audience`, renders the activity through
federation.render (its own new id, its `to`/`cc`), decides the recipients' inboxes and writes
the activity with one delivery row per inbox, in the caller's transaction: a crash can never
leave a post without its deliveries, or deliveries without their post. The rules that used
to be written at each call site live here once:

- recipients: the sender's accepted followers elsewhere and the named actors, each reduced to
  one inbox per server by `federation.delivery.select_inboxes` (shared inboxes, except for
  direct messages, which go to personal inboxes); local people are never sent anything;
- local-only objects are never federated (docs/architecture.md, "Visibility");
- the node's policy (node.services.kernel.policy) has the last word on every inbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from federation.delivery import Recipient, select_inboxes
from federation.render_docs import ActivityDoc
from federation.vocab import host_of
from node.domain.accounts import Account
from node.domain.urls import Urls
from node.services.kernel import policy
from node.services.kernel.context import NodeContext
from node.storage.actors import remote_actors as actor_store
from node.storage.pool import Conn
from node.storage.queues import deliveries
from node.storage.social import follows as follow_store

DELIVERY_CHANNEL = deliveries.CHANNEL

T = TypeVar("T")
Render = Callable[[ActivityDoc, T], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Sender:
    """Who an activity is from: one of our accounts (a person or a group), or, with no account,
    the instance actor (reports forwarded to another server name no reporter)."""

    uri: str
    account_id: int | None

    @classmethod
    def of(cls, urls: Urls, account: Account) -> Sender:
        return cls(urls.actor(account.username), account.id)

    @classmethod
    def instance(cls, urls: Urls) -> Sender:
        return cls(urls.instance_actor, None)


@dataclass(frozen=True, slots=True)
class Audience:
    """Who an activity is addressed to (`to`, `cc`, FEP-1b12 `audience`), and whose servers
    receive it: the sender's followers, and these actors. Addressing and delivery differ on
    purpose: a Like names nobody yet goes to the post's author; an Update of a profile is
    addressed to Public yet only delivered to followers."""

    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    followers: bool = False
    actors: tuple[str, ...] = ()
    direct: bool = False  # personal inboxes, never shared ones (a direct message)
    group: str | None = None

    @classmethod
    def person(cls, uri: str) -> Audience:
        """Addressed and delivered to one actor (Follow, Accept, Block…)."""
        return cls(to=(uri,), actors=(uri,))


async def send(
    ctx: NodeContext, conn: Conn, sender: Sender, render: Render[T], obj: T,
    audience: Audience, *, activity_id: str | None = None, local_only: bool = False,
) -> dict[str, Any] | None:  # fmt: skip
    """Render the activity and queue it for its recipients; returns the activity (None when a
    local-only object keeps it here). `activity_id` is for activities whose id is stored
    beside what they do (a Follow, a Block)."""
    if local_only:
        return None
    activity = render_activity(ctx, sender, render, obj, audience, activity_id=activity_id)
    inboxes = await _inboxes(ctx, conn, sender, audience)
    activity_row = await deliveries.insert_activity(
        conn, activity["id"], sender.account_id, str(activity["type"]), activity
    )
    await deliveries.insert_deliveries(
        conn, activity_row, [(inbox, host_of(inbox)) for inbox in inboxes]
    )
    return activity


def render_activity(
    ctx: NodeContext, sender: Sender, render: Render[T], obj: T, audience: Audience,
    *, activity_id: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The activity with its own new id and its addressing, not delivered: for one that a
    group here passes on inside its Announce (a moderator's removal or pin)."""
    meta = ActivityDoc(
        id=activity_id or ctx.urls.new_activity(), actor=sender.uri, to=audience.to,
        cc=audience.cc, audience=audience.group,
    )  # fmt: skip
    return render(meta, obj)


async def _inboxes(ctx: NodeContext, conn: Conn, sender: Sender, audience: Audience) -> list[str]:
    """The inboxes an audience reaches, one per server where it can be, that policy allows."""
    rows = []
    if audience.followers and sender.account_id is not None:
        rows += await follow_store.follower_recipients(conn, sender.account_id)
    remote = [uri for uri in audience.actors if not ctx.urls.is_local(uri)]
    if remote:
        rows += await actor_store.recipients(conn, remote)
    recipients = (Recipient(uri, inbox, shared) for uri, inbox, shared in rows)
    chosen = select_inboxes(recipients, local_host=ctx.urls.host, prefer_shared=not audience.direct)
    return await policy.deliverable(conn, chosen)
