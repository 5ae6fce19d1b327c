"""Outbound activities and their deliveries: one row per (activity, inbox)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import orjson

from node.storage.pool import Conn

DeliveryState = Literal["pending", "delivered", "gone", "failed"]
# The NOTIFY channel the delivery worker listens on (node.jobs.queues).
CHANNEL = "delivery"


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
    """(inbox, host) pairs; duplicates are dropped by the unique (activity, inbox) key. The
    worker is woken when the caller's transaction commits (NOTIFY waits for it)."""
    if not inboxes:
        return 0
    result: str = await conn.execute(
        """INSERT INTO deliveries (activity_id, inbox, host)
           SELECT $1, inbox, host FROM unnest($2::text[], $3::text[]) AS t(inbox, host)
           ON CONFLICT (activity_id, inbox) DO NOTHING""",
        activity_id, [i for i, _ in inboxes], [h for _, h in inboxes],
    )  # fmt: skip
    queued = int(result.split()[-1])
    if queued:
        await conn.execute("SELECT pg_notify($1, '')", CHANNEL)
    return queued


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


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt leaves on its row: a final state, or `pending` again with the time of
    the next attempt (`next_attempt_at` is set exactly for `pending`)."""

    delivery_id: int
    state: DeliveryState
    status: int | None
    error: str | None
    next_attempt_at: datetime | None = None


async def record_outcomes(conn: Conn, outcomes: Sequence[Outcome]) -> None:
    """Store a batch's outcomes with one statement. Every attempt counts; a final state also
    sets `finished_at`, a retry moves `next_attempt_at`. The rows are the caller's (locked by
    `lock_due` in the same transaction)."""
    if not outcomes:
        return
    await conn.execute(
        """UPDATE deliveries AS d
           SET state = o.state, last_status = o.status, last_error = o.error,
               attempts = d.attempts + 1,
               next_attempt_at = coalesce(o.next_attempt_at, d.next_attempt_at),
               finished_at = CASE WHEN o.state = 'pending' THEN d.finished_at ELSE now() END
           FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::text[], $5::timestamptz[])
               AS o(id, state, status, error, next_attempt_at)
           WHERE d.id = o.id""",
        [o.delivery_id for o in outcomes], [o.state for o in outcomes],
        [o.status for o in outcomes], [o.error for o in outcomes],
        [o.next_attempt_at for o in outcomes],
    )  # fmt: skip


async def record_host_health(
    conn: Conn, answered: Collection[str], failing: Collection[str]
) -> dict[str, datetime]:
    """Upsert the health of a batch's hosts with one statement; returns, for each failing
    host, when its current run of failures began.

    A host that answered (listed in `answered`, even if also in `failing`) ends its run of
    failures and any unavailable mark; a failing host starts a run unless one is under way.
    Rows are locked in host order, so two workers never wait on each other in opposite orders.
    """
    ok = set(answered)
    hosts = sorted(ok | set(failing))
    if not hosts:
        return {}
    # `excluded.last_success_at` is set exactly for the hosts that answered.
    rows = await conn.fetch(
        """INSERT INTO hosts AS h (host, last_success_at, first_failure_at)
           SELECT t.host, CASE WHEN t.answered THEN now() END,
                  CASE WHEN t.answered THEN NULL ELSE now() END
           FROM unnest($1::text[], $2::boolean[]) AS t(host, answered)
           ORDER BY t.host
           ON CONFLICT (host) DO UPDATE SET
               last_success_at = coalesce(excluded.last_success_at, h.last_success_at),
               first_failure_at = CASE WHEN excluded.last_success_at IS NULL
                                       THEN coalesce(h.first_failure_at, now()) END,
               unavailable_since = CASE WHEN excluded.last_success_at IS NULL
                                        THEN h.unavailable_since END
           RETURNING host, first_failure_at""",
        hosts, [host in ok for host in hosts],
    )  # fmt: skip
    return {row["host"]: row["first_failure_at"] for row in rows if row["host"] not in ok}


async def mark_hosts_unavailable(conn: Conn, probes: Mapping[str, datetime]) -> None:
    """Stop trying each host's pending deliveries until its probe time."""
    if not probes:
        return
    hosts = sorted(probes)
    await conn.execute(
        """UPDATE hosts SET unavailable_since = coalesce(unavailable_since, now())
           WHERE host = ANY($1::text[])""",
        hosts,
    )
    await conn.execute(
        """UPDATE deliveries AS d SET next_attempt_at = greatest(d.next_attempt_at, p.at)
           FROM unnest($1::text[], $2::timestamptz[]) AS p(host, at)
           WHERE d.host = p.host AND d.state = 'pending'""",
        hosts, [probes[host] for host in hosts],
    )  # fmt: skip
