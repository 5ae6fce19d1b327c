"""Mastodon.py on node A finds and follows someone on node B through search (resolve=true), reads
their post on its home timeline, and gets the notification when they reply. Two real nodes
federate over HTTP on loopback; Mastodon.py is synchronous, so it runs in a thread."""

from __future__ import annotations

import asyncio

from node.services.posts import posts
from tests.support.federation import FlowNode, run_until_idle
from tests.support.mastodon_py import mastodon_signed_in


async def test_resolve_follow_read_and_get_a_reply_from_another_node(
    pair: tuple[FlowNode, FlowNode],
) -> None:
    a, b = pair
    await a.user("ana")
    ben = await b.user("ben")
    api = await asyncio.to_thread(mastodon_signed_in, a.url, "ana@district.example", "across")

    found = await asyncio.to_thread(api.search_v2, f"@ben@{b.host}", resolve=True)
    assert [acct.acct for acct in found.accounts] == [f"ben@{b.host}"]
    remote = found.accounts[0]
    assert remote.url and remote.id
    relation = await asyncio.to_thread(api.account_follow, remote.id)
    assert relation.requested or relation.following
    await run_until_idle(a, b)
    [after] = await asyncio.to_thread(api.account_relationships, remote.id)
    assert after.following, "ben's node accepted the follow"

    await posts.create_post(b.ctx, ben, "Science fair judges needed #volunteers")
    await run_until_idle(a, b)
    home = await asyncio.to_thread(api.timeline_home)
    theirs = next(s for s in home if "Science fair" in s.content)
    assert theirs.account.acct == f"ben@{b.host}" and theirs.account.id == remote.id

    mine = await asyncio.to_thread(
        api.status_post, f"@ben@{b.host} count me in", in_reply_to_id=theirs.id
    )
    await run_until_idle(a, b)
    await posts.create_post(b.ctx, ben, f"@ana@{a.host} thank you!", in_reply_to=mine.uri)
    await run_until_idle(a, b)
    notes = await asyncio.to_thread(api.notifications)
    reply = next(n for n in notes if n.type == "mention")
    assert reply.account.acct == f"ben@{b.host}"
    assert "thank you!" in reply.status.content
    assert reply.status.in_reply_to_id == mine.id
