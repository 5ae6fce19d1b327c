"""What hangs off a post: mentions, hashtags, edit history, bookmarks and pins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from node.storage.pool import Conn


@dataclass(frozen=True, slots=True)
class StoredMention:
    actor_uri: str
    acct: str
    account_id: int | None


@dataclass(frozen=True, slots=True)
class Edit:
    content_html: str
    summary: str | None
    edited_at: datetime


async def add_mentions(conn: Conn, post_id: int, mentions: list[StoredMention]) -> None:
    await conn.executemany(
        "INSERT INTO post_mentions (post_id, account_id, actor_uri, acct) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING",
        [(post_id, m.account_id, m.actor_uri, m.acct) for m in mentions],
    )


async def mentions_of(conn: Conn, post_ids: list[int]) -> dict[int, list[StoredMention]]:
    rows = await conn.fetch(
        "SELECT post_id, actor_uri, acct, account_id FROM post_mentions WHERE post_id = ANY($1)",
        post_ids,
    )
    found: dict[int, list[StoredMention]] = {}
    for row in rows:
        found.setdefault(row["post_id"], []).append(
            StoredMention(row["actor_uri"], row["acct"], row["account_id"])
        )
    return found


async def add_hashtags(conn: Conn, post_id: int, tags: list[str]) -> None:
    await conn.executemany(
        "INSERT INTO post_hashtags (post_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        [(post_id, tag[:64]) for tag in tags],
    )


async def hashtags_of(conn: Conn, post_ids: list[int]) -> dict[int, list[str]]:
    rows = await conn.fetch(
        "SELECT post_id, tag FROM post_hashtags WHERE post_id = ANY($1) ORDER BY tag", post_ids
    )
    found: dict[int, list[str]] = {}
    for row in rows:
        found.setdefault(row["post_id"], []).append(row["tag"])
    return found


async def record_edit(conn: Conn, post_id: int, content_html: str, summary: str | None) -> None:
    await conn.execute(
        "INSERT INTO post_edits (post_id, content_html, summary) VALUES ($1, $2, $3)",
        post_id, content_html, summary,
    )  # fmt: skip


async def edits_of(conn: Conn, post_id: int) -> list[Edit]:
    rows = await conn.fetch(
        "SELECT content_html, summary, edited_at FROM post_edits WHERE post_id = $1 ORDER BY id",
        post_id,
    )
    return [Edit(row["content_html"], row["summary"], row["edited_at"]) for row in rows]


async def set_flag(conn: Conn, table: str, account_id: int, post_id: int, on: bool) -> None:
    """Bookmark or pin (table 'bookmarks' or 'pins'), or undo it."""
    assert table in {"bookmarks", "pins"}
    if on:
        await conn.execute(
            f"INSERT INTO {table} (account_id, post_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            account_id, post_id,
        )  # fmt: skip
    else:
        await conn.execute(
            f"DELETE FROM {table} WHERE account_id = $1 AND post_id = $2", account_id, post_id
        )


async def flagged_posts(conn: Conn, table: str, account_id: int) -> list[int]:
    assert table in {"bookmarks", "pins"}
    rows = await conn.fetch(
        f"SELECT post_id FROM {table} WHERE account_id = $1 ORDER BY created_at DESC", account_id
    )
    return [row["post_id"] for row in rows]


async def clear_hashtags(conn: Conn, post_id: int) -> None:
    """Before an edit records the tags the new text has."""
    await conn.execute("DELETE FROM post_hashtags WHERE post_id = $1", post_id)
