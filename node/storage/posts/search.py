"""Search queries (people, hashtags, full-text posts) and the public listings behind feeds.

Every list of posts here goes through `visible_to`, like the timelines. Full-text search uses the
generated `posts.search_vector` (migrations/0006_search.sql) with the same 'simple' configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

from node.storage.pool import Conn
from node.storage.posts.timelines import _VIEW, PostView, _views
from node.storage.visibility import not_muted_by, visible_to

# Whether the author lets other people find their posts: a local person's consent on their
# profile (no profile row: no), a remote actor's `indexable` flag.
_INDEXABLE = """LEFT JOIN profiles pf ON pf.account_id = p.author_account"""
_AUTHOR_INDEXABLE = "coalesce(pf.indexable, r.indexable, false)"
# Relevance, discounted by age: a month-old match counts half as much as one from today.
_QUERY = "websearch_to_tsquery('simple', $4)"
_SCORE = f"""ts_rank(p.search_vector, {_QUERY}, 1)
    / (1.0 + extract(epoch FROM now() - p.published_at) / 2592000.0)"""


@dataclass(frozen=True, slots=True)
class AccountHit:
    """A person found by name: local when `host` is None."""

    username: str
    display_name: str
    host: str | None
    uri: str | None  # a remote actor's id (what /follow takes); None for local people
    profile_url: str | None  # a remote actor's page; None for local people


@dataclass(frozen=True, slots=True)
class TagHit:
    tag: str
    posts: int  # public posts with this tag that the searcher may see


def prefix_pattern(text: str) -> str:
    """A LIKE pattern matching strings that start with `text` (wildcards in it escaped)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.lower() + "%"


async def local_accounts(conn: Conn, term: str, limit: int) -> list[AccountHit]:
    """People here whose username, display name, or a word of it, starts with `term`.

    Accounts still waiting for email confirmation or approval are not listed.
    """
    rows = await conn.fetch(
        r"""SELECT username, coalesce(nullif(display_name, ''), username) AS display_name
            FROM accounts
            WHERE (lower(username) LIKE $1 ESCAPE '\' OR lower(display_name) LIKE $1 ESCAPE '\'
                   OR lower(display_name) LIKE ('% ' || $1) ESCAPE '\')
              AND email_verified_at IS NOT NULL AND approved_at IS NOT NULL
            ORDER BY lower(username) = $3 DESC, lower(username) LIKE $1 ESCAPE '\' DESC,
                     lower(username)
            LIMIT $2""",
        prefix_pattern(term), limit, term.lower(),
    )  # fmt: skip
    return [AccountHit(r["username"], r["display_name"], None, None, None) for r in rows]


async def remote_accounts(
    conn: Conn, term: str, host_prefix: str | None, limit: int
) -> list[AccountHit]:
    """Remote actors already known here, by name prefix (and host prefix, for `name@ho`)."""
    rows = await conn.fetch(
        r"""SELECT username, coalesce(nullif(display_name, ''), username) AS display_name,
                   host, uri, coalesce(url, uri) AS profile_url
            FROM remote_actors
            WHERE actor_type <> 'Application'
              AND (lower(username) LIKE $1 ESCAPE '\'
                   OR $4::text IS NULL AND (lower(display_name) LIKE $1 ESCAPE '\'
                       OR lower(display_name) LIKE ('% ' || $1) ESCAPE '\'))
              AND ($4::text IS NULL OR lower(host) LIKE $4 ESCAPE '\')
            ORDER BY lower(username) = $3 DESC, lower(username) LIKE $1 ESCAPE '\' DESC,
                     lower(username), lower(host)
            LIMIT $2""",
        prefix_pattern(term), limit, term.lower(),
        prefix_pattern(host_prefix) if host_prefix is not None else None,
    )  # fmt: skip
    return [
        AccountHit(r["username"], r["display_name"], r["host"], r["uri"], r["profile_url"])
        for r in rows
    ]


async def hashtags(conn: Conn, viewer: int | None, tag: str, limit: int) -> list[TagHit]:
    """Tags starting with `tag` (normalised), counted over the public posts the viewer may see.

    A tag used only in posts the viewer may not see is not listed at all: its name alone can
    say too much (a tag in a direct message, say).
    """
    rows = await conn.fetch(
        rf"""SELECT h.tag, count(*) AS posts
            FROM post_hashtags h JOIN posts p ON p.id = h.post_id
            WHERE h.tag LIKE $2 ESCAPE '\' AND p.visibility = 'public'
              AND {visible_to("$1")} AND {not_muted_by("$1")}
            GROUP BY h.tag
            ORDER BY h.tag = $4 DESC, count(*) DESC, h.tag
            LIMIT $3""",
        viewer, prefix_pattern(tag), limit, tag,
    )  # fmt: skip
    return [TagHit(row["tag"], row["posts"]) for row in rows]


async def posts(
    conn: Conn, viewer: int | None, query: str, limit: int, offset: int
) -> list[PostView]:
    """Posts matching `query` (web-search syntax: words, "phrases", -not, or), best first.

    Other people's posts appear when the viewer may see them (`visible_to`), their author allows
    indexing, and they are not unlisted (unlisted means "keep out of discovery", as on
    Mastodon). So a follower finds a followers-only post, a mentioned person a direct one, an
    anonymous visitor only public posts. The viewer's own posts are always found.
    """
    rows = await conn.fetch(
        f"""{_VIEW} {_INDEXABLE}
            WHERE p.search_vector @@ {_QUERY}
              AND {visible_to("$1")} AND {not_muted_by("$1")}
              AND (p.author_account IS NOT DISTINCT FROM $1::bigint AND $1::bigint IS NOT NULL
                   OR p.visibility <> 'unlisted' AND {_AUTHOR_INDEXABLE})
            ORDER BY {_SCORE} DESC, p.id DESC
            LIMIT $2 OFFSET $3""",
        viewer, limit, offset, query,
    )  # fmt: skip
    return _views(rows)


# Feeds are fetched anonymously (and cached by whatever sits between us and the reader), so they
# list what an anonymous visitor may see, narrowed to public posts: never unlisted, followers-
# only, direct or local-only ones. `visible_to(NULL)` already drops local-only posts; the
# explicit `NOT p.local_only` says so where a reader looks for it.
_FEED = f"""p.visibility = 'public' AND NOT p.local_only AND p.author_account IS NOT NULL
    AND {visible_to("$1")}"""
_NEWEST = "AND ($3::bigint IS NULL OR p.id < $3) ORDER BY p.id DESC LIMIT $2"


async def public_posts_by(conn: Conn, author: int, limit: int) -> list[PostView]:
    """A local person's newest public posts, for their feed."""
    rows = await conn.fetch(
        f"{_VIEW} WHERE p.author_account = $4 AND {_FEED} {_NEWEST}", None, limit, None, author
    )
    return _views(rows)


async def public_posts_tagged(conn: Conn, tag: str, limit: int) -> list[PostView]:
    """The newest public posts written here with this (normalised) tag, for its feed.

    Only this node's posts: a feed republishes, and other servers' posts are theirs to publish
    (Mastodon's tag feeds are local-only for the same reason).
    """
    rows = await conn.fetch(
        f"""{_VIEW} WHERE EXISTS (SELECT 1 FROM post_hashtags h WHERE h.post_id = p.id
                                  AND h.tag = $4)
            AND {_FEED} {_NEWEST}""",
        None, limit, None, tag,
    )  # fmt: skip
    return _views(rows)
