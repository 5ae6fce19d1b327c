"""The delivery worker's use case: send due deliveries, classify answers, schedule retries."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from federation.crypto import load_private_key
from federation.delivery import (
    Delivered,
    GiveUp,
    Gone,
    PostOutcome,
    RetryAt,
    Verdict,
    decide,
    is_host_failure,
    should_mark_unavailable,
    unavailable_probe_interval,
)
from federation.signatures import SigningKey
from node.services.kernel.context import NodeContext
from node.services.kernel.instance import instance_keys, signer_for
from node.storage.accounts import accounts as account_store
from node.storage.pool import Conn
from node.storage.queues import deliveries as store
from node.storage.queues.deliveries import DueDelivery, Outcome

log = logging.getLogger(__name__)

BATCH = 50
# Sends in flight at once. A kill -9 re-sends them all when the worker is CPU-bound (their
# answers wait in its socket buffers): 16 re-sent 1.2-1.6 % of a 1,000-inbox fan-out, 8 re-send
# 0.7 % (bench/delivery_crash.py). Against peers that take 50 ms to answer, 8 send ~40 % fewer
# per second than 16 did (bench/RESULTS.md); run more workers for those.
CONCURRENCY = 8
# Outcomes are written in groups while the rest of the batch is sent: a group goes when GROUP
# outcomes wait, or FLUSH_AFTER seconds after the first of them. A kill -9 re-sends what was
# answered but not yet written (bench/delivery_crash.py), so the wait is short.
GROUP = 16
FLUSH_AFTER = 0.002


@dataclass(frozen=True, slots=True)
class _Sent:
    delivery: DueDelivery
    outcome: PostOutcome
    verdict: Verdict


async def deliver_due(ctx: NodeContext, batch: int = BATCH) -> int:
    """Send up to `batch` due deliveries concurrently; returns how many were tried.

    The rows are claimed for this connection's session (`store.claim_due`), which the batch
    keeps until every outcome is written; outcomes are written in small groups as the answers
    come (`_Recorder`), so a worker that dies mid-batch re-sends little. Rows it cannot record
    are released; if even that fails, the connection is dropped, which voids its claims.
    """
    async with ctx.db.connection() as conn:
        claim = await store.claim_due(conn, batch)
        if claim is None:
            return 0
        recorder = _Recorder(conn, claim.session)
        try:
            results = await _send_all(ctx, claim.rows, recorder)
            await recorder.close()
        except BaseException:
            await _give_back(conn, recorder, [d.id for d in claim.rows])
            raise
    # Host health is shared by every worker: update it after the batch, in host order
    # (`store.record_host_health`), in its own transaction.
    await _record_hosts(ctx, results)
    return len(claim.rows)


async def _give_back(conn: Conn, recorder: _Recorder, claimed: list[int]) -> None:
    await recorder.abort()
    try:
        unrecorded = [i for i in claimed if i not in recorder.recorded]
        await store.release_claims(conn, recorder.session, unrecorded)
    except BaseException:
        conn.terminate()  # the session ends, and its claims with it
        raise


class _Recorder:
    """Writes outcomes on the claiming connection, one statement at a time, in groups."""

    def __init__(self, conn: Conn, session: str) -> None:
        self._conn, self.session = conn, session
        self._waiting: list[Outcome] = []
        self.recorded: set[int] = set()
        self._lock = asyncio.Lock()
        self._timer: asyncio.TimerHandle | None = None
        self._scheduled = self._aborted = False
        self._flushes: set[asyncio.Task[None]] = set()

    def add(self, outcome: Outcome) -> None:
        if self._aborted:  # a send that finished after its batch failed: its row is released
            return
        self._waiting.append(outcome)
        if len(self._waiting) >= GROUP:
            self._flush_soon()
        elif self._timer is None and not self._scheduled:
            self._timer = asyncio.get_running_loop().call_later(FLUSH_AFTER, self._flush_soon)

    def _flush_soon(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._scheduled:
            self._scheduled = True
            task = asyncio.create_task(self._flush())
            self._flushes.add(task)
            task.add_done_callback(self._flushes.discard)

    async def _flush(self) -> None:
        async with self._lock:
            self._scheduled = False
            group, self._waiting = self._waiting, []
            if group:
                await store.record_outcomes(self._conn, self.session, group)
                self.recorded.update(o.delivery_id for o in group)

    async def close(self) -> None:
        """Write everything still waiting; raises if a group could not be written."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        await asyncio.gather(*self._flushes)
        await self._flush()

    async def abort(self) -> None:
        """Stop writing (the batch failed); `recorded` says what was written."""
        self._aborted = True
        if self._timer is not None:
            self._timer.cancel()
        for task in self._flushes:
            task.cancel()
        await asyncio.gather(*self._flushes, return_exceptions=True)


