"""A group on node A with members on nodes B and C, federating over real HTTP (FEP-1b12):
threads and replies travel through A's Announce, moderators' removals reach every node, and
members-only content reaches members and no one else."""

from __future__ import annotations

from typing import Any

import pytest

from node.domain.errors import Forbidden
from node.domain.groups import GroupSettings
from node.services.groups import groups
from node.services.groups import threads as group_posts
from node.services.groups.groups import GroupInfo
from node.services.posts import timelines
from node.services.social import notifications
from tests.support.federation import FlowNode, run_until_idle

Trio = tuple[FlowNode, FlowNode, FlowNode]


async def _value(node: FlowNode, query: str, *args: Any) -> Any:
    async with node.ctx.db.connection() as conn:
        return await conn.fetchval(query, *args)


async def _group_on_a(
    trio: Trio, *, members_only: bool = False, join: str = "open"
) -> tuple[GroupInfo, Any, Any, Any]:
    a, b, c = trio
    owner, ben, cleo = await a.user("owner"), await b.user("ben"), await c.user("cleo")
    group = await groups.create_group(
        a.ctx, owner, "bookclub",
        GroupSettings(name="Book club", members_only=members_only, join_policy=join),  # type: ignore[arg-type]
    )  # fmt: skip
    for node, person in ((b, ben), (c, cleo)):
        remote = await groups.find_group(node.ctx, f"bookclub@{a.host}")
        await groups.join(node.ctx, person, remote)
    await run_until_idle(a, b, c)
    return group, owner, ben, cleo


async def test_thread_from_b_reaches_c_and_reply_from_c_reaches_b(trio: Trio) -> None:
    a, b, c = trio
    group, owner, ben, cleo = await _group_on_a(trio)
    assert group.member_count == 1
    assert await _value(a, "SELECT count(*) FROM follows WHERE state = 'accepted'") == 3

    on_b = await groups.find_group(b.ctx, f"bookclub@{a.host}")
    thread_id = await group_posts.start_thread(
        b.ctx, ben, on_b, "Week 3: chapter five", "What did you make of the ending?"
    )
    await run_until_idle(a, b, c)

    # A stored it in the group; C got it through A's Announce, as a titled thread.
    assert await _value(a, "SELECT title FROM posts WHERE group_account IS NOT NULL") == (
        "Week 3: chapter five"
    )
    on_c = await groups.find_group(c.ctx, f"bookclub@{a.host}")
    threads_on_c = await group_posts.thread_list(c.ctx, cleo, on_c)
    assert [t.row.title for t in threads_on_c] == ["Week 3: chapter five"]
    assert threads_on_c[0].row.unread
    # New threads in one's groups show on the home timeline too.
    assert [p.title for p in await timelines.home(c.ctx, cleo)] == ["Week 3: chapter five"]

    # Cleo on C replies; Ben on B sees the reply in the thread.
    await group_posts.reply(c.ctx, cleo, threads_on_c[0].first.id, "I loved it.")
    await run_until_idle(a, b, c)
    page_on_b = await group_posts.thread_page(b.ctx, ben, thread_id)
    assert [p.content_html for p in page_on_b.replies] == ["<p>I loved it.</p>"]
    assert "cleo" in [p.username for p in page_on_b.replies]
    # Every node applied everything it received (our own posts coming back are not errors).
    for node in (a, b, c):
        assert await _value(node, "SELECT count(*) FROM inbox_activities WHERE state <> 'done'"
                            " OR last_error IS NOT NULL") == 0  # fmt: skip
    # The group page on A lists the thread with its reply.
    on_a = await group_posts.thread_list(a.ctx, owner, group)
    assert on_a[0].row.replies == 1


async def test_moderator_removal_on_a_removes_the_thread_on_b_and_c(trio: Trio) -> None:
    a, b, c = trio
    group, owner, ben, _cleo = await _group_on_a(trio)
    on_b = await groups.find_group(b.ctx, f"bookclub@{a.host}")
    await group_posts.start_thread(b.ctx, ben, on_b, "Off topic", "Selling a bike")
    await run_until_idle(a, b, c)
    uri = await _value(b, "SELECT uri FROM posts WHERE title = 'Off topic'")
    assert await _value(c, "SELECT count(*) FROM posts WHERE uri = $1", uri) == 1

    thread_on_a = await _value(a, "SELECT id FROM posts WHERE uri = $1", uri)
    # Only moderators may remove; the owner is one.
    local_member = await a.user("dana")
    await groups.join(a.ctx, local_member, group)
    with pytest.raises(Forbidden):
        await group_posts.remove(a.ctx, local_member, thread_on_a)
    await group_posts.remove(a.ctx, owner, thread_on_a)
    await run_until_idle(a, b, c)
    for node in (a, b, c):
        assert await _value(node, "SELECT count(*) FROM posts WHERE uri = $1", uri) == 0


