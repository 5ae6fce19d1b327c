"""The delivery queue: rows written with the post, and two workers never send one row twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from aiohttp.test_utils import TestServer

from federation.signatures import verify_request
from node.domain.accounts import Account
from node.services.delivery import worker as outbox
from node.services.kernel.context import NodeContext, federation_client
from node.services.kernel.db import Database
from node.services.posts import posts
from node.storage.actors import remote_actors
from node.storage.actors.remote_actors import RemoteActorFields
from tests.conftest import free_port
from tests.support.federation import FlowNode

FOLLOWERS = 60


class Sink:
    """A stand-in for many remote servers: one inbox per follower, verifying every signature."""

    def __init__(self, public_key_pem: str) -> None:
        self.public_key_pem = public_key_pem
        self.received: Counter[str] = Counter()
        self.bad_signatures = 0

    async def inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        verified = verify_request("POST", str(request.url), request.headers, body,
                                  self.public_key_pem)  # fmt: skip
        if type(verified).__name__ != "Verified":
            self.bad_signatures += 1
            return web.Response(status=401)
        await asyncio.sleep(0.01)  # a little network time, so the workers overlap
        self.received[request.match_info["n"]] += 1
        return web.Response(status=202)


@asynccontextmanager
async def _serving(sink: Sink) -> AsyncIterator[str]:
    """The sink's inboxes on loopback; their base URL."""
    app = web.Application()
    app.router.add_post("/users/{n}/inbox", sink.inbox)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.close()


async def _followed_at(node: FlowNode, account: Account, base: str) -> None:
    """FOLLOWERS people, each on a server of their own whose inbox is at `base`, follow her."""
    async with node.ctx.db.transaction() as conn:
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


@asynccontextmanager
async def _another_worker(node: FlowNode) -> AsyncIterator[NodeContext]:
    """A second worker process: its own pool and HTTP client on the same database."""
    db = await Database.connect(str(node.settings.database_url), min_size=1, max_size=4)
    other = NodeContext(db=db, urls=node.ctx.urls,
                        http=federation_client(node.url, loopback=True), loopback=True)  # fmt: skip
    await other.http.open()
    try:
        yield other
    finally:
        await other.http.close()
        await db.close()


async def _drain(ctx: NodeContext) -> int:
    total = 0
    while handled := await outbox.deliver_due(ctx, batch=5):
        total += handled
    return total


async def test_two_workers_deliver_every_row_exactly_once(node: FlowNode) -> None:
    ana = await node.user("ana")
    sink = Sink(ana.public_key_pem)
    async with _serving(sink) as base:
        await _followed_at(node, ana, base)
        post = await posts.create_post(node.ctx, ana, "Parent evening moved to Thursday")
        async with node.ctx.db.connection() as conn:
            queued = await conn.fetchval("SELECT count(*) FROM deliveries WHERE state = 'pending'")
        assert queued == FOLLOWERS, "one delivery row per inbox, written with the post"

        async with _another_worker(node) as other:
            first, second = await asyncio.gather(_drain(node.ctx), _drain(other))
    assert first > 0
    assert second > 0, "both workers took part"
    assert first + second == FOLLOWERS
    assert sink.bad_signatures == 0
    assert sorted(sink.received.values()) == [1] * FOLLOWERS
    async with node.ctx.db.connection() as conn:
        delivered = await conn.fetchval(
            "SELECT count(*) FROM deliveries WHERE state = 'delivered' AND last_status = 202"
        )
    assert delivered == FOLLOWERS
    assert post.uri.startswith(node.url)
