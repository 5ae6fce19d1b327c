"""Follows between local accounts and remote actors, in both directions."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from node.storage.keyset import Cursor, keyset, newest_first
from node.storage.pool import Conn

_COLUMNS = """id, follower_account, follower_remote, followee_account, followee_remote, state,
    activity_uri"""


@dataclass(frozen=True, slots=True)
class Follow:
    id: int
    follower_account: int | None
    follower_remote: int | None
    followee_account: int | None
    followee_remote: int | None
    state: str
    activity_uri: str


def _follow(row: asyncpg.Record) -> Follow:
    return Follow(**dict(row))


async def insert_follow(
    conn: Conn,
    *,
    activity_uri: str,
    state: str,
    follower_account: int | None = None,
    follower_remote: int | None = None,
    followee_account: int | None = None,
    followee_remote: int | None = None,
) -> Follow:
    """Record a follow; a repeated Follow of the same pair keeps the first row's id but takes
    the new activity id (the follower may have retried with a fresh one)."""
    row = await conn.fetchrow(
        f"""INSERT INTO follows (follower_account, follower_remote, followee_account,
                followee_remote, state, activity_uri)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (coalesce(follower_account, 0), coalesce(follower_remote, 0),
                         coalesce(followee_account, 0), coalesce(followee_remote, 0))
            DO UPDATE SET activity_uri = EXCLUDED.activity_uri,
                state = CASE WHEN follows.state = 'accepted' THEN 'accepted' ELSE $5 END
            RETURNING {_COLUMNS}""",
        follower_account, follower_remote, followee_account, followee_remote, state,
        activity_uri,
    )  # fmt: skip
    assert row is not None
    return _follow(row)


async def get_follow_by_activity(conn: Conn, activity_uri: str) -> Follow | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM follows WHERE activity_uri = $1", activity_uri
    )
    return _follow(row) if row else None


async def get_local_to_remote(conn: Conn, account_id: int, remote_id: int) -> Follow | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM follows WHERE follower_account = $1 AND followee_remote = $2",
        account_id, remote_id,
    )  # fmt: skip
    return _follow(row) if row else None


async def get_remote_to_local(conn: Conn, remote_id: int, account_id: int) -> Follow | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM follows WHERE follower_remote = $1 AND followee_account = $2",
        remote_id, account_id,
    )  # fmt: skip
    return _follow(row) if row else None


async def set_state(conn: Conn, follow_id: int, state: str) -> None:
    await conn.execute("UPDATE follows SET state = $2 WHERE id = $1", follow_id, state)


async def delete_follow(conn: Conn, follow_id: int) -> None:
    await conn.execute("DELETE FROM follows WHERE id = $1", follow_id)


async def follower_recipients(conn: Conn, account_id: int) -> list[tuple[str, str, str | None]]:
    """(actor uri, inbox, shared inbox) of an account's accepted followers elsewhere."""
    rows = await conn.fetch(
        """SELECT r.uri, r.inbox, r.shared_inbox
           FROM follows f JOIN remote_actors r ON r.id = f.follower_remote
           WHERE f.followee_account = $1 AND f.state = 'accepted'
           ORDER BY r.id""",
        account_id,
    )
    return [(row["uri"], row["inbox"], row["shared_inbox"]) for row in rows]


async def list_followers_uris(
    conn: Conn, account_id: int, limit: int, offset: int
) -> tuple[int, list[str]]:
    """(total, page) of an account's accepted followers: remote actor ids, and `local:NAME`
    for followers on this node (the caller builds their ids)."""
    return await _list_side(conn, account_id, limit, offset, followers=True)


async def list_following_uris(
    conn: Conn, account_id: int, limit: int, offset: int
) -> tuple[int, list[str]]:
    """The same for whom the account follows."""
    return await _list_side(conn, account_id, limit, offset, followers=False)


