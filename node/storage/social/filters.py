"""Filters (Mastodon's v2): a person's keyword groups, each with contexts and an action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from node.storage.pool import Conn

_FILTER = "f.id, f.title, f.contexts, f.action, f.expires_at"


@dataclass(frozen=True, slots=True)
class Keyword:
    id: int
    keyword: str
    whole_word: bool


@dataclass(frozen=True, slots=True)
class Filter:
    id: int
    title: str
    contexts: tuple[str, ...]
    action: str
    expires_at: datetime | None
    keywords: tuple[Keyword, ...]


async def _with_keywords(conn: Conn, rows: list[asyncpg.Record]) -> list[Filter]:
    ids = [row["id"] for row in rows]
    found = await conn.fetch(
        """SELECT filter_id, id, keyword, whole_word FROM filter_keywords
           WHERE filter_id = ANY($1::bigint[]) ORDER BY id""",
        ids,
    )
    keywords: dict[int, list[Keyword]] = {}
    for row in found:
        keywords.setdefault(row["filter_id"], []).append(
            Keyword(row["id"], row["keyword"], row["whole_word"])
        )
    return [
        Filter(row["id"], row["title"], tuple(row["contexts"]), row["action"], row["expires_at"],
               tuple(keywords.get(row["id"], [])))
        for row in rows
    ]  # fmt: skip


async def list_filters(conn: Conn, account_id: int, *, live_only: bool = False) -> list[Filter]:
    """The account's filters, oldest first (`live_only`: without the expired ones)."""
    rows = await conn.fetch(
        f"""SELECT {_FILTER} FROM filters f WHERE f.account_id = $1
              AND (NOT $2 OR f.expires_at IS NULL OR f.expires_at > now())
            ORDER BY f.id""",
        account_id, live_only,
    )  # fmt: skip
    return await _with_keywords(conn, rows)


async def get_filter(conn: Conn, account_id: int, filter_id: int) -> Filter | None:
    rows = await conn.fetch(
        f"SELECT {_FILTER} FROM filters f WHERE f.id = $2 AND f.account_id = $1",
        account_id, filter_id,
    )  # fmt: skip
    found = await _with_keywords(conn, rows)
    return found[0] if found else None


async def count_filters(conn: Conn, account_id: int) -> int:
    found: int = await conn.fetchval(
        "SELECT count(*) FROM filters WHERE account_id = $1", account_id
    )
    return found


async def insert_filter(
    conn: Conn, account_id: int, title: str, contexts: list[str], action: str,
    expires_at: datetime | None,
) -> int:  # fmt: skip
    found: int = await conn.fetchval(
        """INSERT INTO filters (account_id, title, contexts, action, expires_at)
           VALUES ($1, $2, $3, $4, $5) RETURNING id""",
        account_id, title, contexts, action, expires_at,
    )  # fmt: skip
    return found


async def update_filter(
    conn: Conn, filter_id: int, title: str, contexts: list[str], action: str,
    expires_at: datetime | None,
) -> None:  # fmt: skip
    await conn.execute(
        "UPDATE filters SET title = $2, contexts = $3, action = $4, expires_at = $5 WHERE id = $1",
        filter_id, title, contexts, action, expires_at,
    )  # fmt: skip


async def delete_filter(conn: Conn, account_id: int, filter_id: int) -> bool:
    result: str = await conn.execute(
        "DELETE FROM filters WHERE id = $2 AND account_id = $1", account_id, filter_id
    )
    return result != "DELETE 0"


async def add_keyword(conn: Conn, filter_id: int, keyword: str, whole_word: bool) -> None:
    await conn.execute(
        "INSERT INTO filter_keywords (filter_id, keyword, whole_word) VALUES ($1, $2, $3)",
        filter_id, keyword, whole_word,
    )  # fmt: skip


async def update_keyword(
    conn: Conn, filter_id: int, keyword_id: int, keyword: str, whole_word: bool
) -> bool:
    result: str = await conn.execute(
        """UPDATE filter_keywords SET keyword = $3, whole_word = $4
           WHERE id = $2 AND filter_id = $1""",
        filter_id, keyword_id, keyword, whole_word,
    )  # fmt: skip
    return result != "UPDATE 0"


async def delete_keyword(conn: Conn, filter_id: int, keyword_id: int) -> bool:
    result: str = await conn.execute(
        "DELETE FROM filter_keywords WHERE id = $2 AND filter_id = $1", filter_id, keyword_id
    )
    return result != "DELETE 0"
