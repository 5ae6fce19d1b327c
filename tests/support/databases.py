"""Real PostgreSQL for tests: TEST_DATABASE_URL when set, else an embedded cluster.

A template database is migrated once per session; each test gets its own database cloned from
it (`CREATE DATABASE … TEMPLATE …`), which takes milliseconds instead of re-running migrations.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from node.paths import migrations_dir
from node.storage.embedded import EmbeddedPostgres
from node.storage.migrate import migrate

T = TypeVar("T")


def with_database(dsn: str, name: str) -> str:
    """The same server, another database."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{name}"))


class TestDatabases:
    __test__ = False  # a helper, not a test class

    def __init__(self) -> None:
        self._server: EmbeddedPostgres | None = None
        self.admin_dsn = os.environ.get("TEST_DATABASE_URL", "")
        self.template = f"commonroom_tmpl_{uuid.uuid4().hex[:8]}"
        self._created: list[str] = []

    def start(self) -> None:
        if not self.admin_dsn:
            # /tmp itself, not pytest's 0700 tmp dir, so the server user can reach it as root.
            directory = Path(tempfile.mkdtemp(prefix="commonroom-test-pg-"))
            directory.chmod(0o755)
            self._server = EmbeddedPostgres(directory, fast=True)
            self._server.start()
            self.admin_dsn = self._server.paths.dsn("postgres")

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    async def create_template(self) -> None:
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{self.template}"')
        finally:
            await conn.close()
        conn = await asyncpg.connect(with_database(self.admin_dsn, self.template))
        try:
            await migrate(conn, migrations_dir())
        finally:
            await conn.close()

    async def create(self, prefix: str = "t") -> str:
        """A fresh, migrated database; returns its DSN."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        finally:
            await conn.close()
        self._created.append(name)
        return with_database(self.admin_dsn, name)

    async def create_empty(self, prefix: str = "e") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self._created.append(name)
        return with_database(self.admin_dsn, name)

    async def drop_all(self) -> None:
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            for name in [*self._created, self.template]:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even where a loop already runs.

    Playwright's sync API keeps a loop running in the test's thread, so asyncio.run() there
    fails; a short-lived thread with its own loop does not care.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
