"""Remote HTML -> safe HTML, and HTML -> plain text.

Every piece of HTML that arrives from another server (post content, bios, profile field values)
passes through `sanitize_html` before it is stored or shown. The allow-list follows Mastodon's
(`lib/sanitize_ext/sanitize_config.rb`, docs "HTML sanitization"; interop brief §9.5): a few
inline and block tags, classes only from microformats and Mastodon's semantic set, links only
to absolute http(s) URLs, with `rel` forced so remote links never pass on referrers or ranking.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Final
from urllib.parse import urlsplit

import nh3

_TAGS: Final = frozenset(
    {
        "p", "br", "span", "a", "del", "pre", "code", "em", "strong",
        "b", "i", "u", "ul", "ol", "li", "blockquote",
    }
)  # fmt: skip
_ATTRIBUTES: Final = {
    "a": {"href", "class"},
    "span": {"class"},
    "ol": {"start", "reversed"},
    "li": {"value"},
}
# Mastodon keeps microformat classes (h-card, u-url, ...) and its own semantic ones; anything
# else could be used to restyle our pages with our own CSS.
_CLASS_PREFIXES: Final = ("h-", "p-", "u-", "dt-", "e-")
_SEMANTIC_CLASSES: Final = frozenset({"mention", "hashtag", "ellipsis", "invisible"})
LINK_REL: Final = "nofollow noopener noreferrer"

# Headings become a bold paragraph, as Mastodon does, instead of losing their emphasis.
_HEADING_OPEN = re.compile(r"<h[1-6](?=[\s>/])[^>]*>", re.IGNORECASE)
_HEADING_CLOSE = re.compile(r"</h[1-6]\s*>", re.IGNORECASE)


def _keep_class(value: str) -> str | None:
    kept = [
        token
        for token in value.split()
        if token in _SEMANTIC_CLASSES or token.startswith(_CLASS_PREFIXES)
    ]
    return " ".join(kept) or None


def _keep_href(value: str) -> str | None:
    # Absolute http(s) only: relative links would resolve against *our* host.
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return value.strip()
    return None


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        return _keep_class(value)
    if tag == "a" and attribute == "href":
        return _keep_href(value)
    return value


_CLEANER: Final = nh3.Cleaner(
    tags=set(_TAGS),
    attributes=_ATTRIBUTES,
    attribute_filter=_attribute_filter,
    link_rel=LINK_REL,
    url_schemes={"http", "https"},
    url_relative="deny",
    set_tag_attribute_values={"a": {"target": "_blank"}},
)


def sanitize_html(html: str) -> str:
    """Remote HTML reduced to the allow-list; script/style content is dropped entirely."""
    if not html:
        return ""
    html = _HEADING_OPEN.sub("<p><strong>", html)
    html = _HEADING_CLOSE.sub("</strong></p>", html)
    return _CLEANER.clean(html)


_BLOCK_TAGS: Final = frozenset(
    {"p", "div", "blockquote", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr"}
)
_SKIP_TAGS: Final = frozenset({"script", "style", "template", "head", "title"})


class _TextExtractor(HTMLParser):
    """Collects text, turning <br> into a newline and block ends into paragraph breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment, for search documents, summaries and notifications."""
    if not html:
        return ""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = _SPACES.sub(" ", "".join(extractor.parts))
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()
