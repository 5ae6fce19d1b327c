"""Forward-only SQL migrations: numbered files, one transaction each, under an advisory lock."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from node.storage.pool import Conn

# Any constant works; it only has to be the same for every process migrating this database.
MIGRATION_LOCK = 0x636F6D6D6F6E  # "common"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: str
    path: Path


class MigrationError(Exception):
    def __init__(self, migration: Migration, reason: str) -> None:
        super().__init__(f"migration {migration.path.name} failed: {reason}")
        self.migration = migration
        self.reason = reason


def discover(directory: Path) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if match is None:
            raise ValueError(f"migration file {path.name} is not named NNNN_description.sql")
        found.append(Migration(version=path.stem, path=path))
    return found


async def applied_versions(conn: Conn) -> list[str]:
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return []
    rows = await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")
    return [row["version"] for row in rows]


async def migrate(conn: Conn, directory: Path) -> list[str]:
    """Apply every pending migration in order; return the versions applied by this call.

    Two processes migrating at once serialise on the advisory lock; the second finds nothing left
    to do. A failing file rolls back alone, leaving the database at the last good migration.
    """
    pending = discover(directory)
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = set(await applied_versions(conn))
        applied = []
        for migration in pending:
            if migration.version in done:
                continue
            await _apply(conn, migration)
            applied.append(migration.version)
        return applied
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)


async def _apply(conn: Conn, migration: Migration) -> None:
    sql = migration.path.read_text()
    try:
        async with conn.transaction():
            await conn.execute(sql)
            await conn.execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)", migration.version
            )
    except asyncpg.PostgresError as error:
        raise MigrationError(migration, str(error).splitlines()[0]) from error
