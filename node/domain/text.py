"""Post text: Markdown with links, mentions and hashtags, rendered to HTML (then sanitised).

Mentions (`@name`, `@name@host`) and hashtags (`#tag`) are found by an inline rule of the
Markdown parser, so they are never recognised inside code spans or code blocks, and they render
the way Mastodon marks them up (`h-card`/`mention`, `hashtag`), which other servers style.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

MENTION = re.compile(r"@([A-Za-z0-9_]{1,30})(?:@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::\d{1,5})?))?")
HASHTAG = re.compile(r"#(\w{1,64})", re.UNICODE)
MAX_TEXT = 5000


@dataclass(frozen=True, slots=True)
class MentionTarget:
    """A resolved mention: where it links and how it reads (`@name` or `@name@host`)."""

    href: str
    username: str
    acct: str


@dataclass(frozen=True, slots=True)
class Mention:
    username: str
    host: str | None

    @property
    def key(self) -> str:
        return f"{self.username}@{self.host}".lower() if self.host else self.username.lower()


def normalise_tag(tag: str) -> str:
    """Lower-case and ASCII-folded, like Mastodon's HashtagNormalizer."""
    folded = unicodedata.normalize("NFKC", tag).casefold()
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch)
    )


def _boundary_before(src: str, pos: int) -> bool:
    return pos == 0 or not (src[pos - 1].isalnum() or src[pos - 1] in "_@#/")


def find_mentions(text: str) -> list[Mention]:
    found: dict[str, Mention] = {}
    for match in MENTION.finditer(text):
        if _boundary_before(text, match.start()):
            mention = Mention(match.group(1), match.group(2))
            found.setdefault(mention.key, mention)
    return list(found.values())


@dataclass(frozen=True, slots=True)
class Rendered:
    html: str
    mentioned: tuple[MentionTarget, ...]  # those that appear outside code, in order
    hashtags: tuple[str, ...]  # normalised, outside code


def render_markdown(
    text: str,
    mentions: Mapping[str, MentionTarget],
    tag_url: Callable[[str], str],
) -> Rendered:
    """HTML for a post. Unresolved mentions stay plain text; raw HTML is escaped."""
    md = MarkdownIt("commonmark", {"linkify": True, "html": False, "breaks": True})
    md.enable(["linkify", "strikethrough"])
    md.disable(["image", "heading", "lheading", "table"], ignoreInvalid=True)
    seen: dict[str, MentionTarget | str] = {}
    md.inline.ruler.before("text", "mention_or_tag", _rule(mentions, tag_url, seen))
    md.validateLink = _safe_link  # type: ignore[method-assign]  # markdown-it documents this hook
    body = md.render(text).strip()
    return Rendered(
        html=body,
        mentioned=tuple(v for v in seen.values() if isinstance(v, MentionTarget)),
        hashtags=tuple(v for v in seen.values() if isinstance(v, str)),
    )


def _rule(
    mentions: Mapping[str, MentionTarget],
    tag_url: Callable[[str], str],
    seen: dict[str, MentionTarget | str],
) -> Callable[[StateInline, bool], bool]:
    def rule(state: StateInline, silent: bool) -> bool:
        src, pos = state.src, state.pos
        if src[pos] not in "@#" or not _boundary_before(src, pos):
            return False
        if src[pos] == "@":
            found = MENTION.match(src, pos)
            target = mentions.get(Mention(found.group(1), found.group(2)).key) if found else None
            if found is None or target is None:
                return False
            seen.setdefault("@" + target.href, target)
            markup = (
                f'<span class="h-card"><a href="{html.escape(target.href)}" '
                f'class="u-url mention">@<span>{html.escape(target.username)}</span></a></span>'
            )
        else:
            found = HASHTAG.match(src, pos)
            if found is None or found.group(1).isdigit():
                return False
            tag = normalise_tag(found.group(1))
            seen.setdefault("#" + tag, tag)
            markup = (
                f'<a href="{html.escape(tag_url(tag))}" class="mention hashtag" rel="tag">'
                f"#<span>{html.escape(found.group(1))}</span></a>"
            )
        if not silent:
            token = state.push("html_inline", "", 0)
            token.content = markup
        state.pos = found.end()
        return True

    return rule


def _safe_link(url: str) -> bool:
    """Only web and mail links: no javascript:, data: or relative URLs in posts."""
    return url.lower().startswith(("http://", "https://", "mailto:"))
