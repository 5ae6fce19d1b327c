"""Post-like objects (Note, Article, Page, Question, Event, media) and Tombstones from AS2 JSON.

Content is always sanitised here, so nothing downstream ever sees remote markup that the
allow-list did not pass. Where a peer leaves `content` out, the fallbacks are, in order:
`contentMap` (GoToSocial's algorithm, docs/federation/posts.md), `source` (Lemmy sends markdown
there), Misskey's `_misskey_content`; plain-text sources are escaped, never rendered as HTML.
"""

from __future__ import annotations

import html
from typing import Any, Final, get_args

from federation import parse_fields as f
from federation.parse_types import (
    Attachment,
    EventInfo,
    Object,
    ObjectType,
    ParseError,
    Poll,
    PollOption,
    Tombstone,
    UnknownType,
)
from federation.sanitize import html_to_text, sanitize_html
from federation.vocab import as_list, get_id

OBJECT_TYPES: Final[dict[str, ObjectType]] = {name: name for name in get_args(ObjectType)}
MEDIA_TYPES: Final = frozenset({"Image", "Video", "Audio", "Document"})
_ATTACHMENT_TYPES: Final = MEDIA_TYPES | {"Link"}


def _text_as_html(source: str) -> str:
    paragraphs = [p for p in source.split("\n\n") if p.strip()]
    return "".join(
        "<p>" + html.escape(p.strip()).replace("\n", "<br>") + "</p>" for p in paragraphs
    )


def _fallback_content(doc: dict[str, Any]) -> str:
    source = doc.get("source")
    if isinstance(source, dict):
        body = f.text(source.get("content"), f.MAX_TEXT_CHARS)
        if body and source.get("mediaType") == "text/html":
            return body
        if body:
            return _text_as_html(body)
    if isinstance(source, str) and source:
        return _text_as_html(source[: f.MAX_TEXT_CHARS])
    misskey = f.text(doc.get("_misskey_content"), f.MAX_TEXT_CHARS)
    return _text_as_html(misskey) if misskey else ""


def _content_and_language(doc: dict[str, Any]) -> tuple[str, str | None]:
    content = f.text(doc.get("content"), f.MAX_TEXT_CHARS)
    raw_map = doc.get("contentMap")
    content_map = (
        {k: v for k, v in raw_map.items() if isinstance(v, str)}
        if isinstance(raw_map, dict)
        else {}
    )
    language = None
    if content is not None:
        language = next((k for k, v in content_map.items() if v == content), None)
    elif content_map:
        # More than one entry and no `content`: no way to know the primary one; take the first.
        language, content = next(iter(content_map.items()))
    if content is None:
        content = _fallback_content(doc)
    if language is None:
        language = _declared_language(doc)
    return sanitize_html(content), f.language_tag(language)


def _declared_language(doc: dict[str, Any]) -> str | None:
    # Lemmy: `language: {identifier, name}` (a list on groups); Mobilizon: `inLanguage`.
    for item in as_list(doc.get("language")):
        if isinstance(item, dict):
            return f.text(item.get("identifier"))
        if isinstance(item, str):
            return item
    return f.text(doc.get("inLanguage"))


def _focal_point(value: Any) -> tuple[float, float] | None:
    items = as_list(value)
    if len(items) != 2:
        return None
    x, y = f.number(items[0]), f.number(items[1])
    if x is None or y is None:
        return None
    return (max(-1.0, min(1.0, x)), max(-1.0, min(1.0, y)))


def _attachment(item: Any) -> Attachment | None:
    if isinstance(item, str):
        url = f.http_url(item)
        return Attachment("Link", url, None, None, None, None, None, None) if url else None
    if not isinstance(item, dict):
        return None
    kind = f.type_of(item)
    if kind not in _ATTACHMENT_TYPES:
        return None  # e.g. PropertyValue on actors, or unknown extensions
    url = f.html_link(item.get("url")) or f.http_url(item.get("href"))
    if url is None:
        return None
    return Attachment(
        type=kind,
        url=url,
        media_type=f.text(item.get("mediaType")),
        # Mastodon emits alt text as `name` and also reads `summary`.
        name=f.text(item.get("name"), 1500) or f.text(item.get("summary"), 1500),
        blurhash=f.text(item.get("blurhash"), 200),
        width=f.integer(item.get("width")),
        height=f.integer(item.get("height")),
        focal_point=_focal_point(item.get("focalPoint")),
    )


def _attachments(doc: dict[str, Any], kind: str) -> tuple[Attachment, ...]:
    found = [a for a in map(_attachment, as_list(doc.get("attachment"))[: f.MAX_ATTACHMENTS]) if a]
    if kind in MEDIA_TYPES and not found:
        # A bare Image/Video/Audio/Document carries its media in `url` (PeerTube, Pixelfed).
        for href, media_type in f.links(doc.get("url")):
            if media_type != "text/html":
                name = f.text(doc.get("name"))
                found.append(Attachment(kind, href, media_type, name, None, None, None, None))
    return tuple(found)


