"""Health of the node's dependencies, for /healthz and the metrics page."""

from __future__ import annotations

from dataclasses import dataclass

from node.storage.pool import Database, DatabaseUnavailable
from node.storage.queues import states as queue_store


@dataclass(frozen=True, slots=True)
class Health:
    database_ok: bool
    database_detail: str


async def check_health(db: Database) -> Health:
    try:
        await db.ping()
    except DatabaseUnavailable as error:
        return Health(database_ok=False, database_detail=str(error))
    return Health(database_ok=True, database_detail="ok")


async def queue_states(db: Database) -> dict[tuple[str, str], int]:
    """How many rows each queue holds in each state: {("inbox", "dropped"): 3, ...}; nothing
    while the database is down (the other figures are still worth serving)."""
    try:
        await db.ping()
    except DatabaseUnavailable:
        return {}
    async with db.connection() as conn:
        return await queue_store.state_counts(conn)
