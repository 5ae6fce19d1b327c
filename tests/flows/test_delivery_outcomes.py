"""One delivery batch with every kind of answer: each row and each host records what happened.

docs/architecture.md: 2xx done; 410 gone; 429/503 retry at Retry-After; other 4xx final; 5xx and no
answer retry with backoff; a request our own guard refuses is final; a host failing for days is
marked unavailable and its pending rows wait for the probe. The batch's outcomes are written
in groups as the answers come, one statement per group.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from federation.delivery import BASE_DELAY, UNAVAILABLE_AFTER, UNAVAILABLE_PROBE_INTERVAL
from node.services.delivery import worker as outbox
from node.services.kernel.context import NodeContext
from node.services.kernel.db import Database
from node.storage.queues import deliveries
from tests.conftest import free_port
from tests.support.federation import FlowNode

SLACK = timedelta(seconds=1)


class NoJitter(random.Random):
    """Every draw is 0.0: backoff and probe intervals come out at their full length."""

    def random(self) -> float:
        return 0.0


@pytest.fixture
async def peer() -> AsyncIterator[str]:
    """Answers POST /status/{code}/{name} with that status (429 with Retry-After: 7200)."""

    async def answer(request: web.Request) -> web.Response:
        await request.read()
        code = int(request.match_info["code"])
        headers = {"Retry-After": "7200"} if code == 429 else {}
        return web.Response(status=code, text="peer says no" if code >= 400 else "",
                            headers=headers)  # fmt: skip

    app = web.Application()
    app.router.add_post("/status/{code}/{name}", answer)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        yield f"http://127.0.0.1:{server.port}/status"
    finally:
        await server.close()


@dataclass(frozen=True, slots=True)
class Queued:
    activity_id: int
    ids: dict[str, int]  # row name -> delivery id


async def _queue(node: FlowNode, author: str, rows: dict[str, tuple[str, str]]) -> Queued:
    """One activity by a new local account with a delivery row per (inbox, host)."""
    account = await node.user(author)
    async with node.ctx.db.transaction() as conn:
        activity_id = await deliveries.insert_activity(
            conn, f"{node.url}/activities/{author}", account.id, "Create", {"type": "Create"}
        )
        await deliveries.insert_deliveries(conn, activity_id, list(rows.values()))
        found = await conn.fetch(
            "SELECT id, inbox FROM deliveries WHERE activity_id = $1", activity_id
        )
    by_inbox = {row["inbox"]: row["id"] for row in found}
    return Queued(activity_id, {name: by_inbox[inbox] for name, (inbox, _) in rows.items()})


async def _rows(node: FlowNode, ids: dict[str, int]) -> dict[str, dict[str, Any]]:
    async with node.ctx.db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id, state, attempts, last_status, last_error, next_attempt_at, finished_at, "
            "claimed_by FROM deliveries WHERE id = ANY($1::bigint[])",
            list(ids.values()),
        )
    by_id = {row["id"]: dict(row) for row in rows}
    return {name: by_id[delivery_id] for name, delivery_id in ids.items()}


def _within(at: datetime, before: datetime, after: datetime, delay: timedelta) -> bool:
    """`at` is `delay` after some instant between `before` and `after`."""
    return before + delay - SLACK <= at <= after + delay


async def _hosts(node: FlowNode) -> dict[str, dict[str, Any]]:
    async with node.ctx.db.connection() as conn:
        rows = await conn.fetch("SELECT * FROM hosts")
    return {row["host"]: dict(row) for row in rows}


def _mixed_batch(peer: str) -> dict[str, tuple[str, str]]:
    down = f"http://127.0.0.1:{free_port()}/inbox"  # nothing listens here: connection refused
    return {
        "ok": (f"{peer}/202/ok", "ok.example"),
        "gone": (f"{peer}/410/gone", "gone.example"),
        "broken": (f"{peer}/500/broken", "broken.example"),
        "limited": (f"{peer}/429/limited", "limited.example"),
        "forbidden": (f"{peer}/403/forbidden", "forbidden.example"),
        "down": (down, "down.example"),
        "refused": ("ftp://127.0.0.1/inbox", "refused.example"),  # our guard refuses it
        "exhausted": (f"{peer}/500/exhausted", "exhausted.example"),
        "mixed-ok": (f"{peer}/200/mixed", "mixed.example"),
        "mixed-broken": (f"{peer}/503/mixed", "mixed.example"),
    }


async def _seed_hosts(node: FlowNode, now: datetime) -> None:
    """Hosts with a history: failing for an hour, for days, and marked unavailable."""
    async with node.ctx.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO hosts (host, first_failure_at, last_success_at, unavailable_since) "
            "VALUES ($1, $2, $3, $4)",
            [
                ("broken.example", now - timedelta(hours=1), now - timedelta(days=9), None),
                ("down.example", now - UNAVAILABLE_AFTER - timedelta(hours=1), None, None),
                ("gone.example", now - timedelta(days=5), None, now - timedelta(days=2)),
            ],
        )


@dataclass(frozen=True, slots=True)
class SentBatch:
    start: datetime  # when the hosts' histories were written
    before: datetime  # just before the worker pass
    after: datetime  # just after it
    queued: dict[str, dict[str, Any]]  # the batch's rows before the pass
    rows: dict[str, dict[str, Any]]  # and after it
    waiting: dict[str, Any]  # a row of an unavailable host that was not due
    hosts: dict[str, dict[str, Any]]

    def retried_after(self, at: datetime, delay: timedelta) -> bool:
        return _within(at, self.before, self.after, delay)


@pytest.fixture
async def mixed(node: FlowNode, peer: str) -> SentBatch:
    """Given a batch with every kind of answer, and hosts with a history, when one worker
    pass sends it (no jitter drawn)."""
    node.ctx.rng = NoJitter()
    start = datetime.now(UTC)
    await _seed_hosts(node, start)
    queued = await _queue(node, "ana", _mixed_batch(peer))
    later = await _queue(node, "ben", {"waiting": ("http://127.0.0.1:9/later", "down.example")})
    async with node.ctx.db.connection() as conn:
        await conn.execute(
            "UPDATE deliveries SET attempts = 14 WHERE id = $1", queued.ids["exhausted"]
        )
        await conn.execute(
            "UPDATE deliveries SET next_attempt_at = now() + interval '10 minutes' WHERE id = $1",
            later.ids["waiting"],
        )
    queued_rows = await _rows(node, queued.ids)
    before = datetime.now(UTC)
    assert await outbox.deliver_due(node.ctx) == len(queued.ids)
    after = datetime.now(UTC)
    assert await outbox.deliver_due(node.ctx) == 0, "nothing is due again yet"
    return SentBatch(
        start, before, after, queued_rows, await _rows(node, queued.ids),
        (await _rows(node, later.ids))["waiting"], await _hosts(node),
    )  # fmt: skip


def test_each_row_of_a_mixed_batch_records_its_answer(mixed: SentBatch) -> None:
    rows = mixed.rows
    seen = {
        name: (row["state"], row["attempts"], row["last_status"], row["last_error"])
        for name, row in rows.items()
    }
    assert seen == {
        "ok": ("delivered", 1, 202, None),
        "gone": ("gone", 1, 410, "410 Gone"),
        "broken": ("pending", 1, 500, "HTTP 500"),
        "limited": ("pending", 1, 429, "HTTP 429"),
        "forbidden": ("failed", 1, 403, "HTTP 403"),
        "down": ("pending", 1, None, seen["down"][3]),
        "refused": ("failed", 1, None, "refused: scheme 'ftp' is not http(s)"),
        "exhausted": ("failed", 15, 500, "gave up after 15 attempts; last: HTTP 500"),
        "mixed-ok": ("delivered", 1, 200, None),
        "mixed-broken": ("pending", 1, 503, "HTTP 503"),
    }
    assert seen["down"][3].startswith("ClientConnectorError"), "kept for debugging"
    finished = {name for name, row in rows.items() if row["state"] != "pending"}
    for name in finished:
        assert mixed.before <= rows[name]["finished_at"] <= mixed.after, name
    assert all(row["claimed_by"] is None for row in rows.values()), "no claim is left behind"
    assert all(rows[name]["finished_at"] is None for name in rows.keys() - finished)
    for name in finished:
        assert rows[name]["next_attempt_at"] == mixed.queued[name]["next_attempt_at"]
    retry = {name: rows[name]["next_attempt_at"] for name in rows.keys() - finished}
    assert mixed.retried_after(retry["broken"], BASE_DELAY), "backoff after one attempt"
    assert mixed.retried_after(retry["mixed-broken"], BASE_DELAY)
    assert mixed.retried_after(retry["limited"], timedelta(seconds=7200)), "Retry-After"
    assert mixed.retried_after(retry["down"], UNAVAILABLE_PROBE_INTERVAL), "host unavailable"


def test_each_host_of_a_mixed_batch_records_its_health(mixed: SentBatch) -> None:
    hosts, before, after = mixed.hosts, mixed.before, mixed.after
    answered = {"ok.example", "gone.example", "limited.example", "forbidden.example",
                "mixed.example"}  # fmt: skip
    assert hosts.keys() == answered | {"broken.example", "down.example"}, (
        "a refusal by our guard and a final 500 say nothing new about a host"
    )
    for host in answered:
        health = hosts[host]
        assert before <= health["last_success_at"] <= after, host
        assert health["first_failure_at"] is None, host
        assert health["unavailable_since"] is None, f"{host}: any answer clears the mark"
    broken = hosts["broken.example"]
    assert broken["first_failure_at"] == mixed.start - timedelta(hours=1), "run began earlier"
    assert broken["last_success_at"] == mixed.start - timedelta(days=9)
    assert broken["unavailable_since"] is None, "an hour of failures is not days"
    down = hosts["down.example"]
    assert down["first_failure_at"] == mixed.start - UNAVAILABLE_AFTER - timedelta(hours=1)
    assert before <= down["unavailable_since"] <= after
    assert mixed.waiting["state"] == "pending"
    assert mixed.retried_after(mixed.waiting["next_attempt_at"], UNAVAILABLE_PROBE_INTERVAL), (
        "the host's other pending rows wait for the probe too"
    )


async def test_a_new_failing_host_starts_its_run_of_failures_now(node: FlowNode, peer: str) -> None:
    # Given two hosts never seen before, one answering 500 and one not answering
    down = f"http://127.0.0.1:{free_port()}/inbox"
    queued = await _queue(node, "ana", {
        "broken": (f"{peer}/500/new", "new-broken.example"), "down": (down, "new-down.example"),
    })  # fmt: skip

    # When they are tried
    before = datetime.now(UTC)
    assert await outbox.deliver_due(node.ctx) == 2
    after = datetime.now(UTC)

    # Then both start a run of failures, and neither is unavailable yet
    hosts = await _hosts(node)
    for host in ("new-broken.example", "new-down.example"):
        assert before <= hosts[host]["first_failure_at"] <= after
        assert hosts[host]["last_success_at"] is None
        assert hosts[host]["unavailable_since"] is None
    rows = await _rows(node, queued.ids)
    assert {row["state"] for row in rows.values()} == {"pending"}


async def _counting_context(node: FlowNode) -> tuple[NodeContext, Counter[str], Database]:
    """A second worker's context whose pool (set up as `Database.connect` does, with no reset
    query on release) counts the statements it sends."""
    sent: Counter[str] = Counter()

    def count(record: Any) -> None:
        word = record.query.lstrip().split(None, 1)[0].rstrip(";").upper()
        sent["begin/commit" if word in ("BEGIN", "COMMIT") else "statement"] += 1

    async def init(conn: asyncpg.Connection[Any]) -> None:
        conn.add_query_logger(count)

    async def no_reset(conn: asyncpg.Connection[Any]) -> None:
        del conn

    pool = await asyncpg.create_pool(str(node.settings.database_url), min_size=1, max_size=4,
                                     init=init, reset=no_reset)  # fmt: skip
    db = Database(pool)
    ctx = NodeContext(db=db, urls=node.ctx.urls, http=node.ctx.http, loopback=True)
    return ctx, sent, db


async def test_a_batch_costs_one_statement_per_group_of_outcomes(
    node: FlowNode, peer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a worker that counts its statements (after a first batch, which also looks up
    # types), and batches of 4 and 40 rows on distinct hosts (delivered, gone, failing, 429),
    # whose outcomes are grouped by count only (no group leaves early because of time)
    monkeypatch.setattr(outbox, "FLUSH_AFTER", 3600.0)
    ctx, sent, db = await _counting_context(node)
    counts: dict[int, int] = {}
    try:
        for size in (3, 4, 40):
            codes = [202, 410, 500, 429]
            await _queue(node, f"ana{size}", {
                f"{size}-{n}": (f"{peer}/{codes[n % 4]}/{size}-{n}", f"h{size}-{n}.example")
                for n in range(size)
            })  # fmt: skip
            sent.clear()

            # When one pass sends a batch
            assert await outbox.deliver_due(ctx) == size
            counts[size] = sum(sent.values())
    finally:
        await db.close()

    # Then the outcomes cost one statement per group of GROUP (each group but the last is
    # full), on top of a fixed few
    fixed = 5  # claim, signing key; BEGIN, hosts, COMMIT
    assert counts[4] == fixed + 1, counts
    assert fixed + 1 < counts[40] <= fixed + math.ceil(40 / outbox.GROUP), counts
