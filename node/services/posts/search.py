"""Search: people (here, known, or looked up on demand), hashtags, and full-text posts.

What a query means is decided here, once: `@name@host` or a profile URL is a lookup of one
person (signed-in people only, since it makes this server fetch from another); `#tag` is a
hashtag; anything else is a name, a tag and words. Posts are only ever the ones the searcher may
see, by authors who allow indexing (storage.search.posts says exactly which).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from node.domain.accounts import USERNAME_PATTERN, Account
from node.domain.errors import DomainError
from node.domain.text import normalise_tag
from node.services.actors import directory
from node.services.kernel.context import NodeContext
from node.storage.actors.remote_actors import RemoteActor
from node.storage.posts import search as store
from node.storage.posts.search import AccountHit, TagHit
from node.storage.posts.timelines import PostView

__all__ = [
    "PAGE",
    "AccountHit",
    "ParsedQuery",
    "PostView",
    "RemoteActor",
    "SearchResults",
    "TagHit",
    "parse_query",
    "search",
]

PAGE = 20
MAX_PAGE = 50  # deeper than this, refine the query: OFFSET cost grows with the page
MAX_QUERY = 200
PEOPLE = 10  # per kind (here, known elsewhere)
TAGS = 10

_HANDLE = re.compile(r"^@?([A-Za-z0-9_]{1,30})@([A-Za-z0-9.-]*(?::\d{0,5})?)$")
_TAG = re.compile(r"^#?(\w{1,64})$")
_HOST = re.compile(r"^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::\d{1,5})?$")


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """What to look for. Empty fields are not searched."""

    text: str
    lookup: str | None = None  # a handle or URL to resolve on another server
    name: str | None = None  # a name prefix, here and among known remote people
    host: str | None = None  # with `name`: a host prefix (`ana@scho`)
    tag: str | None = None  # a normalised hashtag prefix
    words: str | None = None  # full-text query


@dataclass(frozen=True, slots=True)
class SearchResults:
    query: str
    page: int = 1
    people: list[AccountHit] = field(default_factory=list)
    tags: list[TagHit] = field(default_factory=list)
    posts: list[PostView] = field(default_factory=list)
    more_posts: bool = False
    remote: RemoteActor | None = None
    error: str | None = None


def parse_query(text: str, our_host: str) -> ParsedQuery:
    """Read a search box the way people type into one (pure; see the module docstring)."""
    text = text.strip()[:MAX_QUERY]
    if not text:
        return ParsedQuery(text)
    if text.startswith(("http://", "https://")):
        return _parse_url(text, our_host)
    handle = _HANDLE.match(text)
    if handle:
        name, host = handle.groups()
        if host.lower() == our_host.lower():
            return ParsedQuery(text, name=name)
        lookup = text if _HOST.match(host) else None
        return ParsedQuery(text, lookup=lookup, name=name, host=host)
    if text.startswith("@"):
        name = text[1:]
        return ParsedQuery(text, name=name) if USERNAME_PATTERN.match(name) else ParsedQuery(text)
    tag = _TAG.match(text)
    if text.startswith("#"):
        return ParsedQuery(text, tag=normalise_tag(tag.group(1)) if tag else None,
                           words=text[1:] or None)  # fmt: skip
    return ParsedQuery(text, name=text, tag=normalise_tag(tag.group(1)) if tag else None,
                       words=text)  # fmt: skip


def _parse_url(text: str, our_host: str) -> ParsedQuery:
    parts = urlsplit(text)
    if parts.netloc.lower() != our_host.lower():
        return ParsedQuery(text, lookup=text)
    # One of our own profile or actor URLs: /@name or /users/name.
    match = re.match(r"^/(?:@|users/)([A-Za-z0-9_]{1,30})/?$", parts.path)
    return ParsedQuery(text, name=match.group(1)) if match else ParsedQuery(text)


def _has_words(text: str | None) -> bool:
    return text is not None and any(ch.isalnum() for ch in text)


async def search(
    ctx: NodeContext, viewer: Account | None, text: str, page: int = 1
) -> SearchResults:
    """People, tags and posts for `text`. Page 2 and later hold only more posts."""
    parsed = parse_query(text, ctx.urls.host)
    page = min(max(page, 1), MAX_PAGE)
    viewer_id = viewer.id if viewer else None
    remote, error = None, None
    people: list[AccountHit] = []
    tags: list[TagHit] = []
    found: list[PostView] = []
    async with ctx.db.connection() as conn:
        if page == 1 and parsed.name:
            if parsed.host is None:
                people += await store.local_accounts(conn, parsed.name, PEOPLE)
            people += await store.remote_accounts(conn, parsed.name, parsed.host, PEOPLE)
        if page == 1 and parsed.tag:
            tags = await store.hashtags(conn, viewer_id, parsed.tag, TAGS)
        if parsed.words and _has_words(parsed.words):
            found = await store.posts(conn, viewer_id, parsed.words, PAGE + 1, (page - 1) * PAGE)
    if page == 1 and parsed.lookup:
        remote, error = await _look_up(ctx, viewer, parsed.lookup)
    return SearchResults(
        query=parsed.text, page=page, people=people, tags=tags, posts=found[:PAGE],
        more_posts=len(found) > PAGE and page < MAX_PAGE, remote=remote, error=error,
    )  # fmt: skip


async def _look_up(
    ctx: NodeContext, viewer: Account | None, lookup: str
) -> tuple[RemoteActor | None, str | None]:
    """Resolve a person on another server. Only for signed-in people: it makes us fetch."""
    if viewer is None:
        return None, "Sign in to look up people on other servers."
    try:
        return await directory.find_actor(ctx, lookup), None
    except DomainError as error:
        return None, f"No one found for {lookup}: {error}"
