"""Blocks by local accounts (of local accounts or remote actors), and the safety side of a
relationship: who blocks or mutes whom."""

from __future__ import annotations

from dataclasses import dataclass

from node.storage.pool import Conn


@dataclass(frozen=True, slots=True)
class Block:
    id: int
    blocked_account: int | None
    blocked_remote: int | None
    activity_uri: str | None


@dataclass(frozen=True, slots=True)
class SafetyFlags:
    """One person's safety relation to another, as the Relationship entity shows it."""

    blocking: bool
    blocked_by: bool
    muting: bool
    muting_notifications: bool


async def insert_block(
    conn: Conn,
    account_id: int,
    *,
    blocked_account: int | None = None,
    blocked_remote: int | None = None,
    activity_uri: str | None = None,
) -> bool:
    """Record a block; False when it already existed (nothing changes then)."""
    result: str = await conn.execute(
        """INSERT INTO blocks (account_id, blocked_account, blocked_remote, activity_uri)
           VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING""",
        account_id, blocked_account, blocked_remote, activity_uri,
    )  # fmt: skip
    return result != "INSERT 0 0"


async def delete_block(
    conn: Conn, account_id: int, *, blocked_account: int | None = None,
    blocked_remote: int | None = None,
) -> Block | None:  # fmt: skip
    row = await conn.fetchrow(
        """DELETE FROM blocks WHERE account_id = $1
             AND blocked_account IS NOT DISTINCT FROM $2 AND blocked_remote IS NOT DISTINCT FROM $3
           RETURNING id, blocked_account, blocked_remote, activity_uri""",
        account_id, blocked_account, blocked_remote,
    )  # fmt: skip
    return Block(**dict(row)) if row else None


async def list_blocks(conn: Conn, account_id: int, limit: int, max_id: int | None) -> list[Block]:
    """The account's blocks, newest first, keyset-paged on the block's id."""
    rows = await conn.fetch(
        """SELECT id, blocked_account, blocked_remote, activity_uri FROM blocks
           WHERE account_id = $1 AND ($3::bigint IS NULL OR id < $3)
           ORDER BY id DESC LIMIT $2""",
        account_id, limit, max_id,
    )  # fmt: skip
    return [Block(**dict(row)) for row in rows]


async def either_blocks(conn: Conn, account_id: int, *, other_account: int | None = None,
                        other_remote: int | None = None) -> bool:  # fmt: skip
    """Whether the account blocks the other person, or (someone here) blocks the account."""
    found: bool = await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM blocks WHERE account_id = $1
                            AND (blocked_account = $2 OR blocked_remote = $3))
               OR EXISTS (SELECT 1 FROM blocks WHERE account_id = $2 AND blocked_account = $1)""",
        account_id, other_account, other_remote,
    )  # fmt: skip
    return found


async def safety_flags(
    conn: Conn, account_id: int, *, other_account: int | None = None,
    other_remote: int | None = None,
) -> SafetyFlags:  # fmt: skip
    """Blocks both ways and the account's live mute of the other person. A remote actor's
    block of us is not stored (their server enforces it), so `blocked_by` is for people here."""
    row = await conn.fetchrow(
        """SELECT
             EXISTS (SELECT 1 FROM blocks WHERE account_id = $1
                     AND (blocked_account = $2 OR blocked_remote = $3)) AS blocking,
             EXISTS (SELECT 1 FROM blocks WHERE account_id = $2 AND blocked_account = $1)
                 AS blocked_by,
             (SELECT notifications FROM mutes WHERE account_id = $1
                AND (muted_account = $2 OR muted_remote = $3)
                AND (expires_at IS NULL OR expires_at > now())) AS mute_notifications""",
        account_id, other_account, other_remote,
    )  # fmt: skip
    assert row is not None
    muting = row["mute_notifications"] is not None
    return SafetyFlags(
        blocking=row["blocking"],
        blocked_by=row["blocked_by"],
        muting=muting,
        muting_notifications=muting and bool(row["mute_notifications"]),
    )
