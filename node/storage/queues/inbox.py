"""The inbound queue: verified activities stored raw, applied later by a worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import orjson

from node.storage.pool import Conn

# A claimed row is invisible to other workers for this long; if its worker dies, it comes back.
CLAIM_LEASE = timedelta(minutes=5)
# The NOTIFY channel the inbox worker listens on (node.jobs.queues).
CHANNEL = "inbox"


FinalState = Literal["rejected", "dropped"]


@dataclass(frozen=True, slots=True)
class InboxItem:
    id: int
    activity_id: str
    activity_type: str
    actor_uri: str
    body: dict[str, Any]
    attempts: int


async def enqueue(
    conn: Conn, activity_id: str, activity_type: str, actor_uri: str, body: dict[str, Any]
) -> bool:
    """Store an activity once: a redelivery with the same id is a no-op (returns False). The
    worker is woken when the caller's transaction commits (NOTIFY waits for it)."""
    result: str = await conn.execute(
        """INSERT INTO inbox_activities (activity_id, activity_type, actor_uri, body)
           VALUES ($1, $2, $3, $4) ON CONFLICT (activity_id) DO NOTHING""",
        activity_id, activity_type, actor_uri, orjson.dumps(body).decode(),
    )  # fmt: skip
    fresh = result.endswith(" 1")
    if fresh:
        await conn.execute("SELECT pg_notify($1, '')", CHANNEL)
    return fresh


async def claim_due(conn: Conn, limit: int) -> list[InboxItem]:
    rows = await conn.fetch(
        """UPDATE inbox_activities SET next_attempt_at = now() + $2::interval,
               attempts = attempts + 1
           WHERE id IN (SELECT id FROM inbox_activities
                        WHERE state = 'pending' AND next_attempt_at <= now()
                        ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING id, activity_id, activity_type, actor_uri, body, attempts""",
        limit, CLAIM_LEASE,
    )  # fmt: skip
    return [
        InboxItem(row["id"], row["activity_id"], row["activity_type"], row["actor_uri"],
                  orjson.loads(row["body"]), row["attempts"])
        for row in rows
    ]  # fmt: skip


async def lock_pending(conn: Conn, item_id: int) -> bool:
    """Lock the row for the caller's transaction if it is still to be applied. False when
    another worker applied it meanwhile (its lease ran out while it was still working): the
    lock waits for that worker's transaction, which marked it done."""
    value = await conn.fetchval(
        "SELECT 1 FROM inbox_activities WHERE id = $1 AND state = 'pending' FOR UPDATE", item_id
    )
    return value is not None


async def mark_done(conn: Conn, item_id: int) -> None:
    await conn.execute(
        "UPDATE inbox_activities SET state = 'done', processed_at = now(), last_error = NULL "
        "WHERE id = $1",
        item_id,
    )


async def mark_final(conn: Conn, item_id: int, state: FinalState, reason: str) -> None:
    """Never applied, with the reason: `rejected` (invalid or not allowed) or `dropped` (a
    kind of activity we do not act on)."""
    await conn.execute(
        """UPDATE inbox_activities SET state = $2, last_error = $3, processed_at = now()
           WHERE id = $1""",
        item_id, state, reason[:2000],
    )  # fmt: skip


async def mark_retry(conn: Conn, item_id: int, error: str, at: datetime | None) -> None:
    """Retry at `at`, or give up (state 'failed') when `at` is None; the error is kept."""
    await conn.execute(
        """UPDATE inbox_activities SET last_error = $2,
               state = CASE WHEN $3::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
               processed_at = CASE WHEN $3::timestamptz IS NULL THEN now() END,
               next_attempt_at = coalesce($3, next_attempt_at)
           WHERE id = $1""",
        item_id, error[:2000], at,
    )  # fmt: skip
