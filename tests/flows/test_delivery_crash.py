"""kill -9 of a worker in the middle of a fan-out loses nothing: a new worker finishes it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from node.domain.accounts import Account
from node.domain.urls import Urls
from node.services.accounts import accounts
from node.services.kernel.context import NodeContext, federation_client
from node.services.kernel.db import Database
from node.services.posts import posts
from node.storage.actors import remote_actors
from node.storage.actors.remote_actors import RemoteActorFields
from tests.conftest import free_port
from tests.support.databases import TestDatabases
from tests.support.processes import COMMAND, node_env

pytestmark = pytest.mark.slow
FOLLOWERS = 60


class SlowSink:
    def __init__(self) -> None:
        self.received: Counter[str] = Counter()

    async def inbox(self, request: web.Request) -> web.Response:
        await request.read()
        await asyncio.sleep(0.2)  # slow enough that the kill lands mid-batch
        self.received[request.match_info["n"]] += 1
        return web.Response(status=202)


@pytest.fixture
async def sink() -> AsyncIterator[tuple[SlowSink, str]]:
    found = SlowSink()
    app = web.Application()
    app.router.add_post("/users/{n}/inbox", found.inbox)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    yield found, f"http://127.0.0.1:{server.port}"
    await server.close()


async def _followers(db: Database, account: Account, base: str) -> None:
    async with db.transaction() as conn:
        for n in range(FOLLOWERS):
            actor = await remote_actors.upsert_remote_actor(conn, RemoteActorFields(
                uri=f"{base}/users/{n}", actor_type="Person", username=f"t{n}",
                host=f"peer{n}.example", display_name="", summary_html="",
                inbox=f"{base}/users/{n}/inbox", shared_inbox=None, followers_uri=None,
                url=None, key_id=None, public_key_pem=None, manually_approves=False, raw={},
            ))  # fmt: skip
            await conn.execute(
                "INSERT INTO follows (follower_remote, followee_account, state, activity_uri) "
                "VALUES ($1, $2, 'accepted', $3)",
                actor.id, account.id, f"{base}/follows/{n}",
            )  # fmt: skip


def _worker(dsn: str, public_url: str, data_dir: Path) -> subprocess.Popen[bytes]:
    env = node_env(
        DATABASE_URL=dsn, COMMONROOM_PUBLIC_URL=public_url, COMMONROOM_FEDERATION_LOOPBACK="1"
    )
    return subprocess.Popen(
        [*COMMAND, "worker", "--data-dir", str(data_dir)], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


async def _wait(condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_killed_worker_mid_fan_out_loses_no_delivery(
    databases: TestDatabases, sink: tuple[SlowSink, str], tmp_path: Path
) -> None:
    received, base = sink
    dsn = await databases.create()
    public_url = f"http://127.0.0.1:{free_port()}"
    db = await Database.connect(dsn, min_size=1, max_size=2)
    http = federation_client(public_url, loopback=True)
    ctx = NodeContext(db=db, urls=Urls(public_url), http=http, loopback=True)
    try:
        ana = await accounts.create_account(db, "ana", "ana@district.example")
        await _followers(db, ana, base)
        await posts.create_post(ctx, ana, "Snow day: school closed tomorrow")

        first = _worker(dsn, public_url, tmp_path / "var")

        async def some_sent() -> bool:
            return sum(received.received.values()) >= 5

        await _wait(some_sent)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        sent_before_kill = sum(received.received.values())
        assert sent_before_kill < FOLLOWERS, "the kill landed in the middle of the fan-out"

        second = _worker(dsn, public_url, tmp_path / "var")
        try:

            async def all_delivered() -> bool:
                async with db.connection() as conn:
                    done = await conn.fetchval(
                        "SELECT count(*) FROM deliveries WHERE state = 'delivered'"
                    )
                return bool(done == FOLLOWERS)

            await _wait(all_delivered)
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=30) == 0
    finally:
        await db.close()
    assert set(received.received) == {str(n) for n in range(FOLLOWERS)}, "every inbox got it"
    # At-least-once: only what was in flight when the worker died may arrive twice.
    assert sum(received.received.values()) <= FOLLOWERS + sent_before_kill


async def test_two_worker_processes_never_send_a_row_twice(
    databases: TestDatabases, sink: tuple[SlowSink, str], tmp_path: Path
) -> None:
    received, base = sink
    dsn = await databases.create()
    public_url = f"http://127.0.0.1:{free_port()}"
    db = await Database.connect(dsn, min_size=1, max_size=2)
    ctx = NodeContext(db=db, urls=Urls(public_url), http=federation_client(public_url,
                      loopback=True), loopback=True)  # fmt: skip
    workers: list[subprocess.Popen[bytes]] = []
    try:
        ana = await accounts.create_account(db, "ana", "ana@district.example")
        await _followers(db, ana, base)
        await posts.create_post(ctx, ana, "Assembly at 9")
        workers = [_worker(dsn, public_url, tmp_path / f"var{n}") for n in range(2)]

        async def all_delivered() -> bool:
            async with db.connection() as conn:
                done = await conn.fetchval(
                    "SELECT count(*) FROM deliveries WHERE state = 'delivered'"
                )
            return bool(done == FOLLOWERS)

        await _wait(all_delivered)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
        await db.close()
    assert sorted(received.received.values()) == [1] * FOLLOWERS
