"""Mutes: a local account hiding someone's posts (and perhaps notifications) from itself.

The SQL conditions here are spliced into timeline and notification queries; for someone with
no mutes they are one index probe on `mutes_pair` that finds nothing, so results are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from node.storage.pool import Conn

_LIVE = "(m.expires_at IS NULL OR m.expires_at > now())"


@dataclass(frozen=True, slots=True)
class Mute:
    id: int
    muted_account: int | None
    muted_remote: int | None
    notifications: bool
    expires_at: datetime | None


def not_muted(viewer: str) -> str:
    """A condition on a `posts p` row: its author is not muted by the account at `viewer`."""
    return f"""NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = {viewer}::bigint
        AND (m.muted_account = p.author_account OR m.muted_remote = p.author_remote)
        AND {_LIVE})"""


def notification_shown(alias: str = "n") -> str:
    """A condition on a `notifications n` row: its sender is neither muted with notifications
    nor blocked by the notified account (Mastodon drops both)."""
    return f"""NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = {alias}.account_id
            AND m.notifications
            AND (m.muted_account = {alias}.from_account OR m.muted_remote = {alias}.from_remote)
            AND {_LIVE})
        AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = {alias}.account_id
            AND (b.blocked_account = {alias}.from_account
                 OR b.blocked_remote = {alias}.from_remote))"""


async def upsert_mute(
    conn: Conn,
    account_id: int,
    *,
    muted_account: int | None = None,
    muted_remote: int | None = None,
    notifications: bool,
    expires_at: datetime | None,
) -> None:
    """Mute, or change an existing mute's notifications and end (muting again does that)."""
    await conn.execute(
        """INSERT INTO mutes (account_id, muted_account, muted_remote, notifications, expires_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (account_id, coalesce(muted_account, 0), coalesce(muted_remote, 0))
           DO UPDATE SET notifications = EXCLUDED.notifications,
                         expires_at = EXCLUDED.expires_at""",
        account_id, muted_account, muted_remote, notifications, expires_at,
    )  # fmt: skip


async def delete_mute(
    conn: Conn, account_id: int, *, muted_account: int | None = None,
    muted_remote: int | None = None,
) -> None:  # fmt: skip
    await conn.execute(
        """DELETE FROM mutes WHERE account_id = $1
             AND muted_account IS NOT DISTINCT FROM $2 AND muted_remote IS NOT DISTINCT FROM $3""",
        account_id, muted_account, muted_remote,
    )  # fmt: skip


async def list_mutes(conn: Conn, account_id: int, limit: int, max_id: int | None) -> list[Mute]:
    """The account's live mutes, newest first, keyset-paged on the mute's id."""
    rows = await conn.fetch(
        f"""SELECT m.id, m.muted_account, m.muted_remote, m.notifications, m.expires_at
            FROM mutes m WHERE m.account_id = $1 AND {_LIVE}
              AND ($3::bigint IS NULL OR m.id < $3)
            ORDER BY m.id DESC LIMIT $2""",
        account_id, limit, max_id,
    )  # fmt: skip
    return [Mute(**dict(row)) for row in rows]