def _poll(doc: dict[str, Any]) -> Poll | None:
    one_of, any_of = doc.get("oneOf"), doc.get("anyOf")
    raw = one_of if one_of is not None else any_of
    options = []
    for item in as_list(raw)[: f.MAX_TAGS]:
        if not isinstance(item, dict):
            continue
        name = f.text(item.get("name"))
        replies = item.get("replies")
        votes = f.integer(replies.get("totalItems")) if isinstance(replies, dict) else None
        if name:
            options.append(PollOption(name=name, votes=max(0, votes or 0)))
    if not options:
        return None
    closed_raw = doc.get("closed")
    closed_at = f.timestamp(closed_raw)
    return Poll(
        multiple=one_of is None,
        options=tuple(options),
        end_time=f.timestamp(doc.get("endTime")),
        closed=closed_at is not None or closed_raw is True,
        closed_at=closed_at,
        voters_count=f.integer(doc.get("votersCount")),
    )


def _location_name(value: Any) -> str | None:
    # FEP-8a8e: a Place, a VirtualLocation, or a list for hybrid events; never a bare string,
    # but accept one anyway.
    for item in as_list(value):
        if isinstance(item, str):
            return f.text(item)
        if isinstance(item, dict):
            name = f.text(item.get("name"))
            if name:
                return name
    return None


def _event(doc: dict[str, Any]) -> EventInfo:
    return EventInfo(
        start_time=f.timestamp(doc.get("startTime")),
        end_time=f.timestamp(doc.get("endTime")),
        location_name=_location_name(doc.get("location")),
        timezone=f.text(doc.get("timezone"), 64),
        join_mode=f.text(doc.get("joinMode"), 32),
        status=f.text(doc.get("ical:status"), 32) or f.text(doc.get("eventStatus"), 64),
    )


def _quote(doc: dict[str, Any]) -> str | None:
    # FEP-044f `quote`, then the fallbacks Mastodon also reads (interop brief §5.3).
    for key in ("quote", "quoteUrl", "quoteUri", "_misskey_quote"):
        found = f.http_url(doc.get(key))
        if found:
            return found
    return None


def parse_tombstone(doc: dict[str, Any]) -> Tombstone | ParseError:
    object_id = f.http_url(doc.get("id"))
    if object_id is None:
        return ParseError("Tombstone has no id")
    return Tombstone(
        id=object_id,
        former_type=f.text(doc.get("formerType"), 64),
        deleted=f.timestamp(doc.get("deleted")),
    )


def parse_object(doc: dict[str, Any]) -> Object | Tombstone | UnknownType | ParseError:
    """A post-like object or a Tombstone; UnknownType for other object types."""
    if not isinstance(doc, dict):
        return ParseError("object is not a JSON object")
    kind = f.type_of(doc)
    if kind is None:
        return ParseError("object has no type")
    if kind == "Tombstone":
        return parse_tombstone(doc)
    known = OBJECT_TYPES.get(kind)
    if known is None:
        return UnknownType(kind)
    object_id = f.http_url(doc.get("id"))
    if object_id is None:
        return ParseError(f"{kind} has no id")
    # Lemmy/PeerTube may give a list or objects; Mobilizon events also carry `actor`.
    author = f.ref(doc.get("attributedTo")) or f.ref(doc.get("actor"))
    if author is None:
        return ParseError(f"{kind} has no attributedTo")
    return _build_object(doc, object_id, known, author)


def _build_object(
    doc: dict[str, Any], object_id: str, kind: ObjectType, author: str
) -> Object | ParseError:
    to, cc, audience = (f.addresses(doc.get(k)) for k in ("to", "cc", "audience"))
    if isinstance(to, ParseError) or isinstance(cc, ParseError) or isinstance(audience, ParseError):
        return ParseError("too many recipients")
    content, language = _content_and_language(doc)
    summary = f.text(doc.get("summary"), f.MAX_TEXT_CHARS)
    return Object(
        id=object_id,
        type=kind,
        attributed_to=author,
        name=f.text(doc.get("name")),
        content=content,
        # A post's summary is its content warning: plain text (Mastodon's spoiler_text).
        summary=(html_to_text(summary) or None) if summary else None,
        sensitive=f.flag(doc.get("sensitive")),
        in_reply_to=f.ref(doc.get("inReplyTo")),
        published=f.timestamp(doc.get("published")),
        updated=f.timestamp(doc.get("updated")),
        url=f.html_link(doc.get("url")),
        to=to,
        cc=cc,
        audience=audience,
        tags=f.tags(doc.get("tag")),
        attachments=_attachments(doc, kind),
        language=language,
        image_url=f.image_url(doc.get("image")) if kind != "Image" else None,
        poll=_poll(doc) if kind == "Question" else None,
        event=_event(doc) if kind == "Event" else None,
        context=f.text(get_id(doc.get("context")), 2048),
        conversation=f.text(doc.get("conversation"), 2048),
        quote=_quote(doc),
    )
