"""Sign-up: the node's sign-up settings, account activation, confirmation links, invite use
and rate-limit counters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from node.domain.accounts import AccountId
from node.domain.signup import Activation, InviteState, RateLimit, SignUpMode, SignUpPolicy
from node.storage.pool import Conn


@dataclass(frozen=True, slots=True)
class PendingAccount:
    """An account whose address is confirmed and which waits for an admin."""

    id: AccountId
    username: str
    email: str
    created_at: datetime
    email_verified_at: datetime


async def get_policy(conn: Conn) -> SignUpPolicy:
    row = await conn.fetchrow(
        "SELECT sign_up_mode, sign_up_email_domains FROM instance_settings WHERE id = 1"
    )
    if row is None:  # the migration inserts the row; closed is the safe reading if it is gone
        return SignUpPolicy(SignUpMode.CLOSED, ())
    return SignUpPolicy(SignUpMode(row["sign_up_mode"]), tuple(row["sign_up_email_domains"]))


async def save_policy(conn: Conn, policy: SignUpPolicy, updated_by: AccountId) -> None:
    await conn.execute(
        """INSERT INTO instance_settings (id, sign_up_mode, sign_up_email_domains, updated_by)
           VALUES (1, $1, $2, $3)
           ON CONFLICT (id) DO UPDATE SET sign_up_mode = $1, sign_up_email_domains = $2,
               updated_by = $3, updated_at = now()""",
        policy.mode.value,
        list(policy.email_domains),
        updated_by,
    )


async def taken_fields(conn: Conn, username: str, email: str) -> set[str]:
    """Which of "username" and "email" another account already has (case-insensitive)."""
    row = await conn.fetchrow(
        """SELECT
            EXISTS (SELECT 1 FROM accounts WHERE lower(username) = lower($1)) AS username,
            EXISTS (SELECT 1 FROM accounts WHERE lower(email) = lower($2)) AS email""",
        username,
        email,
    )
    assert row is not None
    return {field for field in ("username", "email") if row[field]}


async def get_invite_state(conn: Conn, code: str) -> InviteState | None:
    row = await conn.fetchrow(
        "SELECT max_uses, uses, expires_at FROM invites WHERE code = $1", code
    )
    return InviteState(row["max_uses"], row["uses"], row["expires_at"]) if row else None


async def use_invite(conn: Conn, code: str, now: datetime) -> bool:
    """Count one use, only while the invite has uses left and has not expired.

    One UPDATE with the conditions in its WHERE clause: the row lock makes two simultaneous
    sign-ups with the last use of an invite take it one after the other, and the second finds
    no use left.
    """
    used = await conn.fetchval(
        """UPDATE invites SET uses = uses + 1
           WHERE code = $1 AND (max_uses IS NULL OR uses < max_uses)
             AND (expires_at IS NULL OR expires_at > $2)
           RETURNING id""",
        code,
        now,
    )
    return used is not None


async def mark_signed_up(conn: Conn, account_id: AccountId, *, needs_approval: bool) -> None:
    """A fresh sign-up: not verified, and not approved when an admin must approve it."""
    await conn.execute(
        """UPDATE accounts SET email_verified_at = NULL,
               approved_at = CASE WHEN $2 THEN NULL ELSE now() END
           WHERE id = $1""",
        account_id,
        needs_approval,
    )


async def get_activation(conn: Conn, account_id: AccountId) -> Activation | None:
    row = await conn.fetchrow(
        "SELECT email, email_verified_at, approved_at FROM accounts WHERE id = $1", account_id
    )
    return Activation(row["email"], row["email_verified_at"], row["approved_at"]) if row else None


async def account_id_by_email(conn: Conn, email: str) -> AccountId | None:
    value: int | None = await conn.fetchval(
        "SELECT id FROM accounts WHERE lower(email) = lower($1)", email
    )
    return AccountId(value) if value is not None else None


async def mark_email_verified(conn: Conn, account_id: AccountId) -> None:
    """Confirm the address (keeping the first confirmation time) and drop its other links."""
    await conn.execute(
        "UPDATE accounts SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = $1",
        account_id,
    )
    await conn.execute("DELETE FROM email_verification_tokens WHERE account_id = $1", account_id)


_PENDING_COLUMNS = "id, username, email, created_at, email_verified_at"


def _pending(row: asyncpg.Record) -> PendingAccount:
    return PendingAccount(
        id=AccountId(row["id"]),
        username=row["username"],
        email=row["email"],
        created_at=row["created_at"],
        email_verified_at=row["email_verified_at"],
    )


async def pending_approvals(conn: Conn) -> list[PendingAccount]:
    rows = await conn.fetch(
        f"""SELECT {_PENDING_COLUMNS} FROM accounts
            WHERE approved_at IS NULL AND email_verified_at IS NOT NULL ORDER BY id"""
    )
    return [_pending(row) for row in rows]


async def approve(conn: Conn, account_id: AccountId) -> PendingAccount | None:
    """Approve a confirmed account that waits; None when there is no such account."""
    row = await conn.fetchrow(
        f"""UPDATE accounts SET approved_at = now()
            WHERE id = $1 AND approved_at IS NULL AND email_verified_at IS NOT NULL
            RETURNING {_PENDING_COLUMNS}""",
        account_id,
    )
    return _pending(row) if row else None


async def delete_pending(conn: Conn, account_id: AccountId) -> PendingAccount | None:
    """Remove a confirmed account that waits (a rejection), freeing its name and address."""
    row = await conn.fetchrow(
        f"""DELETE FROM accounts
            WHERE id = $1 AND approved_at IS NULL AND email_verified_at IS NOT NULL
            RETURNING {_PENDING_COLUMNS}""",
        account_id,
    )
    return _pending(row) if row else None


async def count_events(conn: Conn, limit: RateLimit, subject: str, since: datetime) -> int:
    """Count, under a transaction-scoped lock on (action, subject), so that two processes
    counting at once see each other's events (call inside a transaction)."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"{limit.action} {subject}"
    )
    value: int = await conn.fetchval(
        "SELECT count(*) FROM rate_limit_events WHERE action = $1 AND subject = $2 AND at > $3",
        limit.action,
        subject,
        since,
    )
    return value


async def oldest_event_since(
    conn: Conn, limit: RateLimit, subject: str, since: datetime
) -> datetime | None:
    value: datetime | None = await conn.fetchval(
        "SELECT min(at) FROM rate_limit_events WHERE action = $1 AND subject = $2 AND at > $3",
        limit.action,
        subject,
        since,
    )
    return value


async def record_event(
    conn: Conn, limit: RateLimit, subject: str, now: datetime, since: datetime
) -> None:
    """Count one event, and forget this subject's events that left the window."""
    await conn.execute(
        "DELETE FROM rate_limit_events WHERE action = $1 AND subject = $2 AND at <= $3",
        limit.action,
        subject,
        since,
    )
    await conn.execute(
        "INSERT INTO rate_limit_events (action, subject, at) VALUES ($1, $2, $3)",
        limit.action,
        subject,
        now,
    )


async def prune_rate_limit_events(conn: Conn, before: datetime) -> int:
    result: str = await conn.execute("DELETE FROM rate_limit_events WHERE at < $1", before)
    return int(result.split()[-1])


async def prune_expired_tokens(conn: Conn, now: datetime) -> int:
    """One-time links and authorization codes that can no longer be used."""
    total = 0
    for table in ("password_tokens", "email_verification_tokens", "oauth_codes"):
        result: str = await conn.execute(f"DELETE FROM {table} WHERE expires_at <= $1", now)
        total += int(result.split()[-1])
    return total
