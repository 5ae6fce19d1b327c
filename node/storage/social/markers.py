"""Reading positions (markers): where a person stopped reading each timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from node.storage.pool import Conn


@dataclass(frozen=True, slots=True)
class Marker:
    timeline: str
    last_read_id: int
    version: int
    updated_at: datetime


async def markers_of(conn: Conn, account_id: int, timelines: list[str]) -> list[Marker]:
    rows = await conn.fetch(
        """SELECT timeline, last_read_id, version, updated_at FROM markers
           WHERE account_id = $1 AND timeline = ANY($2::text[]) ORDER BY timeline""",
        account_id, timelines,
    )  # fmt: skip
    return [Marker(**dict(row)) for row in rows]


async def set_marker(conn: Conn, account_id: int, timeline: str, last_read_id: int) -> Marker:
    """Create or move the marker. Setting the same position again is not a change: the version
    and time stay (Rails does not save an unchanged record, so Mastodon's lock does not move)."""
    row = await conn.fetchrow(
        """INSERT INTO markers AS m (account_id, timeline, last_read_id) VALUES ($1, $2, $3)
           ON CONFLICT (account_id, timeline) DO UPDATE
               SET last_read_id = EXCLUDED.last_read_id, version = m.version + 1,
                   updated_at = now()
               WHERE m.last_read_id <> EXCLUDED.last_read_id
           RETURNING timeline, last_read_id, version, updated_at""",
        account_id, timeline, last_read_id,
    )  # fmt: skip
    if row is None:  # unchanged: the conflicting row was left as it was
        row = await conn.fetchrow(
            """SELECT timeline, last_read_id, version, updated_at FROM markers
               WHERE account_id = $1 AND timeline = $2""",
            account_id, timeline,
        )  # fmt: skip
    assert row is not None  # inserted, updated, or already there
    return Marker(**dict(row))
