"""Invitations for invite-only sign-up."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from node.domain.errors import ValidationFailed
from node.storage.accounts import invites as store
from node.storage.accounts.invites import Invite
from node.storage.pool import Database


async def create_invite(
    db: Database, *, max_uses: int | None = None, expires_in_days: float | None = None
) -> Invite:
    if max_uses is not None and max_uses < 1:
        raise ValidationFailed("uses", "an invite needs at least one use")
    if expires_in_days is not None and expires_in_days <= 0:
        raise ValidationFailed("expires", "an invite must last a positive number of days")
    expires_at = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None
    async with db.transaction() as conn:
        return await store.insert_invite(
            conn,
            secrets.token_urlsafe(12),
            max_uses=max_uses,
            expires_at=expires_at,
            created_by=None,
        )
