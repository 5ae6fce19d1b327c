"""Discussions in a group here (node.services.groups.threads): members start threads and
reply, people outside the group cannot, a locked thread takes replies from moderators only, and
a moderator's removal is announced to every member's server."""

from __future__ import annotations

import pytest

from node.domain.accounts import Account
from node.domain.errors import Forbidden, NotFound
from node.domain.groups import GroupSettings
from node.services.groups import groups, threads
from node.services.groups.groups import GroupInfo
from node.services.kernel.context import NodeContext
from tests.support.outbox import followed_from_afar, queued
from tests.support.people import local_person, remote_actor


async def _book_club(ctx: NodeContext) -> tuple[GroupInfo, Account, Account]:
    """An open group owned by owen, with ana as a member."""
    owen, ana = await local_person(ctx, "owen"), await local_person(ctx, "ana")
    group = await groups.create_group(ctx, owen, "bookclub", GroupSettings(name="Book club"))
    await groups.join(ctx, ana, group)
    return group, owen, ana


async def test_members_start_a_thread_and_reply_to_it(ctx: NodeContext) -> None:
    group, owen, ana = await _book_club(ctx)

    thread_id = await threads.start_thread(ctx, ana, group, "  Week 3:  chapter five ", "Ending?")
    answer = await threads.reply(ctx, owen, thread_id, "I loved it.")
    await threads.reply(ctx, ana, answer, "Me too.")

    page = await threads.thread_page(ctx, ana, thread_id)
    assert page.first.title == "Week 3: chapter five" and "Ending?" in page.first.content_html
    assert [r.content_html for r in page.replies] == ["<p>I loved it.</p>", "<p>Me too.</p>"]
    assert page.membership.is_member and not page.locked
    [listed] = await threads.thread_list(ctx, owen, group)
    row = listed.row
    assert (row.id, row.title, row.replies) == (thread_id, "Week 3: chapter five", 2)
    assert row.unread, "ana answered after owen last read it"
    assert not (await threads.thread_list(ctx, ana, group))[0].row.unread, "ana wrote last"


async def test_someone_outside_the_group_cannot_post_in_it(ctx: NodeContext) -> None:
    group, _, ana = await _book_club(ctx)
    stan = await local_person(ctx, "stan")
    thread_id = await threads.start_thread(ctx, ana, group, "Reading list", "Suggestions?")

    with pytest.raises(Forbidden):
        await threads.start_thread(ctx, stan, group, "Spam", "Buy now")
    with pytest.raises(Forbidden):
        await threads.reply(ctx, stan, thread_id, "Buy now")

    assert (await threads.thread_page(ctx, stan, thread_id)).replies == []
    assert [t.row.id for t in await threads.thread_list(ctx, stan, group)] == [thread_id]


async def test_a_locked_thread_takes_replies_from_moderators_only(ctx: NodeContext) -> None:
    group, owen, ana = await _book_club(ctx)
    thread_id = await threads.start_thread(ctx, ana, group, "Rota", "Who takes Monday?")
    with pytest.raises(Forbidden):
        await threads.set_flag(ctx, ana, thread_id, "locked", True)  # not a moderator

    await threads.set_flag(ctx, owen, thread_id, "locked", True)

    with pytest.raises(Forbidden, match="locked"):
        await threads.reply(ctx, ana, thread_id, "Me!")
    await threads.reply(ctx, owen, thread_id, "Settled: I do.")
    page = await threads.thread_page(ctx, ana, thread_id)
    assert page.locked and [r.content_html for r in page.replies] == ["<p>Settled: I do.</p>"]


async def test_a_moderator_removes_a_reply_then_the_thread_everywhere(ctx: NodeContext) -> None:
    group, owen, ana = await _book_club(ctx)
    dan = await remote_actor(ctx, "http://127.0.0.3:9/users/dan")  # a member on another server
    await followed_from_afar(ctx, await groups.group_account(ctx, group), dan)
    thread_id = await threads.start_thread(ctx, ana, group, "Selling a bike", "Off topic")
    reply_id = await threads.reply(ctx, ana, thread_id, "Still for sale")
    with pytest.raises(Forbidden):
        await threads.remove(ctx, ana, reply_id)  # not a moderator, even of her own

    await threads.remove(ctx, owen, reply_id)
    assert (await threads.thread_page(ctx, ana, thread_id)).replies == []
    await threads.remove(ctx, owen, thread_id)

    with pytest.raises(NotFound):
        await threads.thread_page(ctx, ana, thread_id)
    assert await threads.thread_list(ctx, ana, group) == []
    # The group announced each removal, a Delete by the moderator, to its member elsewhere.
    announced = [q for q in await queued(ctx, "Announce") if isinstance(q.body["object"], dict)]
    removals = [q for q in announced if q.body["object"]["type"] == "Delete"]
    assert [(q.body["actor"], q.inboxes) for q in removals] == [
        (group.uri, [f"{dan.uri}/inbox"])
    ] * 2
    deletes = [q.body["object"] for q in removals]
    assert [d["actor"] for d in deletes] == [ctx.urls.actor("owen")] * 2
    posts_removed = [d["object"]["id"] for d in deletes]
    assert posts_removed == [ctx.urls.post("ana", reply_id), ctx.urls.post("ana", thread_id)]
