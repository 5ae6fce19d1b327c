"""From a local person: mute and unmute someone (Mastodon's MuteService).

A mute is private: nothing is federated and the muted person sees no difference. While it
lasts, the muted person's posts leave the muter's home, list, public and hashtag timelines
(node.storage.social.mutes.not_muted), and with `notifications` their notifications go too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from node.domain.accounts import Account
from node.domain.errors import ValidationFailed
from node.services.kernel.context import NodeContext
from node.storage.actors.remote_actors import RemoteActor
from node.storage.social import mutes as store
from node.storage.social.mutes import Mute

PAGE = 40

__all__ = ["PAGE", "Mute", "list_mutes", "mute", "unmute"]


async def mute(
    ctx: NodeContext,
    account: Account,
    *,
    local: Account | None = None,
    remote: RemoteActor | None = None,
    notifications: bool = True,
    duration: timedelta | None = None,
) -> None:
    """Mute someone here or elsewhere, for `duration` (None: until unmuted). Muting again
    replaces the notifications choice and the end."""
    if local is not None and local.id == account.id:
        raise ValidationFailed("account", "you cannot mute yourself")
    if local is None and remote is None:
        raise ValueError("mute whom? pass local or remote")
    ends = datetime.now(UTC) + duration if duration else None
    async with ctx.db.transaction() as conn:
        await store.upsert_mute(
            conn, account.id, muted_account=local.id if local else None,
            muted_remote=remote.id if remote else None,
            notifications=notifications, expires_at=ends,
        )  # fmt: skip


async def unmute(
    ctx: NodeContext, account: Account, *, local: Account | None = None,
    remote: RemoteActor | None = None,
) -> None:  # fmt: skip
    async with ctx.db.transaction() as conn:
        await store.delete_mute(
            conn, account.id, muted_account=local.id if local else None,
            muted_remote=remote.id if remote else None,
        )  # fmt: skip


async def list_mutes(ctx: NodeContext, account: Account, max_id: int | None = None) -> list[Mute]:
    """Live mutes, newest first (an expired mute is as good as gone)."""
    async with ctx.db.connection() as conn:
        return await store.list_mutes(conn, account.id, PAGE, max_id)
