"""Our node and a real Fedify 2 server federate both ways over loopback.

Fedify signs with RFC 9421 first and falls back to draft-cavage on a 4xx; we sign with
draft-cavage, and Fedify verifies our signatures by fetching our actor's key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from node.services.posts import posts
from node.services.social import follows
from tests.interop.fedify_peer import FedifyPeer
from tests.support.federation import FlowNode, run_until_idle


async def _settle(node: FlowNode, done: Callable[[], Any], timeout: float = 20) -> None:
    """Drain our queues until `done()` holds; Fedify works asynchronously on its side."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await done():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the nodes did not settle")
        await run_until_idle(node)
        await asyncio.sleep(0.1)


async def test_fedify_follows_us_and_receives_our_post(
    node: FlowNode, fedify_peer: FedifyPeer
) -> None:
    ana = await node.user("ana")
    ana_url = node.ctx.urls.actor("ana")
    await asyncio.to_thread(fedify_peer.follow, ana_url)
    await run_until_idle(node)
    accept = await asyncio.to_thread(
        fedify_peer.wait_for, lambda a: a["type"] == "Accept" and a["actor"] == ana_url
    )
    assert accept["signature"]["scheme"] == "draft-cavage"
    assert accept["signature"]["keyId"] == f"{ana_url}#main-key"

    post = await posts.create_post(node.ctx, ana, "Science fair judging rubric is up")
    await run_until_idle(node)
    create = await asyncio.to_thread(
        fedify_peer.wait_for, lambda a: a["type"] == "Create" and post.uri in str(a["object"])
    )
    assert create["verified"] is True
    assert "Science fair judging rubric" in str(create["raw"]["object"]["content"])


async def test_we_follow_fedify_and_accept_its_rfc9421_deliveries(
    node: FlowNode, fedify_peer: FedifyPeer
) -> None:
    ana = await node.user("ana")
    follow = await follows.follow(node.ctx, ana, fedify_peer.actor_url)

    async def accepted() -> bool:
        async with node.ctx.db.connection() as conn:
            state = await conn.fetchval("SELECT state FROM follows WHERE id = $1", follow.id)
        return state == "accepted"

    await _settle(node, accepted)
    assert node.ctx.urls.actor("ana") in await asyncio.to_thread(fedify_peer.followers)

    note = await asyncio.to_thread(fedify_peer.post, "Hello from a Fedify server")
    note_id = note["object"] if isinstance(note["object"], str) else note["object"]["id"]

    async def stored() -> bool:
        async with node.ctx.db.connection() as conn:
            found = await conn.fetchval("SELECT content_html FROM posts WHERE uri = $1", note_id)
        return found is not None and "Hello from a Fedify server" in found

    await _settle(node, stored)
    # Fedify knocked with RFC 9421 first; our inbox verified it, so it never fell back.
    posts_to_us = [
        r
        for r in await asyncio.to_thread(fedify_peer.outgoing)
        if r.get("method") == "POST" and str(r.get("url", "")).startswith(node.url)
    ]
    assert posts_to_us
    assert all(r["signature"]["scheme"] == "rfc9421" for r in posts_to_us if r["status"] == 202)
    assert any(r["status"] == 202 for r in posts_to_us)


async def _until(node: FlowNode, expected: object, query: str, *args: object) -> None:
    """Drain our queues until `query` answers `expected`."""

    async def reached() -> bool:
        async with node.ctx.db.connection() as conn:
            return await conn.fetchval(query, *args) == expected

    await _settle(node, reached)


async def test_fedify_edits_replies_likes_boosts_deletes_and_we_unfollow(
    node: FlowNode, fedify_peer: FedifyPeer
) -> None:
    ana = await node.user("ana")
    follow = await follows.follow(node.ctx, ana, fedify_peer.actor_url)
    await _until(node, "accepted", "SELECT state FROM follows WHERE id = $1", follow.id)
    mine = await posts.create_post(node.ctx, ana, "Reading list for the book club")
    await run_until_idle(node)

    reply = await asyncio.to_thread(fedify_peer.post, "Count me in", None, mine.uri)
    reply_uri = reply["object"]
    await _until(node, mine.id, "SELECT in_reply_to_id FROM posts WHERE uri = $1", reply_uri)

    await asyncio.to_thread(fedify_peer.like, mine.uri, node.ctx.urls.actor("ana"))
    await asyncio.to_thread(fedify_peer.announce, mine.uri, node.ctx.urls.actor("ana"))
    await _until(node, [1, 1], "SELECT ARRAY[(SELECT count(*) FROM likes WHERE post_id = $1), "
                 "(SELECT count(*) FROM boosts WHERE post_id = $1)]", mine.id)  # fmt: skip

    await asyncio.to_thread(fedify_peer.update, reply_uri, "Count me in, twice")
    await _until(node, True, "SELECT content_html LIKE '%twice%' FROM posts WHERE uri = $1",
                 reply_uri)  # fmt: skip

    await asyncio.to_thread(fedify_peer.delete, reply_uri)
    await _until(node, 0, "SELECT count(*) FROM posts WHERE uri = $1", reply_uri)

    await follows.unfollow(node.ctx, ana, fedify_peer.actor_url)
    await run_until_idle(node)
    await asyncio.to_thread(
        fedify_peer.wait_for,
        lambda a: a["type"] == "Undo" and a["actor"] == node.ctx.urls.actor("ana"),
    )
    assert node.ctx.urls.actor("ana") not in await asyncio.to_thread(fedify_peer.followers)
