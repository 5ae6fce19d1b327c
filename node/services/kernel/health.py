"""Health of the node's dependencies, for /healthz and the metrics page."""

from __future__ import annotations

from dataclasses import dataclass

from node.storage.pool import Database, DatabaseUnavailable, PoolStats


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


def pool_stats(db: Database) -> PoolStats:
    return db.stats()
