"""Following someone on another server (node.services.social.follows): one Follow queued for
their inbox, a follow that waits for their Accept, and an Undo of that Follow on unfollowing.
Their actor is already cached (tests.support.people.remote_actor), so nothing is fetched."""

from __future__ import annotations

from typing import Any

import pytest

from node.domain.errors import Forbidden, NotFound
from node.services.inbound import apply
from node.services.kernel.context import NodeContext
from node.services.social import blocks, follows
from node.storage.queues import inbox as inbox_store
from tests.support.outbox import queued
from tests.support.people import local_person, remote_actor

SCHOOL = "http://127.0.0.2:9"
BEN = f"{SCHOOL}/users/ben"


async def _accepted_by_their_server(ctx: NodeContext, follow: dict[str, Any]) -> None:
    """Ben's server answers the Follow with an Accept, which our inbox takes in."""
    accept = {"id": f"{SCHOOL}/accepts/1", "type": "Accept", "actor": BEN, "object": follow}
    async with ctx.db.transaction() as conn:
        await inbox_store.enqueue(conn, accept["id"], "Accept", BEN, accept)
    await apply.apply_due(ctx)


async def test_following_someone_elsewhere_queues_one_follow_for_their_inbox(
    ctx: NodeContext,
) -> None:
    ana = await local_person(ctx, "ana")
    ben = await remote_actor(ctx, BEN)

    follow = await follows.follow(ctx, ana, "@ben@127.0.0.2:9")

    assert follow.state == "pending"
    assert await follows.relationship(ctx, ana, remote=ben) == (False, True, False)
    [sent] = await queued(ctx)
    assert (sent.type, sent.inboxes) == ("Follow", [f"{BEN}/inbox"])
    assert sent.body["id"] == follow.activity_uri
    assert (sent.body["actor"], sent.object_id) == (ctx.urls.actor("ana"), BEN)

    await _accepted_by_their_server(ctx, sent.body)
    assert await follows.relationship(ctx, ana, remote=ben) == (True, False, False)
    assert len(await queued(ctx)) == 1, "an Accept is not answered"


async def test_unfollowing_someone_elsewhere_queues_an_undo_of_that_follow(
    ctx: NodeContext,
) -> None:
    ana = await local_person(ctx, "ana")
    ben = await remote_actor(ctx, BEN)
    await follows.follow(ctx, ana, BEN)
    [sent] = await queued(ctx, "Follow")
    await _accepted_by_their_server(ctx, sent.body)

    await follows.unfollow(ctx, ana, BEN)

    assert await follows.relationship(ctx, ana, remote=ben) == (False, False, False)
    [undo] = await queued(ctx, "Undo")
    assert undo.inboxes == [f"{BEN}/inbox"]
    assert undo.body["object"]["type"] == "Follow" and undo.object_id == sent.body["id"]
    with pytest.raises(NotFound):
        await follows.unfollow(ctx, ana, BEN)
    assert len(await queued(ctx, "Undo")) == 1


async def test_no_follow_leaves_for_someone_one_blocks(ctx: NodeContext) -> None:
    ana = await local_person(ctx, "ana")
    ben = await remote_actor(ctx, BEN)
    await blocks.block(ctx, ana, remote=ben)

    with pytest.raises(Forbidden):
        await follows.follow(ctx, ana, BEN)

    assert await follows.relationship(ctx, ana, remote=ben) == (False, False, False)
    assert [q.type for q in await queued(ctx)] == ["Block"]
