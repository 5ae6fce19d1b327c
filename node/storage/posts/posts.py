"""Posts by local accounts and remote actors, with their likes and boosts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from node.storage.pool import Conn

_COLUMNS = """id, uri, author_account, author_remote, object_type, content_html, summary,
    sensitive, language, visibility, in_reply_to_uri, in_reply_to_id, url, published_at,
    edited_at, local_only, group_account, group_remote, title, thread_id"""


@dataclass(frozen=True, slots=True)
class Post:
    id: int
    uri: str
    author_account: int | None
    author_remote: int | None
    object_type: str
    content_html: str
    summary: str | None
    sensitive: bool
    language: str | None
    visibility: str
    in_reply_to_uri: str | None
    in_reply_to_id: int | None
    url: str | None
    published_at: datetime
    edited_at: datetime | None
    local_only: bool
    # Group posts (FEP-1b12): the group, a thread's title, a reply's thread.
    group_account: int | None = None
    group_remote: int | None = None
    title: str | None = None
    thread_id: int | None = None


@dataclass(frozen=True, slots=True)
class PostFields:
    uri: str
    content_html: str
    visibility: str
    author_account: int | None = None
    author_remote: int | None = None
    object_type: str = "Note"
    summary: str | None = None
    sensitive: bool = False
    language: str | None = None
    in_reply_to_uri: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    raw: dict[str, Any] | None = None
    local_only: bool = False
    source_text: str | None = None
    group_account: int | None = None
    group_remote: int | None = None
    title: str | None = None
    thread_id: int | None = None
    id: int | None = None  # ours, from next_post_id (so the uri can hold it); else a new one


def _post(row: asyncpg.Record) -> Post:
    return Post(**dict(row))


async def insert_post(conn: Conn, fields: PostFields) -> Post | None:
    """Store a post; None when its id is already known (a redelivered Create)."""
    row = await conn.fetchrow(
        f"""INSERT INTO posts (id, uri, author_account, author_remote, object_type, content_html,
                summary, sensitive, language, visibility, in_reply_to_uri, in_reply_to_id, url,
                published_at, raw, local_only, source_text, group_account, group_remote, title,
                thread_id, thread_activity_at)
            OVERRIDING SYSTEM VALUE
            VALUES (coalesce($20, nextval(pg_get_serial_sequence('posts', 'id'))),
                $1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
                (SELECT id FROM posts WHERE uri = $10), $11, coalesce($12, now()), $13, $14, $15,
                $16, $17, $18, $19,
                CASE WHEN ($16::bigint IS NOT NULL OR $17::bigint IS NOT NULL)
                     AND $19::bigint IS NULL THEN coalesce($12, now()) END)
            ON CONFLICT (uri) DO NOTHING
            RETURNING {_COLUMNS}""",
        fields.uri, fields.author_account, fields.author_remote, fields.object_type,
        fields.content_html, fields.summary, fields.sensitive, fields.language,
        fields.visibility, fields.in_reply_to_uri, fields.url, fields.published_at,
        orjson.dumps(fields.raw).decode() if fields.raw is not None else None,
        fields.local_only, fields.source_text, fields.group_account, fields.group_remote,
        fields.title, fields.thread_id, fields.id,
    )  # fmt: skip
    if row is None:
        return None
    if fields.thread_id is not None:
        # The group page lists threads by their latest post.
        await conn.execute(
            "UPDATE posts SET thread_activity_at = greatest(thread_activity_at, $2) WHERE id = $1",
            fields.thread_id, row["published_at"],
        )  # fmt: skip
    # Replies that arrived before this post now have their parent.
    await conn.execute(
        "UPDATE posts SET in_reply_to_id = $1 WHERE in_reply_to_uri = $2 AND in_reply_to_id "
        "IS NULL",
        row["id"], fields.uri,
    )  # fmt: skip
    return _post(row)


async def next_post_id(conn: Conn) -> int:
    """An id for a post about to be written here: its uri and url are made from it."""
    value: int = await conn.fetchval("SELECT nextval(pg_get_serial_sequence('posts', 'id'))")
    return value


async def get_post_by_uri(conn: Conn, uri: str) -> Post | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM posts WHERE uri = $1", uri)
    return _post(row) if row else None


async def get_post(conn: Conn, post_id: int) -> Post | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM posts WHERE id = $1", post_id)
    return _post(row) if row else None


async def update_post_content(
    conn: Conn,
    post_id: int,
    content_html: str,
    summary: str | None,
    sensitive: bool,
    edited_at: datetime,
    source_text: str | None = None,
) -> Post | None:
    row = await conn.fetchrow(
        f"""UPDATE posts SET content_html = $2, summary = $3, sensitive = $4, edited_at = $5,
                source_text = coalesce($6, source_text)
            WHERE id = $1 RETURNING {_COLUMNS}""",
        post_id, content_html, summary, sensitive, edited_at, source_text,
    )  # fmt: skip
    return _post(row) if row else None


async def delete_post(conn: Conn, post_id: int, uri: str) -> None:
    await conn.execute("DELETE FROM posts WHERE id = $1", post_id)
    await remember_tombstone(conn, uri)


async def remember_tombstone(conn: Conn, uri: str) -> None:
    await conn.execute("INSERT INTO tombstones (uri) VALUES ($1) ON CONFLICT DO NOTHING", uri)


async def is_tombstoned(conn: Conn, uri: str) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM tombstones WHERE uri = $1)", uri
    )
    return found


async def posts_by_account(
    conn: Conn, account_id: int, limit: int, before_id: int | None, offset: int = 0
) -> list[Post]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM posts WHERE author_account = $1
              AND visibility IN ('public', 'unlisted') AND NOT local_only
              AND ($3::bigint IS NULL OR id < $3)
            ORDER BY id DESC LIMIT $2 OFFSET $4""",
        account_id, limit, before_id, offset,
    )  # fmt: skip
    return [_post(row) for row in rows]


