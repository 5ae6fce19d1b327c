"""Notifications: follows, requests, mentions, replies, likes, boosts, poll results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from node.storage.pool import Conn
from node.storage.social.mutes import notification_shown
from node.storage.visibility import visible_to


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    kind: str
    from_name: str
    from_handle: str
    post_id: int | None
    post_html: str | None
    read: bool
    created_at: datetime
    group: str | None = None  # the group a `group_request` asks to join (its username)


async def notify(
    conn: Conn,
    account_id: int,
    kind: str,
    *,
    from_account: int | None = None,
    from_remote: int | None = None,
    post_id: int | None = None,
    group_account: int | None = None,
) -> None:
    """Record one notification; the same event twice (a redelivery) is recorded once."""
    if from_account is not None and from_account == account_id:
        return  # nobody is told about their own actions
    await conn.execute(
        """INSERT INTO notifications (account_id, kind, from_account, from_remote, post_id,
               group_account)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""",
        account_id, kind, from_account, from_remote, post_id, group_account,
    )  # fmt: skip


async def notify_group_moderators(
    conn: Conn, group_account: int, *, from_account: int | None = None,
    from_remote: int | None = None,
) -> None:  # fmt: skip
    """Tell a group's owners and moderators that someone asked to join it."""
    await conn.execute(
        """INSERT INTO notifications (account_id, kind, from_account, from_remote, group_account)
           SELECT r.account_id, 'group_request', $2, $3, $1 FROM group_roles r
           WHERE r.group_id = $1 AND r.account_id IS DISTINCT FROM $2
           ON CONFLICT DO NOTHING""",
        group_account, from_account, from_remote,
    )  # fmt: skip


def post_visible(alias: str = "n") -> str:
    """The notification's post (if any) is one its recipient may see now: a mention in a
    members-only group post, or a post whose audience changed, never shows its content."""
    return f"""({alias}.post_id IS NULL OR EXISTS (SELECT 1 FROM posts p
        WHERE p.id = {alias}.post_id AND {visible_to(f"{alias}.account_id")}))"""


async def list_notifications(
    conn: Conn, account_id: int, host: str, limit: int, before_id: int | None
) -> list[Notification]:
    rows = await conn.fetch(
        f"""SELECT n.id, n.kind, n.post_id, n.read_at IS NOT NULL AS read, n.created_at,
                  coalesce(nullif(a.display_name, ''), a.username,
                           nullif(r.display_name, ''), r.username) AS from_name,
                  coalesce(a.username || '@' || $3, r.username || '@' || r.host) AS from_handle,
                  p.content_html AS post_html, g.username AS group_name
           FROM notifications n
           LEFT JOIN accounts g ON g.id = n.group_account
           LEFT JOIN accounts a ON a.id = n.from_account
           LEFT JOIN remote_actors r ON r.id = n.from_remote
           LEFT JOIN posts p ON p.id = n.post_id
           WHERE n.account_id = $1 AND ($4::bigint IS NULL OR n.id < $4)
             AND {notification_shown("n")} AND {post_visible("n")}
           ORDER BY n.id DESC LIMIT $2""",
        account_id, limit, host, before_id,
    )  # fmt: skip
    return [
        Notification(row["id"], row["kind"], row["from_name"] or "", row["from_handle"] or "",
                     row["post_id"], row["post_html"], row["read"], row["created_at"],
                     row["group_name"])
        for row in rows
    ]  # fmt: skip


async def unread_count(conn: Conn, account_id: int) -> int:
    value: int = await conn.fetchval(
        f"""SELECT count(*) FROM notifications n WHERE n.account_id = $1 AND n.read_at IS NULL
            AND {notification_shown("n")} AND {post_visible("n")}""",
        account_id,
    )
    return value


async def mark_all_read(conn: Conn, account_id: int) -> None:
    await conn.execute(
        "UPDATE notifications SET read_at = now() WHERE account_id = $1 AND read_at IS NULL",
        account_id,
    )


async def delete_all(conn: Conn, account_id: int) -> None:
    await conn.execute("DELETE FROM notifications WHERE account_id = $1", account_id)


async def delete_one(conn: Conn, account_id: int, notification_id: int) -> bool:
    result: str = await conn.execute(
        "DELETE FROM notifications WHERE account_id = $1 AND id = $2",
        account_id, notification_id,
    )  # fmt: skip
    return result != "DELETE 0"
