"""Timelines are queries (DESIGN.md §2): keyset pagination on posts.id, filtered by the
visibility rule in node.storage.visibility."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from node.storage.pool import Conn
from node.storage.visibility import not_muted_by, visible_to

# $1 viewer, $2 limit, $3 max_id (exclusive), then each query's own parameters.
_VIEW = """
SELECT p.id, p.uri, p.url, p.content_html, p.summary, p.sensitive, p.language, p.visibility,
       p.local_only, p.in_reply_to_id, p.in_reply_to_uri, p.published_at, p.edited_at,
       p.author_account, p.author_remote,
       coalesce(a.username, r.username) AS username,
       coalesce(nullif(a.display_name, ''), nullif(r.display_name, ''),
                a.username, r.username) AS display_name,
       r.host AS remote_host, coalesce(r.url, r.uri) AS remote_profile,
       (SELECT count(*) FROM likes l WHERE l.post_id = p.id) AS likes,
       (SELECT count(*) FROM boosts s WHERE s.post_id = p.id) AS boosts,
       (SELECT count(*) FROM posts c WHERE c.in_reply_to_id = p.id) AS replies,
       EXISTS (SELECT 1 FROM likes l WHERE l.post_id = p.id AND l.account_id = $1::bigint)
           AS liked,
       EXISTS (SELECT 1 FROM boosts s WHERE s.post_id = p.id AND s.account_id = $1::bigint)
           AS boosted,
       EXISTS (SELECT 1 FROM bookmarks k WHERE k.post_id = p.id AND k.account_id = $1::bigint)
           AS bookmarked
FROM posts p
LEFT JOIN accounts a ON a.id = p.author_account
LEFT JOIN remote_actors r ON r.id = p.author_remote
"""
_PAGE = "AND ($3::bigint IS NULL OR p.id < $3) ORDER BY p.id DESC LIMIT $2"


@dataclass(frozen=True, slots=True)
class PostView:
    id: int
    uri: str
    url: str | None
    content_html: str
    summary: str | None
    sensitive: bool
    language: str | None
    visibility: str
    local_only: bool
    in_reply_to_id: int | None
    in_reply_to_uri: str | None
    published_at: datetime
    edited_at: datetime | None
    author_account: int | None
    author_remote: int | None
    username: str
    display_name: str
    remote_host: str | None
    remote_profile: str | None
    likes: int
    boosts: int
    replies: int
    liked: bool
    boosted: bool
    bookmarked: bool


def _views(rows: list[asyncpg.Record]) -> list[PostView]:
    return [PostView(**dict(row)) for row in rows]


async def home(conn: Conn, viewer: int, limit: int, max_id: int | None) -> list[PostView]:
    """Own posts, and posts by the people followed, that the viewer may see."""
    rows = await conn.fetch(
        f"""{_VIEW} WHERE (p.author_account = $1 OR EXISTS (
                SELECT 1 FROM follows f WHERE f.follower_account = $1 AND f.state = 'accepted'
                  AND (f.followee_account = p.author_account
                       OR f.followee_remote = p.author_remote))
                OR EXISTS (SELECT 1 FROM post_mentions m WHERE m.post_id = p.id
                           AND m.account_id = $1))
            AND {visible_to("$1")} AND {not_muted_by("$1")} {_PAGE}""",
        viewer, limit, max_id,
    )  # fmt: skip
    return _views(rows)


async def public(
    conn: Conn, viewer: int | None, limit: int, max_id: int | None, *, local: bool
) -> list[PostView]:
    """Public posts (local: this node's only). Local-only posts only for people signed in."""
    scope = "p.author_account IS NOT NULL" if local else "TRUE"
    rows = await conn.fetch(
        f"""{_VIEW} WHERE p.visibility = 'public' AND {scope}
            AND {visible_to("$1")} AND {not_muted_by("$1")} {_PAGE}""",
        viewer, limit, max_id,
    )  # fmt: skip
    return _views(rows)


async def hashtag(
    conn: Conn, viewer: int | None, tag: str, limit: int, max_id: int | None
) -> list[PostView]:
    rows = await conn.fetch(
        f"""{_VIEW} WHERE p.visibility = 'public'
            AND EXISTS (SELECT 1 FROM post_hashtags h WHERE h.post_id = p.id AND h.tag = $4)
            AND {visible_to("$1")} AND {not_muted_by("$1")} {_PAGE}""",
        viewer, limit, max_id, tag,
    )  # fmt: skip
    return _views(rows)


async def profile(
    conn: Conn, viewer: int | None, author: int, limit: int, max_id: int | None
) -> list[PostView]:
    """A local person's posts the viewer may see (unlisted included, as Mastodon does)."""
    rows = await conn.fetch(
        f"""{_VIEW} WHERE p.author_account = $4 AND {visible_to("$1")} {_PAGE}""",
        viewer, limit, max_id, author,
    )  # fmt: skip
    return _views(rows)


async def by_ids(conn: Conn, viewer: int | None, ids: list[int]) -> list[PostView]:
    """These posts, newest first, keeping only those the viewer may see."""
    rows = await conn.fetch(
        f"""{_VIEW} WHERE p.id = ANY($4::bigint[]) AND {visible_to("$1")} {_PAGE}""",
        viewer, max(len(ids), 1), None, ids,
    )  # fmt: skip
    return _views(rows)


async def thread_ids(conn: Conn, post_id: int, depth: int = 50) -> list[int]:
    """Ids of the post's ancestors and descendants (the whole conversation), and itself."""
    rows = await conn.fetch(
        """WITH RECURSIVE up(id, parent, n) AS (
               SELECT id, in_reply_to_id, 0 FROM posts WHERE id = $1
               UNION ALL SELECT p.id, p.in_reply_to_id, up.n + 1 FROM posts p
               JOIN up ON p.id = up.parent WHERE up.n < $2),
           down(id, n) AS (
               SELECT id, 0 FROM posts WHERE id = $1
               UNION ALL SELECT p.id, down.n + 1 FROM posts p
               JOIN down ON p.in_reply_to_id = down.id WHERE down.n < $2)
           SELECT id FROM up UNION SELECT id FROM down""",
        post_id, depth,
    )  # fmt: skip
    return [row["id"] for row in rows]
