"""Lists of reactions, a page at a time: a person's bookmarks and likes (newest first), and who
liked or boosted a post. Each page is a keyset on the reaction's own id, so it can be continued
from any point however the list has changed (the client API's `max_id` / `min_id` paging)."""

from __future__ import annotations

from dataclasses import dataclass

from node.storage.keyset import Cursor, keyset, newest_first
from node.storage.pool import Conn

__all__ = ["Cursor", "Flagged", "Reactor", "bookmarks_page", "likes_page", "reactors_page"]


@dataclass(frozen=True, slots=True)
class Flagged:
    """A bookmark or a like of a post (`id` is the bookmark's or the like's)."""

    id: int
    post_id: int


@dataclass(frozen=True, slots=True)
class Reactor:
    """Who liked or boosted a post: a local account or a remote actor (`id` is the reaction's)."""

    id: int
    account_id: int | None
    remote_id: int | None


async def bookmarks_page(conn: Conn, account_id: int, cursor: Cursor) -> list[Flagged]:
    tail, args = keyset(cursor, "id", 2)
    rows = await conn.fetch(
        f"SELECT id, post_id FROM bookmarks WHERE account_id = $1 {tail}", account_id, *args
    )
    return newest_first(cursor, [Flagged(row["id"], row["post_id"]) for row in rows])


async def likes_page(conn: Conn, account_id: int, cursor: Cursor) -> list[Flagged]:
    tail, args = keyset(cursor, "id", 2)
    rows = await conn.fetch(
        f"SELECT id, post_id FROM likes WHERE account_id = $1 {tail}", account_id, *args
    )
    return newest_first(cursor, [Flagged(row["id"], row["post_id"]) for row in rows])


async def reactors_page(conn: Conn, table: str, post_id: int, cursor: Cursor) -> list[Reactor]:
    """Who liked (table 'likes') or boosted ('boosts') the post, latest first."""
    assert table in {"likes", "boosts"}
    tail, args = keyset(cursor, "id", 2)
    rows = await conn.fetch(
        f"SELECT id, account_id, remote_id FROM {table} WHERE post_id = $1 {tail}",
        post_id, *args,
    )  # fmt: skip
    return newest_first(cursor, [Reactor(**dict(row)) for row in rows])
