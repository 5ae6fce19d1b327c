"""Signed-in browsers (web_sessions): the cookie's id is stored only as its SHA-256."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from node.domain.sessions import WebSession, WebSessionId
from node.storage.pool import Conn

_COLUMNS = "id, account_id, created_at, last_seen_at, user_agent, client_addr"


def _session(row: asyncpg.Record, current_hash: bytes | None = None) -> WebSession:
    return WebSession(
        id=WebSessionId(row["id"]),
        account_id=row["account_id"],
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
        user_agent=row["user_agent"],
        client_addr=row["client_addr"],
        current=current_hash is not None and row["id_hash"] == current_hash,
    )


async def insert_session(
    conn: Conn, id_hash: bytes, account_id: int, user_agent: str, client_addr: str
) -> None:
    await conn.execute(
        """INSERT INTO web_sessions (id_hash, account_id, user_agent, client_addr)
           VALUES ($1, $2, $3, $4)""",
        id_hash, account_id, user_agent, client_addr,
    )  # fmt: skip


async def live_session(conn: Conn, id_hash: bytes, created_after: datetime) -> WebSession | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM web_sessions WHERE id_hash = $1 AND created_at > $2",
        id_hash, created_after,
    )  # fmt: skip
    return _session(row) if row else None


async def touch(conn: Conn, session_id: WebSessionId, now: datetime) -> None:
    await conn.execute("UPDATE web_sessions SET last_seen_at = $2 WHERE id = $1", session_id, now)


async def sessions_of(
    conn: Conn, account_id: int, created_after: datetime, current_hash: bytes | None
) -> list[WebSession]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS}, id_hash FROM web_sessions
            WHERE account_id = $1 AND created_at > $2 ORDER BY last_seen_at DESC, id DESC""",
        account_id, created_after,
    )  # fmt: skip
    return [_session(row, current_hash) for row in rows]


async def delete_by_hash(conn: Conn, id_hash: bytes) -> None:
    await conn.execute("DELETE FROM web_sessions WHERE id_hash = $1", id_hash)


async def delete_session(conn: Conn, account_id: int, session_id: WebSessionId) -> bool:
    result: str = await conn.execute(
        "DELETE FROM web_sessions WHERE id = $1 AND account_id = $2", session_id, account_id
    )
    return result != "DELETE 0"


async def delete_sessions_of(conn: Conn, account_id: int, keep_hash: bytes | None = None) -> int:
    """Every session of the account, except the one whose id has `keep_hash`."""
    result: str = await conn.execute(
        "DELETE FROM web_sessions WHERE account_id = $1 AND id_hash IS DISTINCT FROM $2",
        account_id, keep_hash,
    )  # fmt: skip
    return int(result.split()[-1])


async def prune_sessions(conn: Conn, created_before: datetime) -> int:
    result: str = await conn.execute(
        "DELETE FROM web_sessions WHERE created_at <= $1", created_before
    )
    return int(result.split()[-1])
