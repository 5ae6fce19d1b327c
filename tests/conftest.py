"""Shared fixtures: a real PostgreSQL, a per-test database, a running app and a client."""

from __future__ import annotations

import random
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import settings as hypothesis_settings

from node.app import create_app
from node.services.kernel.db import Database
from node.settings import Settings
from tests.support.databases import TestDatabases, run_sync
from tests.support.nodes import node_settings

# Shared, noisy machines: a slow example is not a failing one (no per-example deadline).
hypothesis_settings.register_profile("commonroom", deadline=None)
hypothesis_settings.load_profile("commonroom")


@pytest.fixture(scope="session")
def databases() -> Iterator[TestDatabases]:
    dbs = TestDatabases()
    dbs.start()
    try:
        run_sync(dbs.create_template())
        yield dbs
        run_sync(dbs.drop_all())
    finally:
        dbs.stop()  # the embedded cluster's folder goes too, whether the session passed or not


@pytest.fixture
async def database_url(databases: TestDatabases) -> str:
    return await databases.create()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await Database.connect(database_url, min_size=1, max_size=4)
    yield database
    await database.close()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return node_settings(database_url, tmp_path / "data", free_port())


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[TestClient[object, object]]:
    app = create_app(settings)
    server = TestServer(app, host="127.0.0.1", port=settings.listen_port)
    async with TestClient(server) as test_client:
        yield test_client


# Below the kernel's ephemeral range (32768-60999 on Linux): a port handed out by bind(0) can be
# taken by any outgoing connection before the test server binds it, which happened in CI while
# a benchmark opened hundreds of connections. These ports are only ever taken by a listener.
_PORTS = range(20_000, 32_000)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now, for a test server to bind."""
    for _ in range(200):
        port = random.choice(_PORTS)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")
