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


# The database session a claim belongs to: its backend's pid and start time (µs since the
# epoch), unique for the server's life. A session sees the start time of sessions of its own
# role only (pg_stat_activity): every worker of a node connects as the same role.
_SESSION = "a.pid || ':' || (extract(epoch FROM a.backend_start) * 1000000)::bigint"
_THIS_SESSION = f"(SELECT {_SESSION} FROM pg_stat_activity a WHERE a.pid = pg_backend_pid())"
_LIVE_SESSIONS = (
    f"ARRAY(SELECT {_SESSION} FROM pg_stat_activity a WHERE a.backend_start IS NOT NULL)"
)


@dataclass(frozen=True, slots=True)
class Claim:
    """Rows claimed by one database session, and that session's name (`claimed_by`)."""

    session: str
    rows: list[DueDelivery]


async def claim_due(conn: Conn, limit: int) -> Claim | None:
    """Claim up to `limit` due rows for the session of `conn` (committed at once); None when
    nothing is due.

    The caller keeps `conn` until every claimed row has its outcome (`record_outcomes`) or is
    released (`release_claims`). Two workers never claim the same row: rows are locked while
    they are claimed (SKIP LOCKED), and a row claimed by a live session is not due. If a
    worker dies, its connection drops, its session ends, and its rows are due again at once
    (at-least-once: peers deduplicate by activity id).
    """
    rows = await conn.fetch(
        f"""UPDATE deliveries AS d SET claimed_by = {_THIS_SESSION}
            FROM (SELECT id FROM deliveries
                  WHERE state = 'pending' AND next_attempt_at <= now()
                    AND (claimed_by IS NULL OR claimed_by <> ALL ({_LIVE_SESSIONS}))
                  ORDER BY next_attempt_at, id LIMIT $1
                  FOR UPDATE SKIP LOCKED) AS due,
                 outbound_activities a
            WHERE d.id = due.id AND a.id = d.activity_id
            RETURNING d.id, d.inbox, d.host, d.attempts + 1 AS attempts, a.body, a.account_id,
                      d.next_attempt_at, d.claimed_by""",
        limit,
    )
    if not rows:
        return None
    rows.sort(key=lambda row: (row["next_attempt_at"], row["id"]))
    return Claim(rows[0]["claimed_by"], [
        DueDelivery(row["id"], row["inbox"], row["host"], row["attempts"],
                    row["body"].encode(), row["account_id"])
        for row in rows
    ])  # fmt: skip


async def release_claims(conn: Conn, session: str, delivery_ids: Collection[int]) -> None:
    """Give back rows `session` claimed and will not record (they are due again)."""
    await conn.execute(
        "UPDATE deliveries SET claimed_by = NULL WHERE id = ANY($1::bigint[]) AND claimed_by = $2",
        list(delivery_ids), session,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt leaves on its row: a final state, or `pending` again with the time of
    the next attempt (`next_attempt_at` is set exactly for `pending`)."""

    delivery_id: int
    state: DeliveryState
    status: int | None
    error: str | None
    next_attempt_at: datetime | None = None


async def record_outcomes(conn: Conn, session: str, outcomes: Sequence[Outcome]) -> None:
    """Store outcomes of rows `session` claimed (`claim_due`), with one statement, and end
    their claims. Every attempt counts; a final state also sets `finished_at`, a retry moves
    `next_attempt_at` (never earlier than a host's probe, `mark_hosts_unavailable`, set while
    the row was being sent). Rows are locked in id order, as `mark_hosts_unavailable` does."""
    if not outcomes:
        return
    await conn.execute(
        """WITH o AS (
                SELECT * FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::text[],
                                     $5::timestamptz[]) AS o(id, state, status, error, at)
            ), mine AS (
                SELECT d.id FROM deliveries d JOIN o ON o.id = d.id
                WHERE d.claimed_by = $6 ORDER BY d.id FOR UPDATE OF d
            )
            UPDATE deliveries AS d
            SET state = o.state, last_status = o.status, last_error = o.error,
                attempts = d.attempts + 1, claimed_by = NULL,
                next_attempt_at = greatest(o.at, d.next_attempt_at),
                finished_at = CASE WHEN o.state = 'pending' THEN d.finished_at ELSE now() END
            FROM o, mine WHERE d.id = o.id AND mine.id = o.id""",
        [o.delivery_id for o in outcomes], [o.state for o in outcomes],
        [o.status for o in outcomes], [o.error for o in outcomes],
        [o.next_attempt_at for o in outcomes], session,
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
        """WITH moving AS (
               SELECT id FROM deliveries WHERE host = ANY($1::text[]) AND state = 'pending'
               ORDER BY id FOR UPDATE
           )
           UPDATE deliveries AS d SET next_attempt_at = greatest(d.next_attempt_at, p.at)
           FROM unnest($1::text[], $2::timestamptz[]) AS p(host, at), moving
           WHERE d.host = p.host AND d.id = moving.id""",
        hosts, [probes[host] for host in hosts],
    )  # fmt: skip
