"""A person's notifications: list, unread count, mark read."""

from __future__ import annotations

from node.domain.accounts import Account
from node.services.kernel.context import NodeContext
from node.storage.social import notifications as store
from node.storage.social.notifications import Notification

PAGE = 40


async def list_notifications(
    ctx: NodeContext, account: Account, before_id: int | None = None
) -> list[Notification]:
    async with ctx.db.connection() as conn:
        return await store.list_notifications(conn, account.id, ctx.urls.host, PAGE, before_id)


async def unread_count(ctx: NodeContext, account: Account) -> int:
    async with ctx.db.connection() as conn:
        return await store.unread_count(conn, account.id)


async def mark_all_read(ctx: NodeContext, account: Account) -> None:
    async with ctx.db.transaction() as conn:
        await store.mark_all_read(conn, account.id)


async def clear(ctx: NodeContext, account: Account) -> None:
    async with ctx.db.transaction() as conn:
        await store.delete_all(conn, account.id)


async def dismiss(ctx: NodeContext, account: Account, notification_id: int) -> bool:
    """Remove one of your notifications; False when there is no such notification of yours."""
    async with ctx.db.transaction() as conn:
        return await store.delete_one(conn, account.id, notification_id)
