"""Outbound: an activity and one delivery row per distinct inbox, in the caller's transaction.

Written in the same transaction as the thing delivered (DESIGN.md §2), so a crash can never
leave a post without its deliveries or deliveries without their post.
"""

from __future__ import annotations

from typing import Any

from federation.vocab import host_of
from node.storage.pool import Conn
from node.storage.queues import deliveries

DELIVERY_CHANNEL = deliveries.CHANNEL


async def enqueue(
    conn: Conn,
    activity: dict[str, Any],
    *,
    account_id: int | None,
    inboxes: list[str],
) -> int:
    """Store `activity` and its deliveries; returns how many deliveries were queued."""
    activity_id = await deliveries.insert_activity(
        conn, activity["id"], account_id, str(activity["type"]), activity
    )
    unique = list(dict.fromkeys(inboxes))
    return await deliveries.insert_deliveries(
        conn, activity_id, [(inbox, host_of(inbox)) for inbox in unique]
    )
