"""The delivery worker's use case: send due deliveries, classify answers, schedule retries."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from federation.delivery import (
    Delivered,
    GiveUp,
    Gone,
    RetryAt,
    decide,
    is_host_failure,
    should_mark_unavailable,
    unavailable_probe_interval,
)
from federation.signatures import SigningKey
from node.services.context import NodeContext
from node.services.instance import instance_keys, signer_for
from node.storage import accounts as account_store
from node.storage import deliveries as store
from node.storage.deliveries import DueDelivery

log = logging.getLogger(__name__)

BATCH = 50
CONCURRENCY = 16


async def deliver_due(ctx: NodeContext, batch: int = BATCH) -> int:
    """Claim up to `batch` due deliveries, send them concurrently; returns how many were tried."""
    async with ctx.db.transaction() as conn:
        due = await store.claim_due(conn, batch)
    if not due:
        return 0
    keys = await _signing_keys(ctx, {d.account_id for d in due})
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(delivery: DueDelivery) -> None:
        async with limit:
            await _deliver(ctx, delivery, keys[delivery.account_id])

    await asyncio.gather(*(one(d) for d in due))
    return len(due)


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
    return keys


async def _deliver(ctx: NodeContext, delivery: DueDelivery, key: SigningKey) -> None:
    outcome = await ctx.http.post_activity(delivery.inbox, delivery.body, signer=signer_for(key))
    now = datetime.now(UTC)
    verdict = decide(outcome, delivery.attempts, now, rng=ctx.rng)
    log.info(
        "delivery %s to %s: %s",
        delivery.id,
        delivery.inbox,
        type(verdict).__name__,
        extra={"status": outcome.status, "attempt": delivery.attempts},
    )
    async with ctx.db.transaction() as conn:
        if isinstance(verdict, Delivered):
            await store.finish(conn, delivery.id, "delivered", verdict.status, None)
            await store.record_host_success(conn, delivery.host)
        elif isinstance(verdict, Gone):
            await store.finish(conn, delivery.id, "gone", verdict.status, "410 Gone")
        elif isinstance(verdict, GiveUp):
            await store.finish(conn, delivery.id, "failed", outcome.status, verdict.reason)
        elif isinstance(verdict, RetryAt):
            assert verdict.at is not None
            await store.retry_at(conn, delivery.id, verdict.at, outcome.status, verdict.reason)
            if is_host_failure(outcome):
                first = await store.record_host_failure(conn, delivery.host)
                if should_mark_unavailable(first, now):
                    probe = now + unavailable_probe_interval(rng=ctx.rng)
                    await store.mark_host_unavailable(conn, delivery.host, probe)