async def _send_all(ctx: NodeContext, due: list[DueDelivery], recorder: _Recorder) -> list[_Sent]:
    keys = await _signing_keys(ctx, {d.account_id for d in due})
    limit = asyncio.Semaphore(CONCURRENCY)

    async def send(delivery: DueDelivery) -> _Sent:
        async with limit:
            sent = await _send(ctx, delivery, keys[delivery.account_id])
        recorder.add(_outcome(sent))
        return sent

    return await asyncio.gather(*(send(d) for d in due))


async def _record_hosts(ctx: NodeContext, results: list[_Sent]) -> None:
    # Any answer that is not a server failure (a 2xx, but also a 410 or 429) shows the host
    # is up, and ends its run of failures.
    answered = {
        s.delivery.host for s in results
        if s.outcome.status is not None and not is_host_failure(s.outcome)
    }  # fmt: skip
    failing = {
        s.delivery.host for s in results
        if isinstance(s.verdict, RetryAt) and is_host_failure(s.outcome)
    }  # fmt: skip
    if not answered and not failing:
        return
    now = datetime.now(UTC)
    async with ctx.db.transaction() as conn:
        first_failures = await store.record_host_health(conn, answered, failing)
        probes = {
            host: now + unavailable_probe_interval(rng=ctx.rng)
            for host, first in sorted(first_failures.items())
            if should_mark_unavailable(first, now)
        }
        await store.mark_hosts_unavailable(conn, probes)


async def _signing_keys(
    ctx: NodeContext, account_ids: set[int | None]
) -> dict[int | None, SigningKey]:
    keys: dict[int | None, SigningKey] = {}
    async with ctx.db.connection() as conn:
        for account_id in account_ids:
            if account_id is None:
                instance = await instance_keys(ctx)
                keys[None] = SigningKey(ctx.urls.instance_key_id, instance.private_key_pem)
                continue
            row = await account_store.get_signing_key(conn, account_id)
            assert row is not None
            username, private_pem = row
            keys[account_id] = SigningKey(ctx.urls.key_id(username), private_pem)
    for key in keys.values():
        # Parsing a key the first time costs ~40 ms of CPU (it is validated); do it off the
        # event loop so the first sends of a new key (a group's first fan-out) do not wait.
        await asyncio.to_thread(load_private_key, key.private_key_pem)
    return keys


async def _send(ctx: NodeContext, delivery: DueDelivery, key: SigningKey) -> _Sent:
    outcome = await ctx.http.post_activity(delivery.inbox, delivery.body, signer=signer_for(key))
    verdict = decide(outcome, delivery.attempts, datetime.now(UTC), rng=ctx.rng)
    log.info(
        "delivery %s to %s: %s",
        delivery.id,
        delivery.inbox,
        type(verdict).__name__,
        extra={"status": outcome.status, "attempt": delivery.attempts},
    )
    return _Sent(delivery, outcome, verdict)


def _outcome(sent: _Sent) -> Outcome:
    """What one answer leaves on its delivery row."""
    delivery_id, status, verdict = sent.delivery.id, sent.outcome.status, sent.verdict
    if isinstance(verdict, Delivered):
        return Outcome(delivery_id, "delivered", verdict.status, None)
    if isinstance(verdict, Gone):
        return Outcome(delivery_id, "gone", verdict.status, "410 Gone")
    if isinstance(verdict, GiveUp):
        return Outcome(delivery_id, "failed", status, verdict.reason)
    assert verdict.at is not None  # `decide` always schedules a retry
    return Outcome(delivery_id, "pending", status, verdict.reason, verdict.at)
