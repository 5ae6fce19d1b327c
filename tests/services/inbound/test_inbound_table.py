"""The inbound table: every stored activity ends applied once, or recorded with the reason it
was not (rejected, dropped), and a replay changes nothing."""

from __future__ import annotations

from typing import Any

from federation.parse import parse_activity
from federation.parse_types import Activity
from node.services.inbound import apply, composed, table
from node.services.kernel.context import NodeContext
from node.services.moderation import inbound as moderation
from node.storage.queues import inbox as inbox_store
from tests.support.people import local_person, remote_actor

MOBILIZON = "http://127.0.0.2:9"
EVENT = f"{MOBILIZON}/events/3a1b"


async def _enqueue(ctx: NodeContext, raw: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        await inbox_store.enqueue(conn, raw["id"], raw["type"], raw["actor"], raw)


async def _row(ctx: NodeContext, activity_id: str) -> tuple[str, str | None]:
    async with ctx.db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT state, last_error FROM inbox_activities WHERE activity_id = $1", activity_id
        )
    assert row is not None
    return row["state"], row["last_error"]


def _parsed(raw: dict[str, Any]) -> Activity:
    parsed = parse_activity(raw)
    assert isinstance(parsed, Activity)
    return parsed


JOIN = {"id": f"{MOBILIZON}/join/1", "type": "Join", "actor": f"{MOBILIZON}/@ben",
        "object": EVENT}  # fmt: skip
ACCEPT_JOIN = {"id": f"{MOBILIZON}/accept/1", "type": "Accept", "actor": f"{MOBILIZON}/@org",
               "object": {"id": f"{MOBILIZON}/join/2", "type": "Join",
                          "actor": "http://127.0.0.1:9/users/ana", "object": EVENT}}  # fmt: skip
FLAG = {"id": f"{MOBILIZON}/flag/1", "type": "Flag", "actor": f"{MOBILIZON}/relay",
        "object": ["http://127.0.0.1:9/users/ana"], "content": "spam"}  # fmt: skip


def test_join_accept_of_a_join_and_flag_have_named_handlers() -> None:
    assert table.handler_for(_parsed(JOIN)) is composed.events_not_yet
    assert table.handler_for(_parsed(ACCEPT_JOIN)) is composed.events_not_yet
    assert table.handler_for(_parsed(FLAG)) is moderation.on_flag


async def test_routed_but_unsupported_pairs_are_dropped_with_the_reason(ctx: NodeContext) -> None:
    for raw in (JOIN, ACCEPT_JOIN, FLAG):
        await _enqueue(ctx, raw)

    await apply.apply_due(ctx)

    for raw in (JOIN, ACCEPT_JOIN, FLAG):
        state, reason = await _row(ctx, raw["id"])
        assert state == "dropped"
        assert reason is not None and "not supported yet" in reason


async def test_a_pair_nobody_handles_is_dropped_and_named(ctx: NodeContext) -> None:
    vote = {"id": f"{MOBILIZON}/announce/9", "type": "Announce", "actor": f"{MOBILIZON}/c/x",
            "object": {"id": f"{MOBILIZON}/like/9", "type": "Like",
                       "actor": f"{MOBILIZON}/u/y", "object": f"{MOBILIZON}/post/1"}}  # fmt: skip
    odd = {"id": f"{MOBILIZON}/odd/1", "type": "Wave", "actor": f"{MOBILIZON}/u/y",
           "object": f"{MOBILIZON}/u/z"}  # fmt: skip
    await _enqueue(ctx, vote)
    await _enqueue(ctx, odd)

    await apply.apply_due(ctx)

    assert await _row(ctx, vote["id"]) == ("dropped", "no handler for (Announce, Like)")
    assert await _row(ctx, odd["id"]) == ("dropped", "no handler for Wave")


async def test_an_activity_applied_by_one_worker_is_not_applied_again(ctx: NodeContext) -> None:
    """A second worker holding the same row (its lease ran out) finds it done: the Follow is
    accepted once and one Accept is sent, not two."""
    await local_person(ctx, "ana")
    follower = await remote_actor(ctx, f"{MOBILIZON}/users/ben")
    follow = {"id": f"{MOBILIZON}/follows/1", "type": "Follow", "actor": follower.uri,
              "object": ctx.urls.actor("ana")}  # fmt: skip
    await _enqueue(ctx, follow)
    async with ctx.db.transaction() as conn:
        [item] = await inbox_store.claim_due(conn, 10)

    await apply._apply_item(ctx, item)
    await apply._apply_item(ctx, item)  # the replay

    assert (await _row(ctx, follow["id"]))[0] == "done"
    async with ctx.db.connection() as conn:
        accepts = await conn.fetchval(
            "SELECT count(*) FROM outbound_activities WHERE activity_type = 'Accept'"
        )
        follows = await conn.fetchval("SELECT count(*) FROM follows")
    assert (accepts, follows) == (1, 1)
