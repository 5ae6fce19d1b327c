"""Atom and RSS feeds of a local person's public posts and of a hashtag (issue 4, item 8).

A feed is fetched anonymously, by readers and caches that never sign in, so it holds only what
anyone may see and what is meant to be spread: public posts. Never unlisted ones (kept out of
listings by their author's choice), never followers-only or direct ones, and never local-only
ones, which are for people signed in here (storage.search._FEED is the query).

This module builds a format-neutral `Feed`; node.web.feeds writes it out as Atom or RSS.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from node.domain.errors import NotFound
from node.domain.text import normalise_tag
from node.services.kernel.context import NodeContext
from node.storage.accounts import accounts as account_store
from node.storage.posts import search as store
from node.storage.posts.timelines import PostView

SIZE = 20
TITLE_LENGTH = 80

_TAGS = re.compile(r"<[^>]*>")
_BREAKS = re.compile(r"</p>|<br\s*/?>", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    id: str  # the post's ActivityPub id: stable for as long as the post exists
    url: str  # its page
    title: str  # plain text
    content_html: str
    author_name: str
    author_url: str
    published: datetime
    updated: datetime


@dataclass(frozen=True, slots=True)
class Feed:
    id: str
    title: str
    description: str
    page_url: str  # the HTML page this feed follows; its self link is page_url + ".atom"/".rss"
    updated: datetime
    entries: tuple[FeedEntry, ...]
    author_name: str | None = None  # set for a person's feed
    author_url: str | None = None


def plain_text(content_html: str) -> str:
    """Post HTML as one line of text: paragraph breaks become spaces, entities are decoded."""
    text = html.unescape(_TAGS.sub("", _BREAKS.sub(" ", content_html)))
    return " ".join(text.split())


def _title(post: PostView) -> str:
    if post.summary:
        return post.summary
    text = plain_text(post.content_html)
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1].rstrip() + "…"


def _content(post: PostView, url: str) -> str:
    """The post's HTML; behind a content warning, only the warning and a link to the post."""
    if not post.summary:
        return post.content_html
    # Feed readers cannot fold text away, so the body stays behind the warning, as on Mastodon.
    return (
        f"<p><strong>Content warning:</strong> {html.escape(post.summary)}</p>"
        f'<p><a href="{html.escape(url)}">Read the post</a></p>'
    )


def _entry(ctx: NodeContext, post: PostView) -> FeedEntry:
    url = post.url or ctx.urls.post_page(post.username, post.id)
    return FeedEntry(
        id=post.uri, url=url, title=_title(post), content_html=_content(post, url),
        author_name=post.display_name, author_url=ctx.urls.profile(post.username),
        published=post.published_at, updated=post.edited_at or post.published_at,
    )  # fmt: skip


def _updated(entries: tuple[FeedEntry, ...], fallback: datetime) -> datetime:
    return max((e.updated for e in entries), default=fallback)


async def profile_feed(ctx: NodeContext, username: str) -> Feed:
    """A local person's newest public posts. NotFound for a name no one here has."""
    async with ctx.db.connection() as conn:
        author = await account_store.get_account_by_username(conn, username)
        if author is None:
            raise NotFound(f"no account @{username}")
        posts = await store.public_posts_by(conn, author.id, SIZE)
    entries = tuple(_entry(ctx, post) for post in posts)
    page = ctx.urls.profile(author.username)
    return Feed(
        id=page, title=f"{author.shown_name} (@{author.username}@{ctx.urls.host})",
        description=f"Public posts by {author.shown_name} on {ctx.urls.host}",
        page_url=page, updated=_updated(entries, author.created_at), entries=entries,
        author_name=author.shown_name, author_url=page,
    )  # fmt: skip


async def hashtag_feed(ctx: NodeContext, tag: str) -> Feed:
    """The newest public posts written here with the tag (an empty feed for an unused tag)."""
    tag = normalise_tag(tag)
    async with ctx.db.connection() as conn:
        posts = await store.public_posts_tagged(conn, tag, SIZE)
    entries = tuple(_entry(ctx, post) for post in posts)
    page = f"{ctx.urls.base}/tags/{tag}"
    return Feed(
        id=page, title=f"#{tag} on {ctx.urls.host}",
        description=f"Public posts tagged #{tag} on {ctx.urls.host}", page_url=page,
        updated=_updated(entries, datetime(2000, 1, 1, tzinfo=UTC)), entries=entries,
    )  # fmt: skip
