"""Real PostgreSQL for tests: TEST_DATABASE_URL when set, else an embedded cluster.

A template database is migrated once per session; each test gets its own database cloned from
it (`CREATE DATABASE … TEMPLATE …`), which takes milliseconds instead of re-running migrations.
"""

from __future__ import annotations

import asyncio
import os
import shutil
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

# Each session's embedded cluster lives in its own folder of the temp dir (~1 GB after a full
# run); `TestDatabases.stop` removes it.
CLUSTER_PREFIX = "commonroom-test-pg-"


def with_database(dsn: str, name: str) -> str:
    """The same server, another database."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{name}"))


class TestDatabases:
    __test__ = False  # a helper, not a test class

    def __init__(self) -> None:
        self._server: EmbeddedPostgres | None = None
        self._directory: Path | None = None
        self.admin_dsn = os.environ.get("TEST_DATABASE_URL", "")
        self.template = f"commonroom_tmpl_{uuid.uuid4().hex[:8]}"
        self._created: list[str] = []

    @property
    def directory(self) -> Path | None:
        """The embedded cluster's folder while it exists (None with TEST_DATABASE_URL)."""
        return self._directory

    def start(self) -> None:
        if self.admin_dsn:
            return
        # /tmp itself, not pytest's 0700 tmp dir, so the server user can reach it as root.
        self._directory = Path(tempfile.mkdtemp(prefix=CLUSTER_PREFIX))
        self._directory.chmod(0o755)
        server = self._server = self.new_server(self._directory)
        try:
            server.start()
        except BaseException:
            self.stop()
            raise
        self.admin_dsn = server.paths.dsn("postgres")

    def new_server(self, directory: Path) -> EmbeddedPostgres:
        """The embedded cluster in `directory` (the cleanup tests replace it)."""
        return EmbeddedPostgres(directory, fast=True)

    def stop(self) -> None:
        """Stop the embedded server, then remove its folder (even if stopping failed: the
        server dies with this process anyway)."""
        server, self._server = self._server, None
        try:
            if server is not None:
                server.stop()
        finally:
            directory, self._directory = self._directory, None
            if directory is not None:
                remove_cluster(directory)

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


def remove_cluster(directory: Path) -> None:
    """Remove a stopped cluster's folder and everything in it (an error if something in it
    cannot be removed: a leak should be seen, not hidden)."""
    if directory.exists():
        shutil.rmtree(directory)


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even where a loop already runs.

    Playwright's sync API keeps a loop running in the test's thread, so asyncio.run() there
    fails; a short-lived thread with its own loop does not care.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
