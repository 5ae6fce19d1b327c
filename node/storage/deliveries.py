"""Outbound activities and their deliveries: one row per (activity, inbox)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from node.storage.pool import Conn


@dataclass(frozen=True, slots=True)
class DueDelivery:
    id: int
    inbox: str
    host: str
    attempts: int
    body: bytes
    account_id: int | None


async def insert_activity(
    conn: Conn, uri: str, account_id: int | None, activity_type: str, body: dict[str, Any]
) -> int:
    activity_id: int = await conn.fetchval(
        """INSERT INTO outbound_activities (uri, account_id, activity_type, body)
           VALUES ($1, $2, $3, $4) RETURNING id""",
        uri, account_id, activity_type, orjson.dumps(body).decode(),
    )  # fmt: skip
    return activity_id


async def insert_deliveries(conn: Conn, activity_id: int, inboxes: list[tuple[str, str]]) -> int:
    """(inbox, host) pairs; duplicates are dropped by the unique (activity, inbox) key."""
    if not inboxes:
        return 0
    result: str = await conn.execute(
        """INSERT INTO deliveries (activity_id, inbox, host)
           SELECT $1, inbox, host FROM unnest($2::text[], $3::text[]) AS t(inbox, host)
           ON CONFLICT (activity_id, inbox) DO NOTHING""",
        activity_id, [i for i, _ in inboxes], [h for _, h in inboxes],
    )  # fmt: skip
    return int(result.split()[-1])


async def lock_due(conn: Conn, limit: int) -> list[DueDelivery]:
    """Lock up to `limit` due rows for the caller's transaction (SKIP LOCKED).

    The worker keeps the transaction open while it sends: two workers never take the same row,
    and if a worker dies mid-send its connection drops, the locks go with it, and the rows are
    due again at once (at-least-once: peers deduplicate by activity id).
    """
    rows = await conn.fetch(
        """SELECT d.id, d.inbox, d.host, d.attempts + 1 AS attempts, a.body, a.account_id
           FROM deliveries d JOIN outbound_activities a ON a.id = d.activity_id
           WHERE d.state = 'pending' AND d.next_attempt_at <= now()
           ORDER BY d.next_attempt_at, d.id LIMIT $1
           FOR UPDATE OF d SKIP LOCKED""",
        limit,
    )
    return [
        DueDelivery(row["id"], row["inbox"], row["host"], row["attempts"],
                    row["body"].encode(), row["account_id"])
        for row in rows
    ]  # fmt: skip


async def finish(
    conn: Conn, delivery_id: int, state: str, status: int | None, error: str | None
) -> None:
    await conn.execute(
        """UPDATE deliveries SET state = $2, last_status = $3, last_error = $4,
               finished_at = now(), attempts = attempts + 1 WHERE id = $1""",
        delivery_id, state, status, error,
    )  # fmt: skip


async def retry_at(
    conn: Conn, delivery_id: int, at: datetime, status: int | None, error: str | None
) -> None:
    await conn.execute(
        """UPDATE deliveries SET next_attempt_at = $2, last_status = $3, last_error = $4,
               attempts = attempts + 1 WHERE id = $1""",
        delivery_id, at, status, error,
    )  # fmt: skip


async def record_host_success(conn: Conn, host: str) -> None:
    await conn.execute(
        """INSERT INTO hosts (host, last_success_at) VALUES ($1, now())
           ON CONFLICT (host) DO UPDATE SET last_success_at = now(), first_failure_at = NULL,
               unavailable_since = NULL""",
        host,
    )


async def record_host_failure(conn: Conn, host: str) -> datetime:
    """Note a failure; return when the host's current run of failures began."""
    first: datetime = await conn.fetchval(
        """INSERT INTO hosts (host, first_failure_at) VALUES ($1, now())
           ON CONFLICT (host) DO UPDATE
               SET first_failure_at = coalesce(hosts.first_failure_at, now())
           RETURNING first_failure_at""",
        host,
    )
    return first


async def mark_host_unavailable(conn: Conn, host: str, probe_at: datetime) -> None:
    """Stop trying the host's pending deliveries until the probe time."""
    await conn.execute(
        "UPDATE hosts SET unavailable_since = coalesce(unavailable_since, now()) WHERE host = $1",
        host,
    )
    await conn.execute(
        """UPDATE deliveries SET next_attempt_at = greatest(next_attempt_at, $2)
           WHERE host = $1 AND state = 'pending'""",
        host, probe_at,
    )  # fmt: skip


async def is_host_unavailable(conn: Conn, host: str) -> bool:
    value: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM hosts WHERE host = $1 AND unavailable_since IS NOT NULL)",
        host,
    )
    return value


async def pending_count(conn: Conn) -> int:
    value: int = await conn.fetchval("SELECT count(*) FROM deliveries WHERE state = 'pending'")
    return value
