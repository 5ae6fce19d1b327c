"""Following someone on this node (node.services.social.follows, follow_requests): an open
account is followed at once, a locked one decides, and nothing goes over the network."""

from __future__ import annotations

import pytest

from node.domain.errors import NotFound
from node.services.kernel.context import NodeContext
from node.services.posts import posts, timelines
from node.services.social import follow_requests, follows, notifications
from tests.support.outbox import queued
from tests.support.people import local_person


async def test_following_an_open_account_here_is_immediate(ctx: NodeContext) -> None:
    ana, cal = await local_person(ctx, "ana"), await local_person(ctx, "cal")

    follow = await follows.follow(ctx, cal, "@ana")

    assert follow.state == "accepted"
    assert await follows.relationship(ctx, cal, local=ana) == (True, False, False)
    assert [n.kind for n in await notifications.list_notifications(ctx, ana)] == ["follow"]
    assert await follow_requests.pending_requests(ctx, ana) == []
    assert await queued(ctx) == []


async def test_following_a_locked_account_here_waits_for_its_approval(ctx: NodeContext) -> None:
    # Given ana, who approves her followers, and cal, who asks to follow her
    ana, cal = await local_person(ctx, "ana"), await local_person(ctx, "cal")
    await follow_requests.set_locked(ctx, ana, True)
    secret = await posts.create_post(ctx, ana, "For my followers", visibility="followers")
    request = await follows.follow(ctx, cal, "@ana")
    assert request.state == "pending"
    assert await follows.relationship(ctx, cal, local=ana) == (False, True, False)
    [asked] = await follow_requests.pending_requests(ctx, ana)
    assert (asked.follow_id, asked.handle) == (request.id, "cal")
    assert [n.kind for n in await notifications.list_notifications(ctx, ana)] == ["follow_request"]
    assert await timelines.home(ctx, cal) == [], "nothing for followers yet"

    # When she approves the request
    await follow_requests.approve(ctx, ana, asked.follow_id)

    # Then cal follows her and reads what she wrote for her followers
    assert await follows.relationship(ctx, cal, local=ana) == (True, False, False)
    assert await follows.relationship(ctx, ana, local=cal) == (False, False, True)
    assert await follow_requests.pending_requests(ctx, ana) == []
    assert [p.id for p in await timelines.home(ctx, cal)] == [secret.id]
    assert await queued(ctx, "Accept") == [], "both are here: no Accept is sent"
    assert [q.inboxes for q in await queued(ctx)] == [[]], "and her post went nowhere"


async def test_a_rejected_request_leaves_no_follow_behind(ctx: NodeContext) -> None:
    ana, cal = await local_person(ctx, "ana"), await local_person(ctx, "cal")
    await follow_requests.set_locked(ctx, ana, True)
    request = await follows.follow(ctx, cal, "@ana")

    await follow_requests.reject(ctx, ana, request.id)

    assert await follows.relationship(ctx, cal, local=ana) == (False, False, False)
    assert await follow_requests.pending_requests(ctx, ana) == []
    with pytest.raises(NotFound):
        await follow_requests.approve(ctx, ana, request.id)
    assert await queued(ctx) == []
