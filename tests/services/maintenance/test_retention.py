"""The maintenance sweeps: finished queue rows, stale throttling rows and unattached uploads go
after their retention period, and nothing still in use goes with them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from node.jobs.queues import build_runner
from node.jobs.runner import Queue, WorkerRunner
from node.services.accounts import sessions
from node.services.kernel.context import NodeContext
from node.services.maintenance import retention
from node.services.posts import media
from node.storage.queues import deliveries
from node.storage.queues import inbox as inbox_store
from tests.fixtures.media import images
from tests.support.people import local_person

NOW = datetime.now(UTC)


async def _inbox_row(ctx: NodeContext, name: str, state: str, age: timedelta) -> None:
    activity = {"id": f"http://127.0.0.2:9/{name}", "type": "Like"}
    async with ctx.db.transaction() as conn:
        await inbox_store.enqueue(conn, activity["id"], "Like", "http://127.0.0.2:9/u", activity)
        await conn.execute(
            """UPDATE inbox_activities SET state = $2, processed_at = $3 WHERE activity_id = $1""",
            activity["id"], state, None if state == "pending" else NOW - age,
        )  # fmt: skip


async def _left(ctx: NodeContext, sql: str) -> list[str]:
    async with ctx.db.connection() as conn:
        return [row[0] for row in await conn.fetch(sql)]


async def test_applied_activities_go_after_a_week_unapplied_after_a_month(
    ctx: NodeContext,
) -> None:
    await _inbox_row(ctx, "done-old", "done", timedelta(days=8))
    await _inbox_row(ctx, "done-new", "done", timedelta(days=6))
    await _inbox_row(ctx, "dropped-8-days", "dropped", timedelta(days=8))
    await _inbox_row(ctx, "rejected-old", "rejected", timedelta(days=31))
    await _inbox_row(ctx, "pending", "pending", timedelta(days=90))

    assert await retention.prune_queues(ctx, NOW) == 2

    left = await _left(ctx, "SELECT activity_id FROM inbox_activities ORDER BY activity_id")
    assert [uri.rsplit("/", 1)[1] for uri in left] == ["done-new", "dropped-8-days", "pending"]


async def test_sent_activities_go_with_their_deliveries_once_none_is_left_to_try(
    ctx: NodeContext,
) -> None:
    async with ctx.db.transaction() as conn:
        for name, state in (("finished", "delivered"), ("retrying", "pending")):
            row = await deliveries.insert_activity(conn, f"http://127.0.0.1:9/a/{name}", None,
                                                   "Create", {"id": name})  # fmt: skip
            await deliveries.insert_deliveries(conn, row, [("http://127.0.0.2:9/inbox", "x")])
            await conn.execute("UPDATE deliveries SET state = $2 WHERE activity_id = $1", row,
                               state)  # fmt: skip
        await conn.execute("UPDATE outbound_activities SET created_at = $1", NOW - timedelta(20))

    assert await retention.prune_queues(ctx, NOW) == 1

    assert await _left(ctx, "SELECT uri FROM outbound_activities") == [
        "http://127.0.0.1:9/a/retrying"
    ]
    assert await _left(ctx, "SELECT state FROM deliveries") == ["pending"]


async def test_throttling_rows_go_once_no_window_counts_them(ctx: NodeContext) -> None:
    async with ctx.db.transaction() as conn:
        for minutes in (5, 60 * 24):
            await conn.execute(
                "INSERT INTO sign_in_failures (username, client_addr, failed_at) "
                "VALUES ('ana', '10.0.0.1', $1)",
                NOW - timedelta(minutes=minutes),
            )
            await conn.execute(
                "INSERT INTO rate_limit_events (action, subject, at) VALUES ('sign_up', 'x', $1)",
                NOW - timedelta(minutes=minutes),
            )

    assert await retention.prune_throttles(ctx, NOW) == 2

    assert len(await _left(ctx, "SELECT failed_at FROM sign_in_failures")) == 1
    assert len(await _left(ctx, "SELECT at FROM rate_limit_events")) == 1


async def test_web_sessions_go_when_their_lifetime_ends(ctx: NodeContext) -> None:
    ana = await local_person(ctx, "ana")
    old = await sessions.start_session(ctx.db, ana.id, "old browser", "10.0.0.1")
    fresh = await sessions.start_session(ctx.db, ana.id, "new browser", "10.0.0.1")
    async with ctx.db.transaction() as conn:
        await conn.execute(
            "UPDATE web_sessions SET created_at = $1 WHERE user_agent = 'old browser'",
            NOW - timedelta(days=31),
        )

    assert await retention.prune_throttles(ctx, NOW) == 1

    assert await sessions.session_account(ctx.db, old) is None
    assert await sessions.session_account(ctx.db, fresh) == ana


async def test_the_node_sweeps_uploads_no_post_took(ctx: NodeContext) -> None:
    ana = await local_person(ctx, "ana")
    old = await media.upload_media(ctx, ana, images.jpeg(20, 20), description="old")
    fresh = await media.upload_media(ctx, ana, images.jpeg(20, 20), description="fresh")
    async with ctx.db.transaction() as conn:
        await conn.execute("UPDATE media SET created_at = $2 WHERE id = $1", old.id,
                           NOW - timedelta(days=2))  # fmt: skip

    await build_runner(ctx).run_until_idle()

    assert await _left(ctx, "SELECT description FROM media") == ["fresh"]
    assert ctx.media is not None
    assert await media.read_file(ctx, old.file_key) is None
    assert await media.read_file(ctx, fresh.file_key) is not None


async def test_a_sweep_waits_its_interval_after_finding_nothing() -> None:
    runs: list[int] = []
    work = [3, 1, 0]

    async def sweep() -> int:
        runs.append(1)
        return work.pop(0) if work else 0

    runner = WorkerRunner([Queue("sweep", sweep, every=3600.0)])
    assert await runner.run_until_idle() == 4  # keeps going while there is work
    assert len(runs) == 3
    assert await runner.run_until_idle() == 0
    assert len(runs) == 3  # not due again for an hour
