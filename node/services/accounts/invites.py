"""Invitations for invite-only sign-up, made by an admin on the sign-up page or by the
operator on the command line."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from node.domain.accounts import Account, Role
from node.domain.errors import ValidationFailed
from node.services.accounts.signup import NotAllowed
from node.storage.accounts import invites as store
from node.storage.accounts.invites import Invite
from node.storage.pool import Database

MAX_DAYS = 3650
MAX_USES = 100_000  # a school district, many times over; the column is an int4


async def create_invite(
    db: Database, *, max_uses: int | None = None, expires_in_days: float | None = None,
    created_by: Account | None = None,
) -> Invite:  # fmt: skip
    """An invite code; None means unlimited uses or no expiry. `created_by` is the admin who
    asked (None: the operator, on the command line)."""
    if created_by is not None and created_by.role is not Role.ADMIN:
        raise NotAllowed("only an admin can change how people join this node")
    if max_uses is not None and not 1 <= max_uses <= MAX_USES:
        raise ValidationFailed("uses", f"Give a whole number of uses, 1 to {MAX_USES}")
    if expires_in_days is not None and not 0 < expires_in_days <= MAX_DAYS:
        raise ValidationFailed("days", f"Give a number of days from 1 to {MAX_DAYS}")
    expires_at = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None
    async with db.transaction() as conn:
        return await store.insert_invite(
            conn, secrets.token_urlsafe(12), max_uses=max_uses, expires_at=expires_at,
            created_by=created_by.id if created_by else None,
        )  # fmt: skip
