"""The inbox worker: apply stored activities through the one table (node.services.inbound.table).

For each claimed row: parse, find the handler for its (activity, object) pair, let it resolve
what it needs from the network, then run its writes and mark the row done in one transaction.
That transaction first locks the row and checks it is still pending, so a replay (another
worker whose lease ran out, a retry after a crash) is a no-op by design: an activity is
applied once or not at all. A refusal is kept on the row as `rejected`, a pair we do not act
on as `dropped`, both with the reason; other failures are retried with backoff.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from federation.delivery import next_attempt_at
from federation.parse import parse_activity
from federation.parse_types import ParseError, UnknownType
from node.services.actors import directory
from node.services.inbound import table
from node.services.kernel.context import NodeContext
from node.services.kernel.received import Handler, Received, Rejected, Unsupported
from node.storage.queues import inbox as store
from node.storage.queues.inbox import FinalState, InboxItem

log = logging.getLogger(__name__)

INBOX_CHANNEL = store.CHANNEL
BATCH = 50


class Dropped(Exception):
    """No handler acts on this activity; dropped with the reason."""


async def apply_due(ctx: NodeContext, batch: int = BATCH) -> int:
    """Apply up to `batch` stored activities; returns how many rows were claimed."""
    async with ctx.db.transaction() as conn:
        items = await store.claim_due(conn, batch)
    for item in items:
        await _apply_item(ctx, item)
    return len(items)


async def apply_activity(ctx: NodeContext, raw: dict[str, Any], signer: str) -> None:
    """Apply one activity as the worker would, without a queue row (tests, tools): raises
    Rejected, Unsupported or Dropped where the worker would record them."""
    received = _received(raw, signer)
    write = await _handler(received)(ctx, received)
    async with ctx.db.transaction() as conn:
        if write is not None:
            await write(conn)


async def _apply_item(ctx: NodeContext, item: InboxItem) -> None:
    try:
        received = _received(item.body, item.actor_uri)
        write = await _handler(received)(ctx, received)
        async with ctx.db.transaction() as conn:
            if not await store.lock_pending(conn, item.id):
                return  # applied meanwhile by another worker: nothing to do again
            if write is not None:
                await write(conn)
            await store.mark_done(conn, item.id)
    except Rejected as refusal:
        await _finish(ctx, item, "rejected", str(refusal))
    except (Unsupported, Dropped) as reason:
        await _finish(ctx, item, "dropped", str(reason))
    except directory.ActorUnavailable as error:
        await _retry_later(ctx, item, str(error))
    except asyncio.CancelledError:
        raise
    except Exception as error:  # the job boundary: record on the row, retry with backoff
        log.exception("applying %s failed", item.activity_id)
        await _retry_later(ctx, item, f"{type(error).__name__}: {error}")


def _received(raw: dict[str, Any], signer: str) -> Received:
    parsed = parse_activity(raw)
    if isinstance(parsed, UnknownType):
        raise Dropped(f"no handler for {parsed.type}")
    if isinstance(parsed, ParseError):
        raise Rejected(f"unparseable: {parsed.reason}")
    return Received(parsed, raw, signer)


def _handler(received: Received) -> Handler:
    handler = table.handler_for(received.activity)
    if handler is None:
        raise Dropped(f"no handler for {table.describe(received.activity)}")
    return handler


async def _finish(ctx: NodeContext, item: InboxItem, state: FinalState, reason: str) -> None:
    log.info("activity %s %s: %s", item.activity_id, state, reason)
    async with ctx.db.transaction() as conn:
        await store.mark_final(conn, item.id, state, reason)


async def _retry_later(ctx: NodeContext, item: InboxItem, error: str) -> None:
    at = next_attempt_at(item.attempts, datetime.now(UTC), rng=ctx.rng)
    async with ctx.db.transaction() as conn:
        await store.mark_retry(conn, item.id, error, at)
