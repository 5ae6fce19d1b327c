"""Timelines are queries (docs/architecture.md): keyset pagination on posts.id, filtered by the
visibility rule in node.storage.visibility."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from node.storage.pool import Conn
from node.storage.social.lists import not_in_exclusive_list
from node.storage.social.mutes import not_muted
from node.storage.visibility import not_muted_by, visible_to

# $1 viewer, $2 limit, $3 max_id (exclusive), then each query's own parameters.
_VIEW = """
SELECT p.id, p.uri, p.url, p.content_html, p.summary, p.sensitive, p.language, p.visibility,
       p.local_only, p.in_reply_to_id, p.in_reply_to_uri, p.published_at, p.edited_at,
       p.author_account, p.author_remote, p.title, p.group_account, p.group_remote,
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
    title: str | None
    group_account: int | None
    group_remote: int | None
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


def in_home(viewer: str) -> str:
    """A condition on a `posts p` row: it belongs on the home timeline of the local account
    at `viewer` (a parameter or column). The streaming API uses it too, so a live stream
    carries exactly what the home timeline shows."""
    # IN (uncorrelated subquery) rather than EXISTS: PostgreSQL hashes the followed ids once
    # instead of scanning the viewer's follows for every post it reads (bench/timeline.py).
    followed_here = f"""(SELECT f.followee_account FROM follows f
                  WHERE f.follower_account = {viewer} AND f.state = 'accepted'
                  AND f.followee_account IS NOT NULL)"""
    followed_elsewhere = f"""(SELECT f.followee_remote FROM follows f
                  WHERE f.follower_account = {viewer} AND f.state = 'accepted'
                  AND f.followee_remote IS NOT NULL)"""
    return f"""(p.author_account = {viewer}
            OR p.author_account IN {followed_here}
            OR p.author_remote IN {followed_elsewhere}
            -- new threads in the groups one belongs to (not every reply)
            OR p.thread_id IS NULL AND (p.group_account IN {followed_here}
                                        OR p.group_remote IN {followed_elsewhere})
            OR EXISTS (SELECT 1 FROM post_mentions m WHERE m.post_id = p.id
                       AND m.account_id = {viewer}))
            AND {visible_to(viewer)} AND {not_muted_by(viewer)} AND {not_muted(viewer)}
            AND {not_in_exclusive_list(viewer)}"""


def listed_for(viewer: str) -> str:
    """A condition: the post is listed on public timelines for this viewer (may be NULL)."""
    return f"""p.visibility = 'public' AND {visible_to(viewer)} AND {not_muted_by(viewer)}
            AND {not_muted(viewer)}"""


async def home(conn: Conn, viewer: int, limit: int, max_id: int | None) -> list[PostView]:
    """Own posts, posts by the people followed and new threads in one's groups, that the
    viewer may see."""
    rows = await conn.fetch(
        f"""{_VIEW} WHERE {in_home("$1")} {_PAGE}""", viewer, limit, max_id
    )  # fmt: skip
    return _views(rows)


async def public(
    conn: Conn, viewer: int | None, limit: int, max_id: int | None, *, local: bool
) -> list[PostView]:
    """Public posts (local: this node's only). Local-only posts only for people signed in."""
    scope = "p.author_account IS NOT NULL" if local else "TRUE"
    rows = await conn.fetch(
        f"""{_VIEW} WHERE p.visibility = 'public' AND {scope}
            AND {visible_to("$1")} AND {not_muted_by("$1")} AND {not_muted("$1")} {_PAGE}""",
        viewer, limit, max_id,
    )  # fmt: skip
    return _views(rows)


async def hashtag(
    conn: Conn, viewer: int | None, tag: str, limit: int, max_id: int | None
) -> list[PostView]:
    rows = await conn.fetch(
        f"""{_VIEW} WHERE p.visibility = 'public'
            AND EXISTS (SELECT 1 FROM post_hashtags h WHERE h.post_id = p.id AND h.tag = $4)
            AND {visible_to("$1")} AND {not_muted_by("$1")} AND {not_muted("$1")} {_PAGE}""",
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


def _list_replies(policy: str, viewer: str, accounts: str, remotes: str) -> str:
    """Which replies a list shows (Mastodon's replies_policy), as a condition on the replied-to
    post `q`: none; replies to the owner or a member ("list"); replies to the owner or anyone
    they follow ("followed")."""
    if policy == "list":
        return f"""(q.author_account = {viewer}::bigint OR q.author_account = ANY({accounts})
                OR q.author_remote = ANY({remotes}))"""
    if policy == "followed":
        return f"""(q.author_account = {viewer}::bigint OR EXISTS (
                SELECT 1 FROM follows f WHERE f.follower_account = {viewer}::bigint
                  AND f.state = 'accepted'
                  AND (f.followee_account = q.author_account
                       OR f.followee_remote = q.author_remote)))"""
    if policy == "none":
        return "FALSE"
    raise ValueError(f"unknown replies policy {policy!r}")


def in_list(viewer: str, accounts: str, remotes: str, replies_policy: str) -> str:
    """A condition on a `posts p` row: it belongs on the timeline of a list of the local account
    at `viewer` whose members are the bigint arrays `accounts` and `remotes` (SQL expressions)
    and whose replies policy is `replies_policy`. The streaming API uses it too, so a list's
    stream carries exactly what its timeline shows."""
    replies = _list_replies(replies_policy, viewer, accounts, remotes)
    return f"""(p.author_account = ANY({accounts}) OR p.author_remote = ANY({remotes}))
            AND (p.in_reply_to_id IS NULL AND p.in_reply_to_uri IS NULL
                 OR EXISTS (SELECT 1 FROM posts q WHERE q.id = p.in_reply_to_id AND {replies}))
            AND {visible_to(viewer)} AND {not_muted_by(viewer)} AND {not_muted(viewer)}"""


async def list_posts(
    conn: Conn, viewer: int, accounts: list[int], remotes: list[int], replies_policy: str,
    limit: int, max_id: int | None,
) -> list[PostView]:  # fmt: skip
    """Posts by these members of one of the viewer's lists that the viewer may see (the home
    timeline's rules). Members come as id arrays so the planner can read by author."""
    rows = await conn.fetch(
        f"""{_VIEW} WHERE {in_list("$1", "$4::bigint[]", "$5::bigint[]", replies_policy)}
            {_PAGE}""",
        viewer, limit, max_id, accounts, remotes,
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
