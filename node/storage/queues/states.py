"""How full the two queues are, by state (for the metrics page)."""

from __future__ import annotations

from node.storage.pool import Conn


async def state_counts(conn: Conn) -> dict[tuple[str, str], int]:
    rows = await conn.fetch(
        """SELECT 'inbox' AS queue, state, count(*) AS n FROM inbox_activities GROUP BY state
           UNION ALL
           SELECT 'delivery', state, count(*) FROM deliveries GROUP BY state"""
    )
    return {(row["queue"], row["state"]): row["n"] for row in rows}
