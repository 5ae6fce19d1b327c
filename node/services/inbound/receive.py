"""From a server: check an inbox request and store it (docs/architecture.md).

verify → store the raw activity with ON CONFLICT (activity_id) DO NOTHING → 202. The inbox
worker applies it later (node.services.inbound.apply). `admit` is the one hook for the
node's domain policy on the way in.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from federation.inbox import ActorKey, InboxIgnored, InboxRefused, check_inbox_request
from node.services.actors import directory
from node.services.kernel import policy
from node.services.kernel.context import NodeContext
from node.storage.queues import inbox as store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class InboxAnswer:
    status: int
    reason: str


async def receive(
    ctx: NodeContext, method: str, url: str, headers: Mapping[str, str], body: bytes
) -> InboxAnswer:
    """Check and store one inbox POST; the answer's status is what the edge sends back."""

    async def resolve(key_id: str, refresh: bool) -> ActorKey | None:
        return await directory.resolve_key(ctx, key_id, refresh)

    async def known(uri: str) -> bool:
        return await directory.is_known_actor(ctx, uri)

    checked = await check_inbox_request(method, url, headers, body, resolve, known_actor=known)
    if isinstance(checked, InboxRefused):
        log.info("inbox refused: %s %s", checked.status, checked.reason)
        return InboxAnswer(checked.status, checked.reason)
    if isinstance(checked, InboxIgnored):
        return InboxAnswer(202, checked.reason)
    activity = checked.activity
    activity_id = activity.get("id")
    if not isinstance(activity_id, str) or not activity_id:
        # Mastodon sends pin/unpin Add and Remove without an id (add_serializer.rb): dedupe
        # those on what they say instead (interop brief §8.6).
        activity_id = _synthetic_id(activity)
    async with ctx.db.transaction() as conn:
        refusal = await policy.refuses_inbound(conn, checked.key_owner)
        if refusal is not None:
            log.info("inbox refused by policy: %s", refusal)
            return InboxAnswer(403, refusal)
        fresh = await store.enqueue(
            conn, activity_id, str(activity.get("type")), checked.key_owner, activity
        )
    log.info("inbox accepted %s %s", activity.get("type"), activity_id, extra={"dup": not fresh})
    return InboxAnswer(202, "accepted" if fresh else "already received")


def _synthetic_id(activity: Mapping[str, object]) -> str:
    parts = [str(activity.get(name)) for name in ("actor", "type", "object", "target")]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"urn:commonroom:no-id:{digest}"
