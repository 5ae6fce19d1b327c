"""Groups on this node (an account of kind 'group' plus its settings), their roles and
invitations, and the directory. Threads and membership lists: node.storage.groups.threads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from node.domain.groups import GroupRole, GroupSettings, JoinPolicy
from node.storage.pool import Conn


@dataclass(frozen=True, slots=True)
class GroupRow:
    account_id: int
    username: str
    settings: GroupSettings
    created_at: datetime
    member_count: int
    avatar_key: str | None = None  # the group's picture in the media store


_SELECT = """SELECT a.id AS account_id, a.username, a.display_name, a.bio, a.created_at,
        g.join_policy, g.members_only, g.rules, g.subjects, g.grades, g.members_listed,
        (SELECT count(*) FROM follows f WHERE f.followee_account = a.id
           AND f.state = 'accepted') AS member_count,
        (SELECT p.avatar_key FROM profiles p WHERE p.account_id = a.id) AS avatar_key
    FROM groups g JOIN accounts a ON a.id = g.account_id"""


def _group(row: asyncpg.Record) -> GroupRow:
    join_policy: JoinPolicy = row["join_policy"]
    return GroupRow(
        account_id=row["account_id"],
        username=row["username"],
        settings=GroupSettings(
            name=row["display_name"],
            description=row["bio"],
            rules=row["rules"],
            join_policy=join_policy,
            members_only=row["members_only"],
            subjects=tuple(row["subjects"]),
            grades=tuple(row["grades"]),
            members_listed=row["members_listed"],
        ),
        created_at=row["created_at"],
        member_count=row["member_count"],
        avatar_key=row["avatar_key"],
    )


async def make_group(conn: Conn, account_id: int, settings: GroupSettings) -> None:
    """Turn a freshly made account into a group (its name and description live on the
    account row, so the actor document shows them like a person's)."""
    await conn.execute(
        """UPDATE accounts SET kind = 'group', display_name = $2, bio = $3,
               locked = $4 WHERE id = $1""",
        account_id, settings.name, settings.description, settings.join_policy != "open",
    )  # fmt: skip
    await conn.execute(
        """INSERT INTO groups (account_id, join_policy, members_only, rules, subjects, grades,
               members_listed) VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        account_id, settings.join_policy, settings.members_only, settings.rules,
        list(settings.subjects), list(settings.grades), settings.members_listed,
    )  # fmt: skip


async def update_group(conn: Conn, account_id: int, settings: GroupSettings) -> None:
    await conn.execute(
        """UPDATE accounts SET display_name = $2, bio = $3, locked = $4 WHERE id = $1""",
        account_id, settings.name, settings.description, settings.join_policy != "open",
    )  # fmt: skip
    await conn.execute(
        """UPDATE groups SET join_policy = $2, members_only = $3, rules = $4, subjects = $5,
               grades = $6, members_listed = $7 WHERE account_id = $1""",
        account_id, settings.join_policy, settings.members_only, settings.rules,
        list(settings.subjects), list(settings.grades), settings.members_listed,
    )  # fmt: skip


async def get_group(conn: Conn, account_id: int) -> GroupRow | None:
    row = await conn.fetchrow(f"{_SELECT} WHERE a.id = $1", account_id)
    return _group(row) if row else None


async def get_group_by_username(conn: Conn, username: str) -> GroupRow | None:
    row = await conn.fetchrow(f"{_SELECT} WHERE lower(a.username) = lower($1)", username)
    return _group(row) if row else None


async def search_groups(conn: Conn, query: str, limit: int, offset: int = 0) -> list[GroupRow]:
    """The directory: every group here, or those whose name, handle, description or tags
    contain the query; busiest first."""
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await conn.fetch(
        f"""{_SELECT} WHERE $1 = '%%' OR a.username ILIKE $1 OR a.display_name ILIKE $1
              OR a.bio ILIKE $1 OR array_to_string(g.subjects || g.grades, ',') ILIKE $1
            ORDER BY member_count DESC, a.id LIMIT $2 OFFSET $3""",
        pattern, limit, offset,
    )  # fmt: skip
    return [_group(row) for row in rows]


async def is_members_only(conn: Conn, account_id: int) -> bool:
    found: bool | None = await conn.fetchval(
        "SELECT members_only FROM groups WHERE account_id = $1", account_id
    )
    return bool(found)


async def set_role(conn: Conn, group_id: int, account_id: int, role: GroupRole) -> None:
    if role == "member":
        await conn.execute(
            "DELETE FROM group_roles WHERE group_id = $1 AND account_id = $2", group_id, account_id
        )
        return
    await conn.execute(
        """INSERT INTO group_roles (group_id, account_id, role) VALUES ($1, $2, $3)
           ON CONFLICT (group_id, account_id) DO UPDATE SET role = excluded.role""",
        group_id, account_id, role,
    )  # fmt: skip


async def role_of(conn: Conn, group_id: int, account_id: int) -> GroupRole | None:
    value: GroupRole | None = await conn.fetchval(
        "SELECT role FROM group_roles WHERE group_id = $1 AND account_id = $2",
        group_id, account_id,
    )  # fmt: skip
    return value


async def moderators(conn: Conn, group_id: int) -> list[tuple[str, str]]:
    """(username, role) of the owners and moderators, owners first."""
    rows = await conn.fetch(
        """SELECT a.username, r.role FROM group_roles r JOIN accounts a ON a.id = r.account_id
           WHERE r.group_id = $1 ORDER BY r.role DESC, r.created_at""",
        group_id,
    )
    return [(row["username"], row["role"]) for row in rows]


async def add_invite(conn: Conn, group_id: int, actor_uri: str, invited_by: int) -> None:
    await conn.execute(
        """INSERT INTO group_invites (group_id, actor_uri, invited_by) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING""",
        group_id, actor_uri, invited_by,
    )  # fmt: skip


async def is_invited(conn: Conn, group_id: int, actor_uri: str) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM group_invites WHERE group_id = $1 AND actor_uri = $2)",
        group_id, actor_uri,
    )  # fmt: skip
    return found


async def groups_of_member(conn: Conn, account_id: int) -> list[tuple[int | None, int | None]]:
    """(local group account id, remote group actor id) of every group a person has joined."""
    rows = await conn.fetch(
        """SELECT f.followee_account, f.followee_remote FROM follows f
           LEFT JOIN accounts a ON a.id = f.followee_account
           LEFT JOIN remote_actors r ON r.id = f.followee_remote
           WHERE f.follower_account = $1 AND f.state = 'accepted'
             AND (a.kind = 'group' OR r.actor_type = 'Group')
           ORDER BY f.created_at DESC""",
        account_id,
    )
    return [(row["followee_account"], row["followee_remote"]) for row in rows]
