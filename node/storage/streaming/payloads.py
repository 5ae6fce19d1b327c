"""What the streaming hub asks the database: the 'stream' NOTIFY channel and its payloads
(migration 0010), who among the people streaming a post would see it where (home, public and
hashtag timelines, lists, conversations), and one notification by id."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import orjson

from node.domain.policies import PostFacts
from node.storage.pool import Conn, Database
from node.storage.posts.timelines import in_home, in_list, listed_for
from node.storage.social import notifications
from node.storage.social.notifications import Notification

CHANNEL = "stream"


@asynccontextmanager
async def listening(
    db: Database, on_payload: Callable[[str], None], on_lost: Callable[[], None]
) -> AsyncIterator[None]:
    """LISTEN on the stream channel over one pooled connection, calling `on_payload` with each
    NOTIFY's payload and `on_lost` if the connection dies (Database.listen drops payloads)."""

    def handler(_conn: object, _pid: int, _channel: str, payload: object) -> None:
        on_payload(str(payload))

    def lost(_conn: object) -> None:
        on_lost()

    async with db.connection() as conn:
        conn.add_termination_listener(lost)
        await conn.add_listener(CHANNEL, handler)
        try:
            yield
        finally:
            conn.remove_termination_listener(lost)
            if not conn.is_closed():
                await conn.remove_listener(CHANNEL, handler)


@dataclass(frozen=True, slots=True)
class PostWritten:
    post_id: int
    event: str  # the streaming event: update (new) or status.update (edited)


@dataclass(frozen=True, slots=True)
class PostDeleted:
    post_id: int
    facts: PostFacts
    mentioned: frozenset[int]  # local people it mentioned (at most 300)


@dataclass(frozen=True, slots=True)
class NotificationAdded:
    notification_id: int
    account_id: int


@dataclass(frozen=True, slots=True)
class TokenRevoked:
    token_id: int


StreamNotice = PostWritten | PostDeleted | NotificationAdded | TokenRevoked


def parse_notice(raw: str) -> StreamNotice:
    """A payload of the triggers of migration 0010; ValueError (or KeyError, TypeError) for
    anything else."""
    data = orjson.loads(raw)
    kind = data["kind"]
    if kind in ("post", "edit"):
        return PostWritten(int(data["id"]), "update" if kind == "post" else "status.update")
    if kind == "delete":
        facts = PostFacts(str(data["visibility"]), bool(data["local_only"]),
                          data["author_account"], data["author_remote"])  # fmt: skip
        return PostDeleted(int(data["id"]), facts, frozenset(map(int, data["mentioned"])))
    if kind == "notification":
        return NotificationAdded(int(data["id"]), int(data["account"]))
    if kind == "revoked":
        return TokenRevoked(int(data["id"]))
    raise ValueError(f"unknown stream notice {kind!r}")


@dataclass(frozen=True, slots=True)
class PostAudience:
    """Of the viewers asked about: who has the post on their home timeline, and who sees it on
    the public and hashtag timelines; of the lists asked about, which show it to their owner;
    and the facts the public streams filter on."""

    in_home: frozenset[int]
    listed: frozenset[int]
    lists: frozenset[int]
    local: bool
    has_media: bool
    tags: frozenset[str]


# $1 post, $2 the viewers. Home membership is node.storage.posts.timelines.home's condition (own
# posts, people followed, mentions); listing is its public(): public posts. Both keep the
# shared visibility and block rules, so a stream never shows what those timelines would not.
_AUDIENCE = f"""
SELECT v.id AS viewer,
       {in_home("v.id")} AS in_home,
       {listed_for("v.id")} AS listed,
       p.author_account IS NOT NULL AS local,
       EXISTS (SELECT 1 FROM media a WHERE a.post_id = p.id) AS has_media,
       ARRAY(SELECT h.tag FROM post_hashtags h WHERE h.post_id = p.id) AS tags
FROM posts p CROSS JOIN unnest($2::bigint[]) AS v(id)
WHERE p.id = $1
"""


def _shown_on_list() -> str:
    """node.storage.posts.timelines.list_posts's condition on a `posts p` row for a `lists l`
    row: as the list's owner, with its members and its replies policy (the three migration
    0012 allows)."""
    accounts, remotes = (
        f"""ARRAY(SELECT f.followee_{side} FROM list_members lm
                  JOIN follows f ON f.id = lm.follow_id
                  WHERE lm.list_id = l.id AND f.followee_{side} IS NOT NULL)"""
        for side in ("account", "remote")
    )
    cases = " ".join(
        f"WHEN '{policy}' THEN {in_list('l.account_id', accounts, remotes, policy)}"
        for policy in ("followed", "list", "none")
    )
    return f"CASE l.replies_policy {cases} ELSE FALSE END"


