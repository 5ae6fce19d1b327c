"""Local accounts and their one-time password tokens."""

from __future__ import annotations

import asyncpg

from node.domain.accounts import Account, AccountId, Role
from node.domain.errors import Conflict
from node.storage.pool import Conn

_COLUMNS = """id, username, email, role, display_name, bio, public_key_pem, created_at,
    password_hash IS NOT NULL AS has_password, kind = 'group' AS is_group"""


def _account(row: asyncpg.Record) -> Account:
    return Account(
        id=AccountId(row["id"]),
        username=row["username"],
        email=row["email"],
        role=Role(row["role"]),
        display_name=row["display_name"],
        bio=row["bio"],
        public_key_pem=row["public_key_pem"],
        created_at=row["created_at"],
        has_password=row["has_password"],
        is_group=row["is_group"],
    )


async def insert_account(
    conn: Conn,
    *,
    username: str,
    email: str,
    role: Role,
    password_hash: str | None,
    private_key_pem: str,
    public_key_pem: str,
) -> Account:
    try:
        row = await conn.fetchrow(
            f"""INSERT INTO accounts
                (username, email, role, password_hash, private_key_pem, public_key_pem)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_COLUMNS}""",
            username,
            email,
            role.value,
            password_hash,
            private_key_pem,
            public_key_pem,
        )
    except asyncpg.UniqueViolationError as error:
        field = "email" if "email" in (error.constraint_name or "") else "username"
        raise Conflict(field, f"that {field} is already taken") from None
    assert row is not None
    return _account(row)


async def get_account_by_username(conn: Conn, username: str) -> Account | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM accounts WHERE lower(username) = lower($1)", username
    )
    return _account(row) if row else None


async def get_account(conn: Conn, account_id: AccountId) -> Account | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM accounts WHERE id = $1", account_id)
    return _account(row) if row else None


async def get_password_hash(conn: Conn, account_id: AccountId) -> str | None:
    value: str | None = await conn.fetchval(
        "SELECT password_hash FROM accounts WHERE id = $1", account_id
    )
    return value


async def set_password_hash(conn: Conn, account_id: AccountId, password_hash: str) -> None:
    await conn.execute(
        "UPDATE accounts SET password_hash = $2 WHERE id = $1", account_id, password_hash
    )


async def first_admin(conn: Conn) -> Account | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM accounts WHERE role = 'admin' ORDER BY id LIMIT 1"
    )
    return _account(row) if row else None


async def count_accounts(conn: Conn) -> int:
    value: int = await conn.fetchval("SELECT count(*) FROM accounts")
    return value


async def get_signing_key(conn: Conn, account_id: int) -> tuple[str, str] | None:
    """(username, private key PEM) of a local account, for signing its deliveries."""
    row = await conn.fetchrow(
        "SELECT username, private_key_pem FROM accounts WHERE id = $1", account_id
    )
    return (row["username"], row["private_key_pem"]) if row else None


async def is_locked(conn: Conn, account_id: int) -> bool:
    value: bool = await conn.fetchval("SELECT locked FROM accounts WHERE id = $1", account_id)
    return value


async def set_locked(conn: Conn, account_id: int, locked: bool) -> None:
    await conn.execute("UPDATE accounts SET locked = $2 WHERE id = $1", account_id, locked)


async def remote_uri(conn: Conn, remote_id: int) -> str:
    value: str = await conn.fetchval("SELECT uri FROM remote_actors WHERE id = $1", remote_id)
    return value


async def get_active_account_by_username(conn: Conn, username: str) -> Account | None:
    """Only people whose address is confirmed and whose account is approved: what the public
    surfaces (profile, actor, WebFinger, mentions, follows) may show."""
    row = await conn.fetchrow(
        f"""SELECT {_COLUMNS} FROM accounts WHERE lower(username) = lower($1)
            AND email_verified_at IS NOT NULL AND approved_at IS NOT NULL""",
        username,
    )
    return _account(row) if row else None