async def _list_side(
    conn: Conn, account_id: int, limit: int, offset: int, *, followers: bool
) -> tuple[int, list[str]]:
    # `mine` is the account's side of the follow, `other` the side listed.
    mine, other = ("followee", "follower") if followers else ("follower", "followee")
    total: int = await conn.fetchval(
        f"SELECT count(*) FROM follows WHERE {mine}_account = $1 AND state = 'accepted'",
        account_id,
    )
    rows = await conn.fetch(
        f"""SELECT r.uri, a.username FROM follows f
           LEFT JOIN remote_actors r ON r.id = f.{other}_remote
           LEFT JOIN accounts a ON a.id = f.{other}_account
           WHERE f.{mine}_account = $1 AND f.state = 'accepted'
           ORDER BY f.id DESC LIMIT $2 OFFSET $3""",
        account_id, limit, offset,
    )  # fmt: skip
    return total, [row["uri"] or f"local:{row['username']}" for row in rows]


async def remote_author_uri(conn: Conn, post_id: int) -> str | None:
    """The actor id of a post's author elsewhere (None for a post written here)."""
    value: str | None = await conn.fetchval(
        """SELECT r.uri FROM posts p JOIN remote_actors r ON r.id = p.author_remote
           WHERE p.id = $1""",
        post_id,
    )
    return value


async def pending_remote_followers(conn: Conn, account_id: int) -> list[tuple[int, str, str, str]]:
    """(follow id, actor uri or '', handle, display name) of requests waiting for approval,
    from other servers and from this one (a local follower has no uri here)."""
    rows = await conn.fetch(
        """SELECT f.id, coalesce(r.uri, '') AS uri,
                  coalesce(r.username || '@' || r.host, a.username) AS handle,
                  coalesce(r.display_name, a.display_name) AS display_name
           FROM follows f
           LEFT JOIN remote_actors r ON r.id = f.follower_remote
           LEFT JOIN accounts a ON a.id = f.follower_account
           WHERE f.followee_account = $1 AND f.state = 'pending' ORDER BY f.id""",
        account_id,
    )
    return [(row["id"], row["uri"], row["handle"], row["display_name"]) for row in rows]


async def get_pending_request(
    conn: Conn, follow_id: int, account_id: int
) -> tuple[Follow, str] | None:
    """A pending follow of this account, with the follower's actor id ('' for a follower on
    this node, who needs no Accept over the network)."""
    row = await conn.fetchrow(
        f"""SELECT {", ".join("f." + c.strip() for c in _COLUMNS.split(","))},
               coalesce(r.uri, '') AS follower_uri
           FROM follows f LEFT JOIN remote_actors r ON r.id = f.follower_remote
           WHERE f.id = $1 AND f.followee_account = $2 AND f.state = 'pending'
           FOR UPDATE OF f""",
        follow_id, account_id,
    )  # fmt: skip
    if row is None:
        return None
    values = dict(row)
    uri = values.pop("follower_uri")
    return Follow(**values), uri


async def delete_local_follow(conn: Conn, follower: int, followee: int) -> None:
    await conn.execute(
        "DELETE FROM follows WHERE follower_account = $1 AND followee_account = $2",
        follower, followee,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class FollowSide:
    """One follow seen from an account's list: the follow's id and the person on the other side
    (a local account or a remote actor)."""

    follow_id: int
    account_id: int | None
    remote_id: int | None


async def follows_page(
    conn: Conn, account_id: int, cursor: Cursor, *, followers: bool
) -> list[FollowSide]:
    """A page of an account's accepted followers (or of whom it follows), latest follow first."""
    mine, other = ("followee", "follower") if followers else ("follower", "followee")
    tail, args = keyset(cursor, "id", 2)
    rows = await conn.fetch(
        f"""SELECT id, {other}_account AS account_id, {other}_remote AS remote_id FROM follows
            WHERE {mine}_account = $1 AND state = 'accepted' {tail}""",
        account_id, *args,
    )  # fmt: skip
    found = [FollowSide(row["id"], row["account_id"], row["remote_id"]) for row in rows]
    return newest_first(cursor, found)
