"""Failed sign-in attempts, for throttling (see node.domain.sign_in)."""

from __future__ import annotations

from datetime import datetime

from node.domain.sign_in import FailureCounts
from node.storage.pool import Conn


async def count_failures(
    conn: Conn, username: str, client_addr: str, since: datetime
) -> FailureCounts:
    row = await conn.fetchrow(
        """SELECT
            (SELECT count(*) FROM sign_in_failures
              WHERE lower(username) = lower($1) AND failed_at > $3) AS for_account,
            (SELECT count(*) FROM sign_in_failures
              WHERE client_addr = $2 AND failed_at > $3) AS for_address""",
        username,
        client_addr,
        since,
    )
    assert row is not None
    return FailureCounts(for_account=row["for_account"], for_address=row["for_address"])


async def record_failure(conn: Conn, username: str, client_addr: str) -> None:
    await conn.execute(
        "INSERT INTO sign_in_failures (username, client_addr) VALUES ($1, $2)",
        username[:64],
        client_addr,
    )


async def clear_failures(conn: Conn, username: str) -> None:
    await conn.execute("DELETE FROM sign_in_failures WHERE lower(username) = lower($1)", username)


async def oldest_failure_since(
    conn: Conn, username: str, client_addr: str, since: datetime
) -> datetime | None:
    value: datetime | None = await conn.fetchval(
        """SELECT min(failed_at) FROM sign_in_failures
           WHERE (lower(username) = lower($1) OR client_addr = $2) AND failed_at > $3""",
        username,
        client_addr,
        since,
    )
    return value


async def prune_failures(conn: Conn, before: datetime) -> int:
    """Failures too old to count against anyone (older than every throttling window)."""
    result: str = await conn.execute("DELETE FROM sign_in_failures WHERE failed_at < $1", before)
    return int(result.split()[-1])
