"""Media attachment rows: local uploads and remote attachments (the files live in a MediaStore)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from node.domain.media import Media, MediaKind
from node.storage.pool import Conn

_COLUMNS = """id, account_id, post_id, position, kind, content_type, file_key, thumbnail_key,
    remote_url, width, height, blurhash, description, size, created_at"""


@dataclass(frozen=True, slots=True)
class NewLocalMedia:
    account_id: int
    content_type: str
    file_key: str
    thumbnail_key: str
    width: int
    height: int
    blurhash: str
    description: str
    size: int


@dataclass(frozen=True, slots=True)
class NewRemoteMedia:
    kind: MediaKind
    content_type: str
    remote_url: str
    width: int | None
    height: int | None
    blurhash: str | None
    description: str


def _media(row: asyncpg.Record) -> Media:
    return Media(**dict(row))


async def insert_local_media(conn: Conn, new: NewLocalMedia) -> Media:
    row = await conn.fetchrow(
        f"""INSERT INTO media (account_id, kind, content_type, file_key, thumbnail_key, width,
                height, blurhash, description, size)
            VALUES ($1, 'image', $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {_COLUMNS}""",
        new.account_id, new.content_type, new.file_key, new.thumbnail_key, new.width,
        new.height, new.blurhash, new.description, new.size,
    )  # fmt: skip
    assert row is not None
    return _media(row)


async def get_media(conn: Conn, media_id: int) -> Media | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM media WHERE id = $1", media_id)
    return _media(row) if row else None


async def update_description(conn: Conn, media_id: int, description: str) -> Media:
    row = await conn.fetchrow(
        f"UPDATE media SET description = $2 WHERE id = $1 RETURNING {_COLUMNS}",
        media_id, description,
    )  # fmt: skip
    assert row is not None
    return _media(row)


async def count_attached(conn: Conn, post_id: int) -> int:
    count: int = await conn.fetchval("SELECT count(*) FROM media WHERE post_id = $1", post_id)
    return count


async def attach(
    conn: Conn, account_id: int, post_id: int, media_ids: list[int], first_position: int
) -> list[Media]:
    """Attach those of `media_ids` that are the account's own unattached uploads, in order.

    `post_id IS NULL` in the WHERE clause is re-checked after waiting on a row lock, so two
    posts racing for one upload cannot both get it.
    """
    rows = await conn.fetch(
        f"""UPDATE media SET post_id = $2, position = $4 + array_position($3::bigint[], id) - 1
            WHERE id = ANY($3::bigint[]) AND account_id = $1 AND post_id IS NULL
              AND file_key IS NOT NULL
            RETURNING {_COLUMNS}""",
        account_id, post_id, media_ids, first_position,
    )  # fmt: skip
    return sorted((_media(row) for row in rows), key=lambda media: media.position)


async def media_of_posts(conn: Conn, post_ids: list[int]) -> list[Media]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM media WHERE post_id = ANY($1::bigint[])
            ORDER BY post_id, position, id""",
        post_ids,
    )
    return [_media(row) for row in rows]


async def replace_remote_media(
    conn: Conn, post_id: int, items: list[NewRemoteMedia]
) -> list[Media]:
    """Make `items` the remote attachments of the post (an Update may change them)."""
    await conn.execute("DELETE FROM media WHERE post_id = $1 AND remote_url IS NOT NULL", post_id)
    stored = []
    for position, item in enumerate(items):
        row = await conn.fetchrow(
            f"""INSERT INTO media (post_id, position, kind, content_type, remote_url, width,
                    height, blurhash, description)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {_COLUMNS}""",
            post_id, position, item.kind, item.content_type, item.remote_url, item.width,
            item.height, item.blurhash, item.description,
        )  # fmt: skip
        assert row is not None
        stored.append(_media(row))
    return stored


async def delete_unattached(conn: Conn, older_than: timedelta, limit: int) -> list[Media]:
    """Delete up to `limit` rows unattached for longer than `older_than`; return them.

    SKIP LOCKED lets two sweepers run at once, and leaves alone a row that a post being written
    right now has locked to attach.
    """
    rows = await conn.fetch(
        f"""DELETE FROM media WHERE id IN (
                SELECT id FROM media WHERE post_id IS NULL AND created_at < now() - $1::interval
                ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
            RETURNING {_COLUMNS}""",
        older_than, limit,
    )  # fmt: skip
    return [_media(row) for row in rows]


async def attachment_is_public(conn: Conn, key: str) -> bool | None:
    """Whether the post a stored file (or its thumbnail) is attached to is public or unlisted:
    None when no attachment has this key (profile and group pictures), False for a post of a
    narrower audience and for an upload no post took yet."""
    row = await conn.fetchrow(
        """SELECT p.visibility FROM media m LEFT JOIN posts p ON p.id = m.post_id
           WHERE m.file_key = $1 OR m.thumbnail_key = $1""",
        key,
    )
    if row is None:
        return None
    return row["visibility"] in {"public", "unlisted"}
