"""Peers that are down, rate-limited or gone: the node records why and retries sensibly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web
from aiohttp.test_utils import TestServer

from node.domain.accounts import Account
from node.services.delivery import worker as outbox
from node.services.posts import posts
from node.services.social import follows
from node.storage.actors import remote_actors
from node.storage.actors.remote_actors import RemoteActorFields
from tests.conftest import free_port
from tests.support.federation import FlowNode, run_until_idle


async def _follower(node: FlowNode, account: Account, inbox: str, n: int) -> None:
    async with node.ctx.db.transaction() as conn:
        actor = await remote_actors.upsert_remote_actor(conn, RemoteActorFields(
            uri=f"{inbox}/actor{n}", actor_type="Person", username=f"p{n}", host=f"h{n}.example",
            display_name="", summary_html="", inbox=inbox, shared_inbox=None,
            followers_uri=None, url=None, key_id=None, public_key_pem=None,
            manually_approves=False, raw={},
        ))  # fmt: skip
        await conn.execute(
            "INSERT INTO follows (follower_remote, followee_account, state, activity_uri) "
            "VALUES ($1, $2, 'accepted', $3)",
            actor.id, account.id, f"{inbox}/follow{n}",
        )  # fmt: skip


async def _rows(node: FlowNode) -> dict[str, dict[str, object]]:
    async with node.ctx.db.connection() as conn:
        rows = await conn.fetch(
            "SELECT inbox, state, attempts, last_status, last_error, next_attempt_at "
            "FROM deliveries"
        )
    return {row["inbox"]: dict(row) for row in rows}


async def test_down_rate_limited_and_gone_peers_are_classified(
    pair: tuple[FlowNode, FlowNode],
) -> None:
    a, _ = pair
    ana = await a.user("ana")

    async def limited(request: web.Request) -> web.Response:
        return web.Response(status=429, headers={"Retry-After": "7200"})

    async def gone(request: web.Request) -> web.Response:
        return web.Response(status=410)

    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=500)

    app = web.Application()
    app.router.add_post("/limited", limited)
    app.router.add_post("/gone", gone)
    app.router.add_post("/broken", broken)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    base = f"http://127.0.0.1:{server.port}"
    down = f"http://127.0.0.1:{free_port()}/inbox"  # nothing listens here
    for n, inbox in enumerate([f"{base}/limited", f"{base}/gone", f"{base}/broken", down]):
        await _follower(a, ana, inbox, n)
    before = datetime.now(UTC)
    await posts.create_post(a.ctx, ana, "Term dates for 2027")
    try:
        assert await outbox.deliver_due(a.ctx) == 4
    finally:
        await server.close()
    rows = await _rows(a)
    assert rows[f"{base}/gone"]["state"] == "gone"
    limited_row = rows[f"{base}/limited"]
    assert limited_row["state"] == "pending"
    assert limited_row["last_status"] == 429
    assert limited_row["next_attempt_at"] >= before + timedelta(hours=2) - timedelta(seconds=5)
    assert rows[f"{base}/broken"]["state"] == "pending"
    assert rows[f"{base}/broken"]["last_status"] == 500
    assert rows[down]["state"] == "pending"
    assert rows[down]["last_status"] is None
    assert rows[down]["last_error"], "the connection error is kept for debugging"
    assert all(row["attempts"] == 1 for row in rows.values())
    assert await outbox.deliver_due(a.ctx) == 0, "nothing is due again yet"
    async with a.ctx.db.connection() as conn:
        failing = await conn.fetchval(
            "SELECT count(*) FROM hosts WHERE first_failure_at IS NOT NULL"
        )
    assert failing == 1, "only the host that did not answer; the other answered 410 and 429"


async def test_a_rotated_key_is_refetched_once_and_accepted(
    pair: tuple[FlowNode, FlowNode],
) -> None:
    from federation.crypto import generate_rsa_keypair

    a, b = pair
    ana, ben = await a.user("ana"), await b.user("ben")
    await follows.follow(a.ctx, ana, b.ctx.urls.actor("ben"))
    await run_until_idle(a, b)  # A now caches Ben's key
    fresh = generate_rsa_keypair()
    async with b.ctx.db.connection() as conn:
        await conn.execute(
            "UPDATE accounts SET private_key_pem = $2, public_key_pem = $3 WHERE id = $1",
            ben.id, fresh.private_pem, fresh.public_pem,
        )  # fmt: skip
    post = await posts.create_post(b.ctx, ben, "Signed with my new key")
    await run_until_idle(a, b)
    async with a.ctx.db.connection() as conn:
        stored = await conn.fetchval("SELECT count(*) FROM posts WHERE uri = $1", post.uri)
        cached = await conn.fetchval("SELECT public_key_pem FROM remote_actors WHERE uri = $1",
                                     b.ctx.urls.actor("ben"))  # fmt: skip
    assert stored == 1
    assert cached == fresh.public_pem
