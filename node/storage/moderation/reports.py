"""Reports for this node's moderators, with a copy of each reported post."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from node.storage.pool import Conn

_REPORT = """r.id, r.reporter, r.target_account, r.target_remote, r.category, r.comment,
    r.forwarded, r.resolved_at, r.created_at"""


@dataclass(frozen=True, slots=True)
class ReportedPost:
    post_id: int
    uri: str
    content_html: str  # as it was when reported


@dataclass(frozen=True, slots=True)
class Report:
    id: int
    reporter: int
    target_account: int | None
    target_remote: int | None
    category: str
    comment: str
    forwarded: bool
    resolved_at: datetime | None
    created_at: datetime
    posts: tuple[ReportedPost, ...] = ()


async def insert_report(
    conn: Conn, reporter: int, *, target_account: int | None, target_remote: int | None,
    category: str, comment: str, forwarded: bool, posts: list[ReportedPost],
) -> Report:  # fmt: skip
    row = await conn.fetchrow(
        f"""INSERT INTO reports AS r (reporter, target_account, target_remote, category, comment,
                                     forwarded)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_REPORT}""",
        reporter, target_account, target_remote, category, comment, forwarded,
    )  # fmt: skip
    assert row is not None
    await conn.executemany(
        "INSERT INTO report_posts (report_id, post_id, uri, content_html) VALUES ($1, $2, $3, $4)",
        [(row["id"], p.post_id, p.uri, p.content_html) for p in posts],
    )
    return Report(**dict(row), posts=tuple(posts))


async def list_reports(
    conn: Conn, limit: int, max_id: int | None, *, open_only: bool
) -> list[Report]:
    """Reports, newest first (`open_only`: those no moderator has resolved)."""
    rows = await conn.fetch(
        f"""SELECT {_REPORT} FROM reports r
            WHERE (NOT $3 OR r.resolved_at IS NULL) AND ($2::bigint IS NULL OR r.id < $2)
            ORDER BY r.id DESC LIMIT $1""",
        limit, max_id, open_only,
    )  # fmt: skip
    posts = await conn.fetch(
        """SELECT report_id, post_id, uri, content_html FROM report_posts
           WHERE report_id = ANY($1::bigint[]) ORDER BY post_id""",
        [row["id"] for row in rows],
    )
    by_report: dict[int, list[ReportedPost]] = {}
    for post in posts:
        by_report.setdefault(post["report_id"], []).append(
            ReportedPost(post["post_id"], post["uri"], post["content_html"])
        )
    return [Report(**dict(row), posts=tuple(by_report.get(row["id"], []))) for row in rows]
