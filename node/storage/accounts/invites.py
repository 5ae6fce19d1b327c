"""Invitations that let someone sign up on an invite-only node."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from node.domain.accounts import AccountId
from node.storage.pool import Conn


@dataclass(frozen=True, slots=True)
class Invite:
    code: str
    max_uses: int | None
    uses: int
    expires_at: datetime | None


async def insert_invite(
    conn: Conn,
    code: str,
    *,
    max_uses: int | None,
    expires_at: datetime | None,
    created_by: AccountId | None,
) -> Invite:
    row = await conn.fetchrow(
        """INSERT INTO invites (code, max_uses, expires_at, created_by) VALUES ($1, $2, $3, $4)
           RETURNING code, max_uses, uses, expires_at""",
        code,
        max_uses,
        expires_at,
        created_by,
    )
    assert row is not None
    return Invite(row["code"], row["max_uses"], row["uses"], row["expires_at"])
