"""How long finished work is kept, and the sweeps that remove it (run by node.jobs.queues).

Queues are tables (docs/architecture.md), so every activity received and every delivery made stays a
row until something removes it. Applied activities are kept a week, those never applied (a
reason is on the row) a month, for whoever looks into a federation problem; sent activities two
weeks after their last delivery ended (the longest retry ends after about three days). Sign-in
failures and rate-limit events are kept only as long as a throttling window can count them,
one-time links and codes only until they expire, web sessions until their lifetime ends.
Uploads no post took are swept by node.services.posts.media.delete_orphans.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from node.domain.sessions import SESSION_LIFETIME
from node.domain.sign_in import FAILURE_WINDOW
from node.domain.signup import MAIL_PER_RECIPIENT, MAIL_REQUESTS_PER_ADDRESS, SIGN_UP_PER_ADDRESS
from node.services.kernel.context import NodeContext
from node.storage.accounts import sign_in as sign_in_store
from node.storage.accounts import signup as signup_store
from node.storage.accounts import web_sessions
from node.storage.queues import retention as queue_store

APPLIED_KEPT = timedelta(days=7)
UNAPPLIED_KEPT = timedelta(days=30)
SENT_KEPT = timedelta(days=14)
BATCH = 5000
_LONGEST_RATE_WINDOW = max(
    limit.window for limit in (SIGN_UP_PER_ADDRESS, MAIL_REQUESTS_PER_ADDRESS, MAIL_PER_RECIPIENT)
)


async def prune_queues(ctx: NodeContext, now: datetime | None = None) -> int:
    """One batch of finished inbox and outbound rows; returns how many went (0: none left)."""
    now = now or datetime.now(UTC)
    async with ctx.db.transaction() as conn:
        removed = await queue_store.prune_inbox(
            conn, now - APPLIED_KEPT, now - UNAPPLIED_KEPT, BATCH
        )
        removed += await queue_store.prune_outbound(conn, now - SENT_KEPT, BATCH)
    return removed


async def prune_throttles(ctx: NodeContext, now: datetime | None = None) -> int:
    """Sign-in failures and rate-limit events no window counts any more, dead tokens and
    expired web sessions."""
    now = now or datetime.now(UTC)
    async with ctx.db.transaction() as conn:
        removed = await sign_in_store.prune_failures(conn, now - FAILURE_WINDOW)
        removed += await signup_store.prune_rate_limit_events(conn, now - _LONGEST_RATE_WINDOW)
        removed += await signup_store.prune_expired_tokens(conn, now)
        removed += await web_sessions.prune_sessions(conn, now - SESSION_LIFETIME)
    return removed
