"""One-time tokens (set a password, confirm an address): only their hash is stored, and each
works once, before it expires. Every token table has the same shape."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from node.domain.accounts import AccountId
from node.storage.pool import Conn

TokenTable = Literal["password_tokens", "email_verification_tokens"]
# A link to set a password (a new account, a reset); the name is a table, not a secret.
SET_PASSWORD: TokenTable = "password_tokens"  # noqa: S105
CONFIRM_EMAIL: TokenTable = "email_verification_tokens"  # confirm an email address
_TABLES = frozenset(get_args(TokenTable))


def _table(name: TokenTable) -> str:
    if name not in _TABLES:
        raise ValueError(f"{name} is not a token table")
    return name


async def insert_token(
    conn: Conn, table: TokenTable, account_id: AccountId, token_hash: bytes, expires_at: datetime
) -> None:
    await conn.execute(
        f"INSERT INTO {_table(table)} (token_hash, account_id, expires_at) VALUES ($1, $2, $3)",
        token_hash, account_id, expires_at,
    )  # fmt: skip


async def peek_token(
    conn: Conn, table: TokenTable, token_hash: bytes, now: datetime
) -> AccountId | None:
    value: int | None = await conn.fetchval(
        f"SELECT account_id FROM {_table(table)} WHERE token_hash = $1 AND expires_at > $2",
        token_hash, now,
    )  # fmt: skip
    return AccountId(value) if value is not None else None


async def take_token(
    conn: Conn, table: TokenTable, token_hash: bytes, now: datetime
) -> AccountId | None:
    """Consume a token: it works once, and only before it expires."""
    value: int | None = await conn.fetchval(
        f"DELETE FROM {_table(table)} WHERE token_hash = $1 AND expires_at > $2 "
        "RETURNING account_id",
        token_hash, now,
    )  # fmt: skip
    return AccountId(value) if value is not None else None
