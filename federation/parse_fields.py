"""Field readers shared by the parsers: lenient about shape, strict about meaning.

Each reader takes one raw JSON value and returns a typed value or None; none of them recurses
into arbitrary structures, so a hostile document cannot make them do unbounded work. Limits
follow interop brief §9.4 (Misskey truncates long names; absurd `to`/`tag`/`attachment` arrays
are refused or cut).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit

from federation.parse_types import Emoji, Hashtag, Mention, ParseError, Tag
from federation.vocab import PUBLIC, as_list, get_id, is_public

MAX_DEPTH: Final = 5
MAX_ADDRESSES: Final = 1000
MAX_TAGS: Final = 100
MAX_ATTACHMENTS: Final = 20
MAX_FIELDS: Final = 20
MAX_NAME_CHARS: Final = 1000
MAX_TEXT_CHARS: Final = 100_000


def text(value: Any, limit: int = MAX_NAME_CHARS) -> str | None:
    """A non-empty string, truncated to `limit` characters."""
    if isinstance(value, str) and value:
        return value[:limit]
    return None


def flag(value: Any) -> bool:
    """True only for JSON true (Pleroma sends `sensitive: null`)."""
    return value is True


def integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def timestamp(value: Any) -> datetime | None:
    """An xsd:dateTime as an aware datetime (naive values are taken as UTC)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def http_url(value: Any) -> str | None:
    """An absolute http(s) URL, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme in ("http", "https") and parts.netloc:
        return value
    return None


def ref(value: Any) -> str | None:
    """An http(s) id from a reference: a string, an object with `id`, or the first of a list."""
    for item in as_list(value):
        found = http_url(get_id(item))
        if found:
            return found
    return None


def type_of(doc: dict[str, Any]) -> str | None:
    """`type` as one string; JSON-LD lets it be a list, so take the first string in it."""
    for item in as_list(doc.get("type")):
        if isinstance(item, str) and item:
            return item
    return None


def addresses(value: Any) -> tuple[str, ...] | ParseError:
    """An addressing property (`to`, `cc`, `audience`) as ids, Public normalised to one spelling."""
    items = as_list(value)
    if len(items) > MAX_ADDRESSES:
        return ParseError(f"addressed to more than {MAX_ADDRESSES} recipients")
    found: list[str] = []
    for item in items:
        address = get_id(item)
        if address is None:
            continue
        if is_public(address):
            address = PUBLIC
        elif http_url(address) is None:
            continue
        if address not in found:
            found.append(address)
    return tuple(found)


def _href_of(item: Any) -> tuple[str | None, str | None]:
    """(href, mediaType) of one `url` entry: a string, a Link, or an object with `url`."""
    if isinstance(item, str):
        return http_url(item), None
    if not isinstance(item, dict):
        return None, None
    media_type = text(item.get("mediaType"))
    href = http_url(item.get("href")) or http_url(item.get("url"))
    return href, media_type


def links(value: Any) -> list[tuple[str, str | None]]:
    """Every (href, mediaType) in a `url` property (string, Link, or list of Links)."""
    found = []
    for item in as_list(value)[:MAX_ATTACHMENTS]:
        href, media_type = _href_of(item)
        if href:
            found.append((href, media_type))
    return found


def html_link(value: Any) -> str | None:
    """The human-facing link of `url`: the text/html entry if marked (PeerTube lists several)."""
    found = links(value)
    for href, media_type in found:
        if media_type == "text/html":
            return href
    return found[0][0] if found else None


def image_url(value: Any) -> str | None:
    """The URL of an `icon`/`image`: an Image object, a list of them, or a bare URL."""
    for item in as_list(value)[:MAX_ATTACHMENTS]:
        if isinstance(item, str):
            found = http_url(item)
        elif isinstance(item, dict):
            found = html_link(item.get("url")) or http_url(item.get("href"))
        else:
            found = None
        if found:
            return found
    return None


def _tag(item: dict[str, Any]) -> Tag | None:
    kind = type_of(item)
    if kind == "Mention":
        # GoToSocial falls back to `name` when `href` is absent; without an href we cannot
        # address anyone, so such a mention is dropped (docs/federation/posts.md "Incoming").
        href = http_url(item.get("href"))
        return Mention(href=href, name=text(item.get("name"))) if href else None
    if kind == "Hashtag":
        name = (text(item.get("name")) or "").lstrip("#")
        return Hashtag(name=name, href=http_url(item.get("href"))) if name else None
    if kind == "Emoji":
        shortcode = (text(item.get("name")) or "").strip(":")
        icon = image_url(item.get("icon"))
        if not shortcode or not icon:
            return None
        return Emoji(
            shortcode=shortcode,
            icon_url=icon,
            id=http_url(item.get("id")),
            updated=timestamp(item.get("updated")),
        )
    return None


def tags(value: Any) -> tuple[Tag, ...]:
    """Mentions, hashtags and emoji from `tag` (a list, or one object as GoToSocial sends)."""
    found: list[Tag] = []
    for item in as_list(value)[:MAX_TAGS]:
        if isinstance(item, dict):
            tag = _tag(item)
            if tag is not None:
                found.append(tag)
    return tuple(found)


_LANGUAGE_TAG: Final = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8}){0,4}")


def language_tag(value: Any) -> str | None:
    """A BCP 47-shaped tag, or None for absent, malformed or undetermined (`und`)."""
    found = text(value, limit=64)
    if found is None or found.lower() == "und" or not _LANGUAGE_TAG.fullmatch(found):
        return None
    return found
