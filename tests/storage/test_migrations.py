"""Migrations: ordered, once each, safe when run concurrently, and atomic per file."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import asyncpg
import pytest

from node.paths import migrations_dir
from node.storage.migrate import MigrationError, applied_versions, discover, migrate
from tests.support.databases import TestDatabases


async def test_fresh_database_gets_every_migration_once(databases: TestDatabases) -> None:
    dsn = await databases.create_empty()
    conn = await asyncpg.connect(dsn)
    try:
        first = await migrate(conn, migrations_dir())
        second = await migrate(conn, migrations_dir())
        assert first == [m.version for m in discover(migrations_dir())]
        assert second == []
        assert await applied_versions(conn) == first
        assert await conn.fetchval("SELECT to_regclass('accounts') IS NOT NULL")
    finally:
        await conn.close()


async def test_two_concurrent_migrations_apply_each_file_exactly_once(
    databases: TestDatabases,
) -> None:
    dsn = await databases.create_empty()
    first, second = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        results = await asyncio.gather(
            migrate(first, migrations_dir()), migrate(second, migrations_dir())
        )
        everything = [m.version for m in discover(migrations_dir())]
        assert sorted([results[0], results[1]], key=len) == [[], everything]
        rows = await first.fetch("SELECT version FROM schema_migrations")
        assert sorted(row["version"] for row in rows) == everything
    finally:
        await first.close()
        await second.close()


async def test_failing_migration_stops_at_last_good_one_and_names_the_file(
    databases: TestDatabases, tmp_path: Path
) -> None:
    directory = tmp_path / "migrations"
    shutil.copytree(migrations_dir(), directory)
    (directory / "8000_good.sql").write_text("CREATE TABLE good_one (id int);")
    (directory / "8001_broken.sql").write_text(
        "CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;"
    )
    (directory / "8002_after.sql").write_text("CREATE TABLE after_broken (id int);")
    dsn = await databases.create_empty()
    conn = await asyncpg.connect(dsn)
    try:
        with pytest.raises(MigrationError) as failure:
            await migrate(conn, directory)
        assert "8001_broken.sql" in str(failure.value)
        assert "no_such_table" in str(failure.value)
        applied = await applied_versions(conn)
        assert applied[-1] == "8000_good"
        assert await conn.fetchval("SELECT to_regclass('good_one') IS NOT NULL")
        # The broken file's own statements were rolled back with it; later files never ran.
        assert await conn.fetchval("SELECT to_regclass('half_done') IS NULL")
        assert await conn.fetchval("SELECT to_regclass('after_broken') IS NULL")
    finally:
        await conn.close()


def test_migration_files_are_numbered_and_unique() -> None:
    found = discover(migrations_dir())
    numbers = [m.version.split("_")[0] for m in found]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == len(numbers)
    assert numbers[0] == "0001"
