"""From a server: check an inbox request, store it, and (in the worker) apply it.

DESIGN.md §2: verify → store raw with ON CONFLICT (activity_id) DO NOTHING → 202; the inbox
worker parses and applies each activity in one transaction, one handler per type.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from federation.delivery import next_attempt_at
from federation.inbox import ActorKey, InboxIgnored, InboxRefused, check_inbox_request
from federation.parse import parse_activity
from federation.parse_types import ParseError, UnknownType
from federation.signatures import Rejected as SignatureRejected
from federation.signatures import Verified, parse_signed_request, verify_signed_request
from node.services.actors import directory
from node.services.inbound.handlers import HANDLERS, Rejected
from node.services.kernel.context import NodeContext
from node.storage.queues import inbox as store
from node.storage.queues.inbox import InboxItem

log = logging.getLogger(__name__)

INBOX_CHANNEL = "inbox"
BATCH = 50


@dataclass(frozen=True, slots=True)
class InboxAnswer:
    status: int
    reason: str


async def receive(
    ctx: NodeContext, method: str, url: str, headers: Mapping[str, str], body: bytes
) -> InboxAnswer:
    """Check and store one inbox POST; the answer's status is what the edge sends back."""

    async def resolve(key_id: str, refresh: bool) -> ActorKey | None:
        return await directory.resolve_key(ctx, key_id, refresh)

    async def known(uri: str) -> bool:
        return await directory.is_known_actor(ctx, uri)

    checked = await check_inbox_request(method, url, headers, body, resolve, known_actor=known)
    if isinstance(checked, InboxRefused):
        log.info("inbox refused: %s %s", checked.status, checked.reason)
        return InboxAnswer(checked.status, checked.reason)
    if isinstance(checked, InboxIgnored):
        return InboxAnswer(202, checked.reason)
    activity = checked.activity
    activity_id = activity.get("id")
    if not isinstance(activity_id, str) or not activity_id:
        # Mastodon sends pin/unpin Add and Remove without an id (add_serializer.rb): dedupe
        # those on what they say instead (interop brief §8.6).
        activity_id = _synthetic_id(activity)
    async with ctx.db.transaction() as conn:
        fresh = await store.enqueue(
            conn, activity_id, str(activity.get("type")), checked.key_owner, activity
        )
        if fresh:
            await conn.execute("SELECT pg_notify($1, '')", INBOX_CHANNEL)
    log.info("inbox accepted %s %s", activity.get("type"), activity_id, extra={"dup": not fresh})
    return InboxAnswer(202, "accepted" if fresh else "already received")


async def apply_due(ctx: NodeContext, batch: int = BATCH) -> int:
    """Apply up to `batch` stored activities; a failure is recorded on the row and retried."""
    async with ctx.db.transaction() as conn:
        items = await store.claim_due(conn, batch)
    for item in items:
        await _apply_one(ctx, item)
    return len(items)


async def _apply_one(ctx: NodeContext, item: InboxItem) -> None:
    parsed = parse_activity(item.body)
    try:
        if isinstance(parsed, UnknownType):
            log.info("dropping activity of unknown type %s", parsed.type)
        elif isinstance(parsed, ParseError):
            raise Rejected(f"unparseable: {parsed.reason}")
        else:
            await HANDLERS[parsed.type](ctx, parsed)
    except Rejected as refusal:
        # Permanent: the activity is invalid or not allowed; keep it with the reason.
        log.info("activity %s rejected: %s", item.activity_id, refusal)
        async with ctx.db.transaction() as conn:
            await store.mark_retry(conn, item.id, str(refusal), None)
        return
    except directory.ActorUnavailable as error:
        await _retry_later(ctx, item, str(error))
        return
    except asyncio.CancelledError:
        raise
    except Exception as error:  # the job boundary: record on the row, retry with backoff
        log.exception("applying %s failed", item.activity_id)
        await _retry_later(ctx, item, f"{type(error).__name__}: {error}")
        return
    async with ctx.db.transaction() as conn:
        await store.mark_done(conn, item.id)


async def _retry_later(ctx: NodeContext, item: InboxItem, error: str) -> None:
    at = next_attempt_at(item.attempts, datetime.now(UTC), rng=ctx.rng)
    async with ctx.db.transaction() as conn:
        await store.mark_retry(conn, item.id, error, at)


def _synthetic_id(activity: Mapping[str, object]) -> str:
    parts = [str(activity.get(name)) for name in ("actor", "type", "object", "target")]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"urn:commonroom:no-id:{digest}"


async def verify_signed_get(
    ctx: NodeContext, method: str, url: str, headers: Mapping[str, str]
) -> str | InboxAnswer | None:
    """Who signed a GET ("authorized fetch"): the key owner's actor id, None when the request
    is unsigned, or a 401 answer when a signature is there but does not verify."""
    signed = parse_signed_request(method, url, headers, None)
    if isinstance(signed, SignatureRejected) and not _has_signature(headers):
        return None
    if isinstance(signed, SignatureRejected):
        return InboxAnswer(401, signed.reason)
    for refresh in (False, True):  # refetch once on failure: the key may have rotated
        key = await directory.resolve_key(ctx, signed.key_id, refresh)
        if key is not None and isinstance(
            verify_signed_request(signed, key.public_key_pem), Verified
        ):
            return key.owner
    return InboxAnswer(401, "signature does not verify")


def _has_signature(headers: Mapping[str, str]) -> bool:
    return any(name.lower() in {"signature", "signature-input"} for name in headers)
