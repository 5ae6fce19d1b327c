"""Claims on delivery rows: one session's claim keeps other workers off the rows, a claim whose
session is gone is void at once, and a batch that cannot record its outcomes gives its rows back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from node.services.delivery import worker as outbox
from node.storage.queues import deliveries
from tests.conftest import free_port
from tests.support.federation import FlowNode
from tests.support.processes import eventually

ROWS = 6


@pytest.fixture
async def inbox() -> AsyncIterator[str]:
    async def accept(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/inbox/{n}", accept)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        yield f"http://127.0.0.1:{server.port}/inbox"
    finally:
        await server.close()


async def _queue(node: FlowNode, inbox: str) -> list[int]:
    account = await node.user("ana")
    async with node.ctx.db.transaction() as conn:
        activity_id = await deliveries.insert_activity(
            conn, f"{node.url}/activities/1", account.id, "Create", {"type": "Create"}
        )
        await deliveries.insert_deliveries(
            conn, activity_id, [(f"{inbox}/{n}", f"h{n}.example") for n in range(ROWS)]
        )
        ids: list[int] = [row["id"] for row in await conn.fetch("SELECT id FROM deliveries")]
    return ids


async def _rows(node: FlowNode) -> list[dict[str, Any]]:
    async with node.ctx.db.connection() as conn:
        rows = await conn.fetch("SELECT state, attempts, claimed_by FROM deliveries ORDER BY id")
    return [dict(row) for row in rows]


async def _session_gone(admin: asyncpg.Connection[Any], pid: int) -> None:
    async def gone() -> bool:
        count = await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid)
        return count == 0

    await eventually(gone, "the claiming session to end", timeout=10)


async def test_a_claim_keeps_others_off_until_its_session_ends(node: FlowNode, inbox: str) -> None:
    ids = await _queue(node, inbox)
    dsn = str(node.settings.database_url)
    first, second = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        claimed = await deliveries.claim_due(first, ROWS - 2)
        assert claimed is not None
        assert [d.id for d in claimed.rows] == ids[: ROWS - 2], "the oldest due rows first"
        rest = await deliveries.claim_due(second, ROWS)
        assert rest is not None and rest.session != claimed.session
        assert [d.id for d in rest.rows] == ids[ROWS - 2 :], "another session gets the rest"
        assert await deliveries.claim_due(second, ROWS) is None, "its own claims are not due"

        # The first worker dies: its connection drops and its session ends.
        pid = first.get_server_pid()
        first.terminate()
        await _session_gone(second, pid)

        again = await deliveries.claim_due(second, ROWS)
        assert again is not None and again.session == rest.session
        assert [d.id for d in again.rows] == ids[: ROWS - 2], "a dead session's rows are due"
    finally:
        await second.close()
        if not first.is_closed():
            await first.close()


async def test_a_batch_that_cannot_record_gives_its_rows_back(
    node: FlowNode, inbox: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _queue(node, inbox)

    async def broken(*_args: object) -> None:
        raise RuntimeError("the database refused the outcomes")

    with monkeypatch.context() as patched:
        patched.setattr(outbox.store, "record_outcomes", broken)
        with pytest.raises(RuntimeError, match="refused the outcomes"):
            await outbox.deliver_due(node.ctx)
    after_failure = await _rows(node)
    assert after_failure == [{"state": "pending", "attempts": 0, "claimed_by": None}] * ROWS

    assert await outbox.deliver_due(node.ctx) == ROWS, "due again, at once"
    assert await _rows(node) == [{"state": "delivered", "attempts": 1, "claimed_by": None}] * ROWS
