"""kill -9 of a worker in the middle of a fan-out loses nothing: a new worker finishes it, and
re-sends only what was in flight. Two worker processes never send one row twice.

The sink decides when it answers (tests/support/sinks.py), so each test waits for a state
(every send slot of the worker held at the sink, say) instead of sleeping and counting."""

from __future__ import annotations

import os
import signal
import subprocess
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from node.domain.accounts import Account
from node.domain.urls import Urls
from node.services.accounts import accounts
from node.services.delivery.worker import CONCURRENCY
from node.services.kernel.context import NodeContext, federation_client
from node.services.kernel.db import Database
from node.services.posts import posts
from node.storage.actors import remote_actors
from node.storage.actors.remote_actors import RemoteActorFields
from tests.conftest import free_port
from tests.support.databases import TestDatabases
from tests.support.processes import COMMAND, eventually, node_env
from tests.support.sinks import HeldInboxes

pytestmark = pytest.mark.slow
FOLLOWERS = 60


ANSWER_FIRST = 20  # the sink answers these at once, then holds every request


@asynccontextmanager
async def _serving(inboxes: HeldInboxes) -> AsyncIterator[str]:
    async def inbox(request: web.Request) -> web.Response:
        await request.read()
        await inboxes.receive(request.match_info["n"])
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/users/{n}/inbox", inbox)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        inboxes.release()
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
    """`commonroom worker`, its log (stderr) next to its data dir."""
    env = node_env(
        DATABASE_URL=dsn, COMMONROOM_PUBLIC_URL=public_url, COMMONROOM_FEDERATION_LOOPBACK="1"
    )
    with (data_dir.parent / "worker.log").open("ab") as log:
        return subprocess.Popen(
            [*COMMAND, "worker", "--data-dir", str(data_dir)], env=env,
            stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip


async def _delivered(db: Database) -> int:
    async with db.connection() as conn:
        done: int = await conn.fetchval("SELECT count(*) FROM deliveries WHERE state = 'delivered'")
    return done


@dataclass(frozen=True, slots=True)
class Killed:
    """What the sink had seen when the first worker died, and everything it saw in the end."""

    arrived: Counter[str]  # by inbox, before the kill
    in_flight: Counter[str]  # held at the sink (sent, never answered), before the kill
    received: Counter[str]  # by inbox, in the end


async def _fan_out_with_a_kill(
    databases: TestDatabases,
    tmp_path: Path,
    before_kill: Callable[[Database], Awaitable[None]] | None = None,
) -> Killed:
    """A post to FOLLOWERS inboxes; a worker that is killed (SIGKILL) once the sink answered
    ANSWER_FIRST and holds as many as the worker sends at a time; a second worker finishes."""
    inboxes = HeldInboxes(answer_first=ANSWER_FIRST)
    dsn = await databases.create()
    public_url = f"http://127.0.0.1:{free_port()}"
    db = await Database.connect(dsn, min_size=1, max_size=2)
    ctx = NodeContext(db=db, urls=Urls(public_url), http=federation_client(public_url,
                      loopback=True), loopback=True)  # fmt: skip
    try:
        async with _serving(inboxes) as base:
            ana = await accounts.create_account(db, "ana", "ana@district.example")
            await _followers(db, ana, base)
            await posts.create_post(ctx, ana, "Snow day: school closed tomorrow")
            first = _worker(dsn, public_url, tmp_path / "var")
            try:
                # Every send slot waits on the sink: the worker can send nothing more.
                await inboxes.wait_for(
                    lambda: inboxes.answered == ANSWER_FIRST and inboxes.held == CONCURRENCY,
                    f"{ANSWER_FIRST} answered and {CONCURRENCY} held",
                )
                if before_kill is not None:
                    await before_kill(db)
            finally:
                os.kill(first.pid, signal.SIGKILL)
                first.wait()
            arrived, in_flight = Counter(inboxes.arrived), +inboxes.waiting
            inboxes.release()
            second = _worker(dsn, public_url, tmp_path / "var")
            try:
                await eventually(lambda: _is_all_delivered(db), "every row delivered", timeout=60)
            finally:
                second.send_signal(signal.SIGTERM)
                assert second.wait(timeout=30) == 0
            return Killed(arrived, in_flight, Counter(inboxes.arrived))
    finally:
        await db.close()


async def _is_all_delivered(db: Database) -> bool:
    return await _delivered(db) == FOLLOWERS


async def test_killed_worker_mid_fan_out_loses_no_delivery(
    databases: TestDatabases, tmp_path: Path
) -> None:
    killed = await _fan_out_with_a_kill(databases, tmp_path)

    assert killed.arrived.total() == ANSWER_FIRST + CONCURRENCY < FOLLOWERS, "a mid-fan-out kill"
    assert set(killed.received) == {str(n) for n in range(FOLLOWERS)}, "every inbox got it"
    # At-least-once: only what the dead worker had sent may arrive twice, and only once more.
    resent = killed.received - Counter(killed.received.keys())
    assert set(resent) <= set(killed.arrived)
    assert max(killed.received.values()) <= 2
    assert killed.received.total() <= FOLLOWERS + killed.arrived.total()


async def test_a_kill_resends_only_what_was_in_flight(
    databases: TestDatabases, tmp_path: Path
) -> None:
    async def answered_ones_recorded(db: Database) -> None:
        async def recorded() -> bool:
            return await _delivered(db) == ANSWER_FIRST

        # Outcomes are written as the sends finish, not when the whole batch has.
        await eventually(recorded, "the answered rows recorded", timeout=15)

    killed = await _fan_out_with_a_kill(databases, tmp_path, answered_ones_recorded)

    assert set(killed.received) == {str(n) for n in range(FOLLOWERS)}
    resent = killed.received - Counter(killed.received.keys())
    assert set(resent) <= set(killed.in_flight), "an answered, recorded delivery is not re-sent"
    assert killed.received.total() <= FOLLOWERS + CONCURRENCY


async def test_two_worker_processes_never_send_a_row_twice(
    databases: TestDatabases, tmp_path: Path
) -> None:
    inboxes = HeldInboxes()  # holds every request until released
    dsn = await databases.create()
    public_url = f"http://127.0.0.1:{free_port()}"
    db = await Database.connect(dsn, min_size=1, max_size=2)
    ctx = NodeContext(db=db, urls=Urls(public_url), http=federation_client(public_url,
                      loopback=True), loopback=True)  # fmt: skip
    workers: list[subprocess.Popen[bytes]] = []
    try:
        async with _serving(inboxes) as base:
            ana = await accounts.create_account(db, "ana", "ana@district.example")
            await _followers(db, ana, base)
            await posts.create_post(ctx, ana, "Assembly at 9")
            workers = [_worker(dsn, public_url, tmp_path / f"var{n}") for n in range(2)]
            # One worker sends at most CONCURRENCY at a time: more held means both are sending.
            await inboxes.wait_for(lambda: inboxes.held > CONCURRENCY, "both workers sending")
            inboxes.release()
            await eventually(lambda: _is_all_delivered(db), "every row delivered", timeout=60)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
        await db.close()
    assert sorted(inboxes.arrived.values()) == [1] * FOLLOWERS