# $1 post, $2 the lists.
_LISTS_SHOWING = f"""
SELECT l.id FROM lists l CROSS JOIN posts p
WHERE p.id = $1 AND l.id = ANY($2::bigint[]) AND {_shown_on_list()}
"""


async def post_audience(
    conn: Conn, post_id: int, viewers: Sequence[int], list_ids: Sequence[int] = ()
) -> PostAudience | None:
    """None when the post is gone (deleted before the hub got to it) or nobody was asked."""
    rows = await conn.fetch(_AUDIENCE, post_id, list(viewers))
    if not rows:
        return None
    lists = await conn.fetch(_LISTS_SHOWING, post_id, list(list_ids)) if list_ids else []
    first = rows[0]
    return PostAudience(
        in_home=frozenset(row["viewer"] for row in rows if row["in_home"]),
        listed=frozenset(row["viewer"] for row in rows if row["listed"]),
        lists=frozenset(row["id"] for row in lists),
        local=first["local"],
        has_media=first["has_media"],
        tags=frozenset(first["tags"]),
    )


@dataclass(frozen=True, slots=True)
class Relation:
    follows_author: bool
    blocked_by_author: bool


async def relations_to_author(
    conn: Conn, viewers: Sequence[int], author_account: int | None, author_remote: int | None
) -> dict[int, Relation]:
    """For a post that is already deleted: whether each viewer follows its author, and whether
    the author blocks them (the facts node.domain.policies.may_see needs)."""
    rows = await conn.fetch(
        """SELECT v.id AS viewer,
                  EXISTS (SELECT 1 FROM follows f WHERE f.follower_account = v.id
                          AND f.state = 'accepted'
                          AND (f.followee_account = $2 OR f.followee_remote = $3)) AS follows,
                  EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = $2
                          AND b.blocked_account = v.id) AS blocked
           FROM unnest($1::bigint[]) AS v(id)""",
        list(viewers), author_account, author_remote,
    )  # fmt: skip
    return {row["viewer"]: Relation(row["follows"], row["blocked"]) for row in rows}


async def lists_holding(
    conn: Conn, list_ids: Sequence[int], author_account: int | None, author_remote: int | None
) -> frozenset[int]:
    """Of these lists, those the author of a deleted post is on."""
    rows = await conn.fetch(
        """SELECT DISTINCT lm.list_id FROM list_members lm JOIN follows f ON f.id = lm.follow_id
           WHERE lm.list_id = ANY($1::bigint[])
             AND (f.followee_account = $2 OR f.followee_remote = $3)""",
        list(list_ids), author_account, author_remote,
    )  # fmt: skip
    return frozenset(row["list_id"] for row in rows)


async def direct_participants(conn: Conn, post_id: int) -> frozenset[int]:
    """The local people a mentioned-only post is between: its author and those it mentions
    (none when the post is not direct, or gone). Whether each may still see it is for the
    conversation query to say."""
    rows = await conn.fetch(
        """SELECT p.author_account AS account_id FROM posts p
           WHERE p.id = $1 AND p.visibility = 'direct' AND p.author_account IS NOT NULL
           UNION
           SELECT m.account_id FROM post_mentions m JOIN posts p ON p.id = m.post_id
           WHERE p.id = $1 AND p.visibility = 'direct' AND m.account_id IS NOT NULL""",
        post_id,
    )  # fmt: skip
    return frozenset(row["account_id"] for row in rows)


async def notification(
    conn: Conn, account_id: int, notification_id: int, host: str
) -> Notification | None:
    """One of this person's notifications, in the shape the notification list has."""
    found = await notifications.list_notifications(conn, account_id, host, 1, notification_id + 1)
    return found[0] if found and found[0].id == notification_id else None


async def has_mention_notification(conn: Conn, account_id: int, post_id: int) -> bool:
    """A reply that mentions you is notified twice here ('mention' and 'reply') and once on
    Mastodon; the stream, like the API's list, sends the mention."""
    found: bool = await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM notifications WHERE account_id = $1 AND post_id = $2
                          AND kind = 'mention')""",
        account_id, post_id,
    )  # fmt: skip
    return found
