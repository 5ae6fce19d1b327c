"""A group's outbox and pinned threads across nodes, as Lemmy federates a community's: a new
member's node backfills the group's earlier threads from its outbox, and a moderator's pin
(`Add` to the group's `featured` collection, announced by the group) pins the thread on every
member's node."""

from __future__ import annotations

from typing import Any

import aiohttp

from node.domain.groups import GroupSettings
from node.services.groups import groups
from node.services.groups import threads as group_posts
from node.services.groups.groups import GroupInfo
from tests.support.federation import FlowNode, run_until_idle

AS2 = {"Accept": "application/activity+json"}


async def _value(node: FlowNode, query: str, *args: Any) -> Any:
    async with node.ctx.db.connection() as conn:
        return await conn.fetchval(query, *args)


async def _get(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(url, headers=AS2) as response:
        assert response.status == 200
        document: dict[str, Any] = await response.json(content_type=None)
    return document


async def _no_failed_activities(*nodes: FlowNode) -> None:
    for node in nodes:
        failed = await _value(node, "SELECT count(*) FROM inbox_activities WHERE state <> 'done'"
                              " OR last_error IS NOT NULL")  # fmt: skip
        assert failed == 0, node.host


async def _group(a: FlowNode, *, members_only: bool = False) -> tuple[GroupInfo, Any]:
    owner = await a.user("owner")
    group = await groups.create_group(
        a.ctx, owner, "bookclub", GroupSettings(name="Book club", members_only=members_only)
    )
    return group, owner


async def _join(node: FlowNode, person: Any, group_host: str) -> GroupInfo:
    found = await groups.find_group(node.ctx, f"bookclub@{group_host}")
    await groups.join(node.ctx, person, found)
    return found


async def test_threads_started_before_a_teacher_joins_are_backfilled_when_she_joins(
    trio: tuple[FlowNode, FlowNode, FlowNode],
) -> None:
    a, b, c = trio
    # Given a public group on A with a thread by its owner and one by Ben on B
    group, owner = await _group(a)
    ben = await b.user("ben")
    on_b = await _join(b, ben, a.host)
    await run_until_idle(a, b, c)
    await group_posts.start_thread(a.ctx, owner, group, "Welcome", "Introduce yourselves")
    await group_posts.start_thread(b.ctx, ben, on_b, "Week 1", "Chapter one thoughts")
    await run_until_idle(a, b, c)

    # When Cleo on C joins the group
    cleo = await c.user("cleo")
    on_c = await _join(c, cleo, a.host)
    await run_until_idle(a, b, c)

    # Then C holds both earlier threads in the group, and applied everything without error
    titles = [t.row.title for t in await group_posts.thread_list(c.ctx, cleo, on_c)]
    assert sorted(titles) == ["Week 1", "Welcome"]
    ben_uri = await _value(b, "SELECT uri FROM posts WHERE title = 'Week 1'")
    assert await _value(c, "SELECT count(*) FROM posts WHERE uri = $1", ben_uri) == 1
    await _no_failed_activities(a, b, c)


async def test_the_outbox_announces_public_threads_with_stable_ids(
    pair: tuple[FlowNode, FlowNode],
) -> None:
    a, _b = pair
    group, owner = await _group(a)
    thread = await group_posts.start_thread(a.ctx, owner, group, "Welcome", "Hello all")

    first = await _get(a.ctx.urls.outbox("bookclub"))
    again = await _get(a.ctx.urls.outbox("bookclub"))

    assert first["type"] == "OrderedCollection" and first["totalItems"] == 1
    [announce] = first["orderedItems"]
    assert announce == again["orderedItems"][0]
    assert announce["id"] == f"{group.uri}/announces/{thread}"
    assert announce["type"] == "Announce" and announce["actor"] == group.uri
    create = announce["object"]
    assert create["type"] == "Create" and create["actor"] == a.ctx.urls.actor("owner")
    page = create["object"]
    assert page["type"] == "Page" and page["name"] == "Welcome"
    assert page["audience"] == group.uri and page["stickied"] is False


async def test_the_outbox_of_a_members_only_group_lists_no_items_to_an_unsigned_fetch(
    pair: tuple[FlowNode, FlowNode],
) -> None:
    a, _b = pair
    group, owner = await _group(a, members_only=True)
    thread = await group_posts.start_thread(a.ctx, owner, group, "Rota", "outbox-secret")
    await group_posts.set_flag(a.ctx, owner, thread, "pinned", True)

    outbox = await _get(a.ctx.urls.outbox("bookclub"))
    featured = await _get(a.ctx.urls.featured("bookclub"))

    assert outbox["totalItems"] == 1 and outbox["orderedItems"] == []
    assert featured["totalItems"] == 1 and featured["orderedItems"] == []
    assert "outbox-secret" not in str(outbox) + str(featured)


async def test_pinning_on_a_pins_on_b_and_unpinning_unpins(
    pair: tuple[FlowNode, FlowNode],
) -> None:
    a, b = pair
    # Given a group on A with two threads, Ben on B a member
    group, owner = await _group(a)
    ben = await b.user("ben")
    on_b = await _join(b, ben, a.host)
    await run_until_idle(a, b)
    await group_posts.start_thread(a.ctx, owner, group, "Older", "first")
    await group_posts.start_thread(a.ctx, owner, group, "Newer", "second")
    await run_until_idle(a, b)
    listed = [t.row.title for t in await group_posts.thread_list(b.ctx, ben, on_b)]
    last, other = listed[-1], listed[0]  # same second: the order on B is by arrival
    thread = await _value(a, "SELECT id FROM posts WHERE title = $1", last)

    # When the owner pins the thread B lists last
    await group_posts.set_flag(a.ctx, owner, thread, "pinned", True)
    await run_until_idle(a, b)

    # Then B lists it first, pinned; A's featured collection lists it as a stickied Page
    threads = await group_posts.thread_list(b.ctx, ben, on_b)
    assert [(t.row.title, t.row.pinned) for t in threads] == [(last, True), (other, False)]
    featured = await _get(a.ctx.urls.featured("bookclub"))
    assert featured["totalItems"] == 1
    [page] = featured["orderedItems"]
    assert page["type"] == "Page" and page["name"] == last and page["stickied"] is True
    actor = await _get(group.uri)
    assert actor["featured"] == featured["id"]

    # When the owner unpins it, it is unpinned on B too
    await group_posts.set_flag(a.ctx, owner, thread, "pinned", False)
    await run_until_idle(a, b)
    threads = await group_posts.thread_list(b.ctx, ben, on_b)
    assert [(t.row.title, t.row.pinned) for t in threads] == [(other, False), (last, False)]
    assert (await _get(a.ctx.urls.featured("bookclub")))["orderedItems"] == []
    await _no_failed_activities(a, b)
