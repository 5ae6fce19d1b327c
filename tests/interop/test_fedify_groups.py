"""A Mastodon-like user (a real Fedify server) holds one discussion in a group with teachers on
two of our nodes: it joins by following the group, starts a thread by mentioning it, and its
reply lands in the thread; the group announces everything to the other members (FEP-1b12,
interop brief §6.2)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from node.domain.accounts import Account
from node.domain.groups import GroupSettings
from node.services.groups import groups
from node.services.groups import threads as group_posts
from node.services.groups.groups import GroupInfo
from tests.interop.fedify_peer import FedifyPeer
from tests.support.federation import FlowNode, run_until_idle


async def _settle(nodes: tuple[FlowNode, ...], done: Callable[[], Awaitable[Any]]) -> None:
    deadline = asyncio.get_running_loop().time() + 30
    while not await done():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the nodes did not settle")
        await run_until_idle(*nodes)
        await asyncio.sleep(0.1)


async def _value(node: FlowNode, query: str, *args: Any) -> Any:
    async with node.ctx.db.connection() as conn:
        return await conn.fetchval(query, *args)


async def _received(
    peer: FedifyPeer, kind: str, check: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The first activity of this type the Fedify user received that passes `check` (waiting
    for it, with the peer's own deadline)."""
    found: dict[str, Any] = await asyncio.to_thread(
        peer.wait_for, lambda x: x["type"] == kind and check(x)
    )
    return found


def _stored(node: FlowNode, uri: str) -> Callable[[], Awaitable[bool]]:
    """Whether the node holds the post with this id yet."""

    async def found() -> bool:
        return bool(await _value(node, "SELECT count(*) FROM posts WHERE uri = $1", uri))

    return found


async def _science_club(a: FlowNode, b: FlowNode) -> tuple[GroupInfo, Account]:
    """A group on A, with ben on B as a member; the group and ben."""
    owner, ben = await a.user("owner"), await b.user("ben")
    group = await groups.create_group(a.ctx, owner, "scienceclub", GroupSettings(name="Science"))
    await groups.join(b.ctx, ben, await groups.find_group(b.ctx, f"scienceclub@{a.host}"))
    await run_until_idle(a, b)
    return group, ben


async def test_fedify_user_joins_posts_and_replies_in_a_group(
    pair: tuple[FlowNode, FlowNode], fedify_peer: FedifyPeer
) -> None:
    a, b = pair
    group, ben = await _science_club(a, b)

    # The Mastodon-like user joins by following the group, and is accepted.
    await asyncio.to_thread(fedify_peer.follow, group.uri)
    await run_until_idle(a)
    accept = await _received(fedify_peer, "Accept", lambda x: x["actor"] == group.uri)
    assert accept["verified"] is True

    # A post that mentions the group becomes a thread, titled by its first line.
    sent = await asyncio.to_thread(
        fedify_peer.post, "Rocket launch day\nBring goggles and water.", group.uri
    )
    note_uri = sent["object"]
    await _settle((a, b), _stored(b, note_uri))
    title = await _value(a, "SELECT title FROM posts WHERE uri = $1", note_uri)
    assert title == "Rocket launch day"
    assert await _value(b, "SELECT title FROM posts WHERE uri = $1", note_uri) == title
    remote_group = await groups.find_group(b.ctx, f"scienceclub@{a.host}")
    threads = await group_posts.thread_list(b.ctx, ben, remote_group)
    assert [t.first.uri for t in threads] == [note_uri]

    # Ben on B replies; the group announces the reply, and the Fedify user receives it.
    reply_id = await group_posts.reply(b.ctx, ben, threads[0].first.id, "Goggles are in the lab.")
    reply_uri = await _value(b, "SELECT uri FROM posts WHERE id = $1", reply_id)
    await run_until_idle(b, a)
    await run_until_idle(a, b)
    announced = await _received(
        fedify_peer, "Announce", lambda x: x["actor"] == group.uri and reply_uri in str(x["raw"])
    )
    assert announced["verified"] is True
    assert announced["actor"] == group.uri
    # The Mastodon-style boost of the new thread reached it too.
    await _received(fedify_peer, "Announce", lambda x: x["raw"].get("object") == note_uri)

    # The Fedify user's reply (mentioning the group, as Mastodon pre-fills) lands in the thread
    # on A and, through the group's Announce, on B.
    answer = await asyncio.to_thread(
        fedify_peer.post, "Thanks, see you there!", group.uri, note_uri
    )
    await _settle((a, b), _stored(b, answer["object"]))
    page = await group_posts.thread_page(b.ctx, ben, threads[0].first.id)
    assert [p.uri for p in page.replies] == [reply_uri, answer["object"]]
