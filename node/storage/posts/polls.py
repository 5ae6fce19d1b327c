"""Polls and their votes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from node.storage.pool import Conn


@dataclass(frozen=True, slots=True)
class Poll:
    post_id: int
    multiple: bool
    ends_at: datetime | None
    closed_at: datetime | None
    voters_count: int
    options: list[str]
    counts: list[int]


def _poll(row: asyncpg.Record) -> Poll:
    return Poll(row["post_id"], row["multiple"], row["ends_at"], row["closed_at"],
                row["voters_count"], list(row["options"]), list(row["counts"]))  # fmt: skip


async def insert_poll(
    conn: Conn,
    post_id: int,
    options: list[str],
    multiple: bool,
    ends_at: datetime | None,
    counts: list[int] | None = None,
    voters: int = 0,
    closed_at: datetime | None = None,
) -> None:
    await conn.execute(
        """INSERT INTO polls (post_id, multiple, ends_at, options, counts, voters_count, closed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (post_id) DO UPDATE SET counts = $5, voters_count = $6, closed_at = $7""",
        post_id, multiple, ends_at, options, counts or [0] * len(options), voters, closed_at,
    )  # fmt: skip


async def polls_for(conn: Conn, post_ids: list[int]) -> dict[int, Poll]:
    rows = await conn.fetch("SELECT * FROM polls WHERE post_id = ANY($1)", post_ids)
    return {row["post_id"]: _poll(row) for row in rows}


async def votes_of(conn: Conn, post_ids: list[int], account_id: int) -> dict[int, set[int]]:
    rows = await conn.fetch(
        "SELECT post_id, choice FROM poll_votes WHERE post_id = ANY($1) AND account_id = $2",
        post_ids, account_id,
    )  # fmt: skip
    found: dict[int, set[int]] = {}
    for row in rows:
        found.setdefault(row["post_id"], set()).add(row["choice"])
    return found


async def add_votes(
    conn: Conn,
    post_id: int,
    choices: list[int],
    *,
    account_id: int | None = None,
    remote_id: int | None = None,
    activity_uri: str | None = None,
) -> int:
    """Record votes (each choice once per voter); returns how many were new."""
    added = 0
    for choice in choices:
        result: str = await conn.execute(
            """INSERT INTO poll_votes (post_id, choice, account_id, remote_id, activity_uri)
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING""",
            post_id, choice, account_id, remote_id, activity_uri,
        )  # fmt: skip
        added += int(result.endswith(" 1"))
    return added


async def has_voted(
    conn: Conn, post_id: int, account_id: int | None, remote_id: int | None
) -> bool:
    value: bool = await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM poll_votes WHERE post_id = $1
               AND (account_id = $2 OR remote_id = $3))""",
        post_id, account_id, remote_id,
    )  # fmt: skip
    return value


async def recount(conn: Conn, post_id: int) -> Poll:
    """Counts of a local poll, from its votes."""
    row = await conn.fetchrow(
        """UPDATE polls SET
             counts = (SELECT array_agg(
                         (SELECT count(*) FROM poll_votes v WHERE v.post_id = polls.post_id
                          AND v.choice = i - 1)::int ORDER BY i)
                       FROM generate_subscripts(polls.options, 1) AS i),
             voters_count = (
                 SELECT count(DISTINCT (coalesce(account_id, 0), coalesce(remote_id, 0)))
                 FROM poll_votes v WHERE v.post_id = polls.post_id)
           WHERE post_id = $1 RETURNING *""",
        post_id,
    )
    assert row is not None
    return _poll(row)


async def close_due(conn: Conn, now: datetime) -> list[int]:
    """Close local polls whose time is up; returns their post ids."""
    rows = await conn.fetch(
        """UPDATE polls SET closed_at = $1 FROM posts p
           WHERE p.id = polls.post_id AND p.author_account IS NOT NULL
             AND polls.closed_at IS NULL AND polls.ends_at <= $1
           RETURNING polls.post_id""",
        now,
    )
    return [row["post_id"] for row in rows]


async def voter_accounts(conn: Conn, post_id: int) -> list[int]:
    rows = await conn.fetch(
        "SELECT DISTINCT account_id FROM poll_votes WHERE post_id = $1 AND account_id IS NOT NULL",
        post_id,
    )
    return [row["account_id"] for row in rows]
