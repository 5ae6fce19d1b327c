"""Removing rows whose work is finished, a batch at a time (each DELETE locks few rows)."""

from __future__ import annotations

from datetime import datetime

from node.storage.pool import Conn


async def prune_inbox(conn: Conn, done_before: datetime, kept_before: datetime, batch: int) -> int:
    """Applied activities processed before `done_before`, and the ones never applied (rejected,
    dropped, failed: kept longer, for whoever looks into why) before `kept_before`."""
    result: str = await conn.execute(
        """DELETE FROM inbox_activities WHERE id IN (
               SELECT id FROM inbox_activities
               WHERE state <> 'pending' AND processed_at IS NOT NULL
                 AND processed_at < CASE WHEN state = 'done' THEN $1::timestamptz
                                         ELSE $2::timestamptz END
               LIMIT $3)""",
        done_before, kept_before, batch,
    )  # fmt: skip
    return int(result.split()[-1])


async def prune_outbound(conn: Conn, before: datetime, batch: int) -> int:
    """Activities we sent before `before` with no delivery still to try (their delivery rows
    go with them)."""
    result: str = await conn.execute(
        """DELETE FROM outbound_activities WHERE id IN (
               SELECT a.id FROM outbound_activities a
               WHERE a.created_at < $1 AND NOT EXISTS (
                   SELECT 1 FROM deliveries d WHERE d.activity_id = a.id AND d.state = 'pending')
               LIMIT $2)""",
        before, batch,
    )  # fmt: skip
    return int(result.split()[-1])