async def test_members_only_thread_reaches_members_and_no_one_else(trio: Trio) -> None:
    a, b, c = trio
    _group, _owner, ben, cleo = await _group_on_a(trio, members_only=True)
    outsider_on_c = await c.user("olly")
    on_b = await groups.find_group(b.ctx, f"bookclub@{a.host}")
    thread_id = await group_posts.start_thread(
        b.ctx, ben, on_b, "Assessment ideas", "Only for us: the rubric draft"
    )
    await run_until_idle(a, b, c)
    uri = await _value(b, "SELECT uri FROM posts WHERE id = $1", thread_id)
    assert await _value(b, "SELECT visibility FROM posts WHERE id = $1", thread_id) == "group"
    post_on_c = await _value(c, "SELECT id FROM posts WHERE uri = $1", uri)
    assert await _value(c, "SELECT visibility FROM posts WHERE uri = $1", uri) == "group"
    # The member on C sees it; a non-member on the same node does not, nor does anyone signed out.
    assert await timelines.visible_posts(c.ctx, cleo, [post_on_c])
    assert not await timelines.visible_posts(c.ctx, outsider_on_c, [post_on_c])
    assert not await timelines.visible_posts(c.ctx, None, [post_on_c])
    assert not await timelines.public(c.ctx, None, local=False)
    on_c = await groups.find_group(c.ctx, f"bookclub@{a.host}")
    assert await group_posts.thread_list(c.ctx, outsider_on_c, on_c) == []


async def test_approval_group_needs_a_moderator_and_invite_only_refuses_strangers(
    trio: Trio,
) -> None:
    a, b, c = trio
    group, owner, ben, cleo = await _group_on_a(trio, join="approval")
    on_b = await groups.find_group(b.ctx, f"bookclub@{a.host}")
    assert (await groups.membership(b.ctx, ben, on_b)).pending
    told = await notifications.list_notifications(a.ctx, owner)
    assert sorted((n.kind, n.from_handle, n.group) for n in told) == [
        ("group_request", f"ben@{b.host}", "bookclub"),
        ("group_request", f"cleo@{c.host}", "bookclub"),
    ]
    requests = await groups.join_requests(a.ctx, owner, group)
    assert sorted(r.handle for r in requests) == [f"ben@{b.host}", f"cleo@{c.host}"]
    ben_request = next(r for r in requests if r.handle.startswith("ben"))
    await groups.answer_request(a.ctx, owner, group, ben_request.follow_id, accept=True)
    await run_until_idle(a, b, c)
    assert (await groups.membership(b.ctx, ben, on_b)).is_member
    with pytest.raises(Forbidden):
        await group_posts.start_thread(
            c.ctx, cleo, await groups.find_group(c.ctx, f"bookclub@{a.host}"), "Hi", "hello"
        )


async def test_people_elsewhere_mentioned_in_a_public_thread_get_it_and_members_only_never(
    trio: Trio,
) -> None:
    a, b, _c = trio
    owner, ben = await a.user("owner"), await b.user("ben")
    public = await groups.create_group(a.ctx, owner, "open_club", GroupSettings(name="Open"))
    closed = await groups.create_group(
        a.ctx, owner, "staff", GroupSettings(name="Staff", members_only=True)
    )
    await group_posts.start_thread(a.ctx, owner, public, "Visit", f"Welcome @ben@{b.host}!")
    await group_posts.start_thread(a.ctx, owner, closed, "Rota", f"Secret for @ben@{b.host}")
    await run_until_idle(a, b)
    shown = await _value(b, "SELECT string_agg(content_html, ' ') FROM posts")
    assert "Welcome" in shown and "Secret" not in shown
    told = await notifications.list_notifications(b.ctx, ben)
    assert [n.kind for n in told] == ["mention"]
