"""The inbound queue: verified activities stored raw, applied later by a worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from node.storage.pool import Conn

# A claimed row is invisible to other workers for this long; if its worker dies, it comes back.
CLAIM_LEASE = timedelta(minutes=5)


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
    """Store an activity once: a redelivery with the same id is a no-op (returns False)."""
    result: str = await conn.execute(
        """INSERT INTO inbox_activities (activity_id, activity_type, actor_uri, body)
           VALUES ($1, $2, $3, $4) ON CONFLICT (activity_id) DO NOTHING""",
        activity_id, activity_type, actor_uri, orjson.dumps(body).decode(),
    )  # fmt: skip
    return result.endswith(" 1")


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


async def mark_done(conn: Conn, item_id: int) -> None:
    await conn.execute(
        "UPDATE inbox_activities SET state = 'done', processed_at = now(), last_error = NULL "
        "WHERE id = $1",
        item_id,
    )


async def mark_retry(conn: Conn, item_id: int, error: str, at: datetime | None) -> None:
    """Retry at `at`, or give up (state 'failed') when `at` is None; the error is kept."""
    await conn.execute(
        """UPDATE inbox_activities SET last_error = $2,
               state = CASE WHEN $3::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
               next_attempt_at = coalesce($3, next_attempt_at)
           WHERE id = $1""",
        item_id, error[:2000], at,
    )  # fmt: skip


async def pending_count(conn: Conn) -> int:
    value: int = await conn.fetchval(
        "SELECT count(*) FROM inbox_activities WHERE state = 'pending'"
    )
    return value


async def raw_body(conn: Conn, activity_id: str) -> dict[str, Any] | None:
    """An activity exactly as it arrived (a group re-announces it unchanged, FEP-1b12)."""
    value = await conn.fetchval(
        "SELECT body FROM inbox_activities WHERE activity_id = $1", activity_id
    )
    if value is None:
        return None
    body: dict[str, Any] = orjson.loads(value)
    return body
