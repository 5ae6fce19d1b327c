"""Discussion threads in groups (here or elsewhere), their flags and unread markers, and who
belongs to a group. Every list is filtered by node.storage.visibility like the timelines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from node.storage.pool import Conn
from node.storage.visibility import visible_to


@dataclass(frozen=True, slots=True)
class GroupKey:
    """A group here (its account id) or elsewhere (its remote actor id)."""

    account_id: int | None = None
    remote_id: int | None = None


@dataclass(frozen=True, slots=True)
class ThreadRow:
    id: int
    title: str | None
    pinned: bool
    locked: bool
    activity_at: datetime
    replies: int
    unread: bool


@dataclass(frozen=True, slots=True)
class MemberRow:
    uri: str
    username: str
    host: str | None  # None: a person on this node
    display_name: str


async def threads(
    conn: Conn, group: GroupKey, viewer: int | None, limit: int, offset: int = 0
) -> list[ThreadRow]:
    """Pinned threads first, then by latest post; only threads the viewer may see."""
    rows = await conn.fetch(
        f"""SELECT p.id, p.title, p.thread_pinned AS pinned, p.thread_locked AS locked,
               coalesce(p.thread_activity_at, p.published_at) AS activity_at,
               (SELECT count(*) FROM posts c WHERE c.thread_id = p.id) AS replies,
               ($1::bigint IS NOT NULL AND coalesce(p.thread_activity_at, p.published_at)
                   > coalesce(r.read_at, '-infinity')) AS unread
            FROM posts p
            LEFT JOIN group_thread_reads r ON r.thread_id = p.id AND r.account_id = $1::bigint
            WHERE (p.group_account = $2 OR p.group_remote = $3) AND p.thread_id IS NULL
              AND {visible_to("$1")}
            ORDER BY p.thread_pinned DESC, activity_at DESC, p.id DESC LIMIT $4 OFFSET $5""",
        viewer, group.account_id, group.remote_id, limit, offset,
    )  # fmt: skip
    return [ThreadRow(**dict(row)) for row in rows]


async def thread_reply_ids(conn: Conn, thread_id: int, viewer: int | None) -> list[int]:
    rows = await conn.fetch(
        f"""SELECT p.id FROM posts p WHERE p.thread_id = $2 AND {visible_to("$1")}
            ORDER BY p.published_at, p.id""",
        viewer, thread_id,
    )  # fmt: skip
    return [row["id"] for row in rows]


async def thread_flags(conn: Conn, thread_id: int) -> tuple[bool, bool]:
    row = await conn.fetchrow(
        "SELECT thread_pinned, thread_locked FROM posts WHERE id = $1", thread_id
    )
    return (row["thread_pinned"], row["thread_locked"]) if row else (False, False)


async def set_thread_flag(conn: Conn, thread_id: int, flag: str, value: bool) -> None:
    assert flag in {"thread_pinned", "thread_locked"}
    await conn.execute(f"UPDATE posts SET {flag} = $2 WHERE id = $1", thread_id, value)


async def public_thread_ids(
    conn: Conn, group_account: int, limit: int, *, pinned_only: bool = False
) -> list[int]:
    """A group's public threads that federate, newest first: its outbox (Lemmy's ~20
    latest) or, pinned only, its featured collection."""
    rows = await conn.fetch(
        """SELECT id FROM posts WHERE group_account = $1 AND thread_id IS NULL
             AND visibility = 'public' AND NOT local_only AND (NOT $3 OR thread_pinned)
           ORDER BY published_at DESC, id DESC LIMIT $2""",
        group_account, limit, pinned_only,
    )  # fmt: skip
    return [row["id"] for row in rows]


async def count_threads(
    conn: Conn, group_account: int, *, public_only: bool, pinned_only: bool = False
) -> int:
    """How many threads of a group federate (public ones only, or all)."""
    value: int = await conn.fetchval(
        """SELECT count(*) FROM posts WHERE group_account = $1 AND thread_id IS NULL
             AND NOT local_only AND (NOT $2 OR visibility = 'public')
             AND (NOT $3 OR thread_pinned)""",
        group_account, public_only, pinned_only,
    )  # fmt: skip
    return value


async def mark_read(conn: Conn, account_id: int, thread_id: int) -> None:
    await conn.execute(
        """INSERT INTO group_thread_reads (account_id, thread_id) VALUES ($1, $2)
           ON CONFLICT (account_id, thread_id) DO UPDATE SET read_at = now()""",
        account_id, thread_id,
    )  # fmt: skip


async def unread_count(conn: Conn, account_id: int, group: GroupKey) -> int:
    value: int = await conn.fetchval(
        f"""SELECT count(*) FROM posts p
            LEFT JOIN group_thread_reads r ON r.thread_id = p.id AND r.account_id = $1
            WHERE (p.group_account = $2 OR p.group_remote = $3) AND p.thread_id IS NULL
              AND coalesce(p.thread_activity_at, p.published_at)
                  > coalesce(r.read_at, '-infinity')
              AND {visible_to("$1")}""",
        account_id, group.account_id, group.remote_id,
    )  # fmt: skip
    return value


async def members(conn: Conn, group_account: int, limit: int, offset: int = 0) -> list[MemberRow]:
    """Accepted members of a group here, people on this node first."""
    rows = await conn.fetch(
        """SELECT coalesce(r.uri, '') AS uri, coalesce(a.username, r.username) AS username,
               r.host, coalesce(nullif(a.display_name, ''), nullif(r.display_name, ''),
                                a.username, r.username) AS display_name
           FROM follows f
           LEFT JOIN accounts a ON a.id = f.follower_account
           LEFT JOIN remote_actors r ON r.id = f.follower_remote
           WHERE f.followee_account = $1 AND f.state = 'accepted'
           ORDER BY r.host NULLS FIRST, lower(coalesce(a.username, r.username))
           LIMIT $2 OFFSET $3""",
        group_account, limit, offset,
    )  # fmt: skip
    return [MemberRow(**dict(row)) for row in rows]


async def is_member(conn: Conn, group: GroupKey, account_id: int) -> bool | None:
    """True a member, False a pending request, None neither."""
    state: str | None = await conn.fetchval(
        """SELECT state FROM follows WHERE follower_account = $1
             AND (followee_account = $2 OR followee_remote = $3)""",
        account_id, group.account_id, group.remote_id,
    )  # fmt: skip
    return None if state is None else state == "accepted"


async def is_remote_member(conn: Conn, group_account: int, remote_id: int) -> bool:
    found: bool = await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM follows WHERE follower_remote = $1
             AND followee_account = $2 AND state = 'accepted')""",
        remote_id, group_account,
    )  # fmt: skip
    return found


async def thread_root(conn: Conn, post_id: int) -> tuple[int, int | None, int | None] | None:
    """(thread id, group account, group remote) of the group thread a post belongs to."""
    row = await conn.fetchrow(
        """SELECT coalesce(thread_id, id) AS thread, group_account, group_remote FROM posts
           WHERE id = $1 AND (group_account IS NOT NULL OR group_remote IS NOT NULL)""",
        post_id,
    )
    return (row["thread"], row["group_account"], row["group_remote"]) if row else None


async def has_local_member(conn: Conn, group_remote: int) -> bool:
    """Whether one of our people has joined this group elsewhere (an accepted follow)."""
    found: bool = await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM follows WHERE followee_remote = $1
             AND follower_account IS NOT NULL AND state = 'accepted')""",
        group_remote,
    )
    return found
