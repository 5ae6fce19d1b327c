"""A person's filters (Mastodon's v2): keyword groups that warn about or hide posts.

Each filter names the contexts it applies in (home and lists, notifications, public and
hashtag timelines, threads, profiles). In a context, a matching `hide` filter drops the post
from what is listed; a matching `warn` filter keeps it and says which filter and keywords
matched (the Status's `filtered`), so the app can put it behind a warning. Keywords match
the post's text and content warning, case-insensitively; `whole_word` keywords only at word
boundaries, as Mastodon's CustomFilter builds its regular expressions.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from node.domain.accounts import Account
from node.domain.errors import NotFound, ValidationFailed
from node.services.kernel.context import NodeContext
from node.storage.pool import Conn
from node.storage.social import filters as store
from node.storage.social.filters import Filter, Keyword

CONTEXTS = ("home", "notifications", "public", "thread", "account")
ACTIONS = ("warn", "hide")
MAX_FILTERS = 100
MAX_KEYWORDS = 100
MAX_TITLE = 256
MAX_KEYWORD = 512

__all__ = ["ACTIONS", "CONTEXTS", "ActiveFilters", "Filter", "FilterDraft", "FilterMatch",
           "Keyword", "KeywordChange", "active"]  # fmt: skip


@dataclass(frozen=True, slots=True)
class KeywordChange:
    """Add a keyword (no id), change one (id), or remove one (id and destroy)."""

    keyword: str | None = None
    whole_word: bool | None = None
    id: int | None = None
    destroy: bool = False


@dataclass(frozen=True, slots=True)
class FilterDraft:
    """What a create or update says; None leaves a field as it is (or at its default)."""

    title: str | None = None
    contexts: tuple[str, ...] | None = None
    action: str | None = None
    expires_in: int | None = None
    clear_expiry: bool = False  # `expires_in` given empty: the filter no longer expires
    keywords: tuple[KeywordChange, ...] = ()


# -- Managing filters ---------------------------------------------------------------------


async def list_filters(ctx: NodeContext, account: Account) -> list[Filter]:
    async with ctx.db.connection() as conn:
        return await store.list_filters(conn, account.id)


async def get_filter(ctx: NodeContext, account: Account, filter_id: int) -> Filter:
    async with ctx.db.connection() as conn:
        return await _own(conn, account, filter_id)


async def _own(conn: Conn, account: Account, filter_id: int) -> Filter:
    found = await store.get_filter(conn, account.id, filter_id)
    if found is None:
        raise NotFound("Record not found")
    return found


async def create_filter(ctx: NodeContext, account: Account, draft: FilterDraft) -> Filter:
    title, contexts, action = _checked(draft.title, draft.contexts, draft.action or "warn")
    expires_at = _expiry(draft.expires_in)
    if len(draft.keywords) > MAX_KEYWORDS:
        raise ValidationFailed("keywords", f"a filter has at most {MAX_KEYWORDS} keywords")
    async with ctx.db.transaction() as conn:
        if await store.count_filters(conn, account.id) >= MAX_FILTERS:
            raise ValidationFailed("filters", f"you can have at most {MAX_FILTERS} filters")
        filter_id = await store.insert_filter(
            conn, account.id, title, list(contexts), action, expires_at
        )
        for change in draft.keywords:
            if change.id is not None:
                raise NotFound("Record not found")  # Mastodon: no keyword ids on create
            if not change.destroy:
                await store.add_keyword(conn, filter_id, _keyword(change.keyword),
                                        change.whole_word is not False)  # fmt: skip
        return await _own(conn, account, filter_id)


async def update_filter(
    ctx: NodeContext, account: Account, filter_id: int, draft: FilterDraft
) -> Filter:
    async with ctx.db.transaction() as conn:
        current = await _own(conn, account, filter_id)
        title, contexts, action = _checked(
            current.title if draft.title is None else draft.title,
            draft.contexts or current.contexts, draft.action or current.action,
        )  # fmt: skip
        expires_at = current.expires_at
        if draft.clear_expiry or draft.expires_in is not None:
            expires_at = _expiry(draft.expires_in)
        await store.update_filter(conn, filter_id, title, list(contexts), action, expires_at)
        await _change_keywords(conn, current, draft.keywords)
        updated = await _own(conn, account, filter_id)
    if len(updated.keywords) > MAX_KEYWORDS:
        raise ValidationFailed("keywords", f"a filter has at most {MAX_KEYWORDS} keywords")
    return updated


async def _change_keywords(conn: Conn, current: Filter, changes: Sequence[KeywordChange]) -> None:
    known = {k.id: k for k in current.keywords}
    for change in changes:
        if change.id is None:
            if not change.destroy:
                await store.add_keyword(conn, current.id, _keyword(change.keyword),
                                        change.whole_word is not False)  # fmt: skip
            continue
        existing = known.get(change.id)
        if existing is None:
            raise NotFound("Record not found")
        if change.destroy:
            await store.delete_keyword(conn, current.id, change.id)
            continue
        keyword = existing.keyword if change.keyword is None else _keyword(change.keyword)
        whole = existing.whole_word if change.whole_word is None else change.whole_word
        await store.update_keyword(conn, current.id, change.id, keyword, whole)


async def delete_filter(ctx: NodeContext, account: Account, filter_id: int) -> None:
    async with ctx.db.transaction() as conn:
        if not await store.delete_filter(conn, account.id, filter_id):
            raise NotFound("Record not found")


def _checked(
    title: str | None, contexts: Sequence[str] | None, action: str
) -> tuple[str, tuple[str, ...], str]:
    text = (title or "").strip()
    if not text:
        raise ValidationFailed("title", "Title can't be blank")
    if len(text) > MAX_TITLE:
        raise ValidationFailed("title", f"Title is too long (at most {MAX_TITLE} characters)")
    if not contexts:
        raise ValidationFailed("context", "Context can't be blank")
    unknown = [c for c in contexts if c not in CONTEXTS]
    if unknown:
        raise ValidationFailed("context", "Context None or invalid context supplied")
    if action not in ACTIONS:
        raise ValidationFailed("filter_action", f"{action[:40]!r} is not warn or hide")
    return text, tuple(dict.fromkeys(contexts)), action


def _keyword(value: str | None) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed("keyword", "Keyword can't be blank")
    if len(text) > MAX_KEYWORD:
        raise ValidationFailed("keyword", f"Keyword is too long (at most {MAX_KEYWORD})")
    return text


def _expiry(seconds: int | None) -> datetime | None:
    return datetime.now(UTC) + timedelta(seconds=seconds) if seconds else None


# -- Applying filters ---------------------------------------------------------------------


class Filterable(Protocol):
    @property
    def content_html(self) -> str: ...
    @property
    def summary(self) -> str | None: ...
    @property
    def author_account(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class FilterMatch:
    """One filter that matches a post, and which of its keywords did."""

    filter: Filter
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ActiveFilters:
    """A viewer's live filters for one context, with their keywords compiled once. The
    viewer's own posts are never filtered (as on Mastodon)."""

    context: str
    viewer: int | None = None
    filters: tuple[Filter, ...] = ()
    _patterns: dict[int, re.Pattern[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for found in self.filters:
            for keyword in found.keywords:
                self._patterns[keyword.id] = _pattern(keyword)

    def matches(self, post: Filterable) -> list[FilterMatch]:
        if not self.filters or (self.viewer is not None and post.author_account == self.viewer):
            return []
        text = f"{_plain(post.content_html)}\n{post.summary or ''}"
        found = []
        for candidate in self.filters:
            words = tuple(k.keyword for k in candidate.keywords
                          if self._patterns[k.id].search(text))  # fmt: skip
            if words:
                found.append(FilterMatch(candidate, words))
        return found

    def hides(self, post: Filterable) -> bool:
        return any(m.filter.action == "hide" for m in self.matches(post))

    def warnings(self, post: Filterable) -> list[FilterMatch]:
        return [m for m in self.matches(post) if m.filter.action == "warn"]


async def active(ctx: NodeContext, viewer: Account | None, context: str) -> ActiveFilters:
    """The filters `viewer` has live in `context` (none for an anonymous visitor)."""
    if viewer is None:
        return ActiveFilters(context)
    async with ctx.db.connection() as conn:
        found = await store.list_filters(conn, viewer.id, live_only=True)
    return ActiveFilters(context, viewer.id, tuple(f for f in found if context in f.contexts))


def _pattern(keyword: Keyword) -> re.Pattern[str]:
    escaped = re.escape(keyword.keyword)
    if not keyword.whole_word:
        return re.compile(escaped, re.IGNORECASE)
    # Word boundaries only where the keyword itself starts or ends with a word character,
    # so "#maths" or "c++" still match (Mastodon's CustomFilter does the same).
    start = r"\b" if re.match(r"\w", keyword.keyword) else ""
    end = r"\b" if re.search(r"\w$", keyword.keyword) else ""
    return re.compile(f"{start}{escaped}{end}", re.IGNORECASE)


_BREAK = re.compile(r"<br\s*/?>|</p>|</li>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def _plain(content_html: str) -> str:
    """The post's text as a reader sees it: tags gone, entities decoded, breaks as newlines."""
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", content_html)))