async def count_public_posts(conn: Conn, account_id: int) -> int:
    value: int = await conn.fetchval(
        "SELECT count(*) FROM posts WHERE author_account = $1 "
        "AND visibility IN ('public', 'unlisted') AND NOT local_only",
        account_id,
    )
    return value


async def add_reaction(
    conn: Conn,
    table: str,
    post_id: int,
    activity_uri: str,
    *,
    account_id: int | None = None,
    remote_id: int | None = None,
) -> bool:
    """A like or a boost (table is 'likes' or 'boosts'); False when it was already there."""
    assert table in {"likes", "boosts"}
    result: str = await conn.execute(
        f"INSERT INTO {table} (post_id, account_id, remote_id, activity_uri) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        post_id, account_id, remote_id, activity_uri,
    )  # fmt: skip
    return result.endswith(" 1")


async def remove_reaction_by_activity(
    conn: Conn, table: str, activity_uri: str, remote_id: int
) -> bool:
    assert table in {"likes", "boosts"}
    result: str = await conn.execute(
        f"DELETE FROM {table} WHERE activity_uri = $1 AND remote_id = $2", activity_uri, remote_id
    )
    return result != "DELETE 0"


async def remove_own_reaction(conn: Conn, table: str, post_id: int, account_id: int) -> str | None:
    """Take back a local like or boost; returns its activity id (for the Undo), or None."""
    assert table in {"likes", "boosts"}
    value: str | None = await conn.fetchval(
        f"DELETE FROM {table} WHERE post_id = $1 AND account_id = $2 RETURNING activity_uri",
        post_id, account_id,
    )  # fmt: skip
    return value


async def pinned_posts(conn: Conn, account_id: int) -> list[Post]:
    """Pinned public and unlisted posts that federate (the `featured` collection)."""
    rows = await conn.fetch(
        f"""SELECT {", ".join("p." + c.strip() for c in _COLUMNS.split(","))}
            FROM pins n JOIN posts p ON p.id = n.post_id
            WHERE n.account_id = $1 AND p.visibility IN ('public', 'unlisted')
              AND NOT p.local_only
            ORDER BY n.created_at DESC LIMIT 20""",
        account_id,
    )
    return [_post(row) for row in rows]


async def source_text(conn: Conn, post_id: int) -> str | None:
    value: str | None = await conn.fetchval("SELECT source_text FROM posts WHERE id = $1", post_id)
    return value
