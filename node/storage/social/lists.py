"""Lists: a person's named subsets of the people they follow.

A member row points at the owner's follow of that person, so a list can only hold people the
owner follows (or has asked to follow), and an unfollow takes them off (ON DELETE CASCADE).
"""

from __future__ import annotations

from dataclasses import dataclass

from node.storage.pool import Conn

_LIST = "l.id, l.title, l.replies_policy, l.exclusive"


def _exclusive_members(viewer: str, side: str) -> str:
    return f"""ARRAY(SELECT f.followee_{side} FROM lists l
        JOIN list_members lm ON lm.list_id = l.id JOIN follows f ON f.id = lm.follow_id
        WHERE l.account_id = {viewer}::bigint AND l.exclusive AND f.followee_{side} IS NOT NULL)"""


def not_in_exclusive_list(viewer: str) -> str:
    """A condition on a `posts p` row for the home timeline: its author is on none of the
    viewer's exclusive lists (Mastodon 4.2: their posts show on the list only). The member
    arrays do not depend on the row, so PostgreSQL reads them once per query."""
    return f"""NOT coalesce(p.author_account = ANY({_exclusive_members(viewer, "account")}), false)
        AND NOT coalesce(p.author_remote = ANY({_exclusive_members(viewer, "remote")}), false)"""


@dataclass(frozen=True, slots=True)
class PersonList:
    id: int
    title: str
    replies_policy: str
    exclusive: bool


@dataclass(frozen=True, slots=True)
class Member:
    id: int  # the membership's id, which pages the list of members
    account_id: int | None
    remote_id: int | None


async def count_lists(conn: Conn, account_id: int) -> int:
    found: int = await conn.fetchval("SELECT count(*) FROM lists WHERE account_id = $1", account_id)
    return found


async def create_list(
    conn: Conn, account_id: int, title: str, replies_policy: str, exclusive: bool
) -> PersonList:
    row = await conn.fetchrow(
        f"""INSERT INTO lists AS l (account_id, title, replies_policy, exclusive)
            VALUES ($1, $2, $3, $4) RETURNING {_LIST}""",
        account_id, title, replies_policy, exclusive,
    )  # fmt: skip
    assert row is not None
    return PersonList(**dict(row))


async def get_list(conn: Conn, account_id: int, list_id: int) -> PersonList | None:
    row = await conn.fetchrow(
        f"SELECT {_LIST} FROM lists l WHERE l.id = $2 AND l.account_id = $1",
        account_id, list_id,
    )  # fmt: skip
    return PersonList(**dict(row)) if row else None


async def all_lists(conn: Conn, account_id: int) -> list[PersonList]:
    rows = await conn.fetch(
        f"SELECT {_LIST} FROM lists l WHERE l.account_id = $1 ORDER BY l.id", account_id
    )
    return [PersonList(**dict(row)) for row in rows]


async def update_list(
    conn: Conn, account_id: int, list_id: int, title: str, replies_policy: str, exclusive: bool
) -> PersonList | None:
    row = await conn.fetchrow(
        f"""UPDATE lists l SET title = $3, replies_policy = $4, exclusive = $5
            WHERE l.id = $2 AND l.account_id = $1 RETURNING {_LIST}""",
        account_id, list_id, title, replies_policy, exclusive,
    )  # fmt: skip
    return PersonList(**dict(row)) if row else None


async def delete_list(conn: Conn, account_id: int, list_id: int) -> bool:
    result: str = await conn.execute(
        "DELETE FROM lists WHERE id = $2 AND account_id = $1", account_id, list_id
    )
    return result != "DELETE 0"


async def members(conn: Conn, list_id: int, limit: int | None, max_id: int | None) -> list[Member]:
    """Members, newest first, keyset-paged on the membership id (`limit` None: all)."""
    rows = await conn.fetch(
        """SELECT lm.id, f.followee_account AS account_id, f.followee_remote AS remote_id
           FROM list_members lm JOIN follows f ON f.id = lm.follow_id
           WHERE lm.list_id = $1 AND ($3::bigint IS NULL OR lm.id < $3)
           ORDER BY lm.id DESC LIMIT $2""",
        list_id, limit, max_id,
    )  # fmt: skip
    return [Member(**dict(row)) for row in rows]


async def follow_of(
    conn: Conn, account_id: int, *, followee_account: int | None, followee_remote: int | None
) -> int | None:
    """The id of the account's follow (accepted or requested) of this person, if any."""
    found: int | None = await conn.fetchval(
        """SELECT id FROM follows WHERE follower_account = $1
             AND (followee_account = $2 OR followee_remote = $3)""",
        account_id, followee_account, followee_remote,
    )  # fmt: skip
    return found


async def add_member(conn: Conn, list_id: int, follow_id: int) -> bool:
    """Put a follow on a list; False when it is already there."""
    result: str = await conn.execute(
        "INSERT INTO list_members (list_id, follow_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        list_id, follow_id,
    )  # fmt: skip
    return result != "INSERT 0 0"


async def remove_members(conn: Conn, list_id: int, accounts: list[int], remotes: list[int]) -> None:
    await conn.execute(
        """DELETE FROM list_members lm USING follows f
           WHERE lm.list_id = $1 AND f.id = lm.follow_id
             AND (f.followee_account = ANY($2::bigint[])
                  OR f.followee_remote = ANY($3::bigint[]))""",
        list_id, accounts, remotes,
    )  # fmt: skip


async def lists_with(
    conn: Conn, account_id: int, *, member_account: int | None, member_remote: int | None
) -> list[PersonList]:
    """The account's lists that hold this person."""
    rows = await conn.fetch(
        f"""SELECT {_LIST} FROM lists l
            WHERE l.account_id = $1 AND EXISTS (
                SELECT 1 FROM list_members lm JOIN follows f ON f.id = lm.follow_id
                WHERE lm.list_id = l.id
                  AND (f.followee_account = $2 OR f.followee_remote = $3))
            ORDER BY l.id""",
        account_id, member_account, member_remote,
    )  # fmt: skip
    return [PersonList(**dict(row)) for row in rows]
