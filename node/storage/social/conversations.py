"""Conversations, derived from posts: a person's direct (mentioned-only) posts that they wrote
or are mentioned in and may see, grouped by the root of their thread. Only the person's marks
(read up to, deleted up to) are stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from node.storage.pool import Conn
from node.storage.visibility import not_muted_by, visible_to

# $1 viewer. `rooted` pairs each of the viewer's direct posts with its thread's root (walking
# up at most 50 replies, as thread_ids does); `grouped` is one row per conversation.
_GROUPS = f"""
WITH RECURSIVE mine AS (
    SELECT p.id, p.in_reply_to_id FROM posts p
    WHERE p.visibility = 'direct'
      AND (p.author_account = $1 OR EXISTS (
          SELECT 1 FROM post_mentions m WHERE m.post_id = p.id AND m.account_id = $1))
      AND {visible_to("$1")} AND {not_muted_by("$1")}
), up(post_id, node, parent, depth) AS (
    SELECT id, id, in_reply_to_id, 0 FROM mine
    UNION ALL
    SELECT up.post_id, q.id, q.in_reply_to_id, up.depth + 1
    FROM up JOIN posts q ON q.id = up.parent WHERE up.depth < 50
), rooted AS (
    SELECT post_id, node AS root FROM up WHERE parent IS NULL OR depth = 50
), grouped AS (
    SELECT r.root, max(r.post_id) AS last_id, array_agg(r.post_id ORDER BY r.post_id) AS post_ids,
           bool_or(r.post_id > coalesce(c.read_up_to, 0)
                   AND q.author_account IS DISTINCT FROM $1) AS unread,
           coalesce(max(c.hidden_up_to), 0) AS hidden_up_to
    FROM rooted r JOIN posts q ON q.id = r.post_id
    LEFT JOIN conversation_marks c ON c.account_id = $1 AND c.root_post_id = r.root
    GROUP BY r.root
)
SELECT root, last_id, post_ids, unread FROM grouped WHERE last_id > hidden_up_to
"""


@dataclass(frozen=True, slots=True)
class Conversation:
    root: int  # the thread's first post: the conversation's id
    last_id: int
    post_ids: tuple[int, ...]  # the viewer's direct posts in it, oldest first
    unread: bool


@dataclass(frozen=True, slots=True)
class Participant:
    post_id: int
    account_id: int | None
    remote_id: int | None


async def list_conversations(
    conn: Conn, viewer: int, limit: int, max_id: int | None, root: int | None = None
) -> list[Conversation]:
    """The viewer's conversations by newest post, keyset-paged on that post's id (`root`:
    only that one). A deleted conversation comes back when a newer post arrives."""
    rows = await conn.fetch(
        f"""{_GROUPS} AND ($3::bigint IS NULL OR last_id < $3)
            AND ($4::bigint IS NULL OR root = $4)
            ORDER BY last_id DESC LIMIT $2""",
        viewer, limit, max_id, root,
    )  # fmt: skip
    return [
        Conversation(row["root"], row["last_id"], tuple(row["post_ids"]), bool(row["unread"]))
        for row in rows
    ]


async def participants(conn: Conn, post_ids: list[int]) -> list[Participant]:
    """Who wrote or is mentioned in these posts (mentions of unknown remote actors left out)."""
    rows = await conn.fetch(
        """SELECT p.id AS post_id, p.author_account AS account_id, p.author_remote AS remote_id
           FROM posts p WHERE p.id = ANY($1::bigint[])
           UNION
           SELECT m.post_id, m.account_id, CASE WHEN m.account_id IS NULL THEN r.id END
           FROM post_mentions m LEFT JOIN remote_actors r ON r.uri = m.actor_uri
           WHERE m.post_id = ANY($1::bigint[]) AND (m.account_id IS NOT NULL OR r.id IS NOT NULL)
           ORDER BY 1""",
        post_ids,
    )
    return [Participant(**dict(row)) for row in rows]


async def mark(conn: Conn, viewer: int, root: int, *, read_up_to: int = 0,
               hidden_up_to: int = 0) -> None:  # fmt: skip
    """Move the viewer's marks on one conversation forward (never back)."""
    await conn.execute(
        """INSERT INTO conversation_marks (account_id, root_post_id, read_up_to, hidden_up_to)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (account_id, root_post_id) DO UPDATE SET
               read_up_to = greatest(conversation_marks.read_up_to, EXCLUDED.read_up_to),
               hidden_up_to = greatest(conversation_marks.hidden_up_to, EXCLUDED.hidden_up_to)""",
        viewer, root, read_up_to, hidden_up_to,
    )  # fmt: skip
