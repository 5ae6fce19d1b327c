"""Atom (RFC 4287) and RSS 2.0 feeds: `/@{username}.atom|.rss`, `/tags/{tag}.atom|.rss`.

The XML is built with ElementTree, so every text and attribute is escaped by the serialiser;
post HTML travels as escaped text (`<content type="html">`, RSS `<description>`). What a feed
may contain is decided in node.services.posts.feeds (public posts only).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.etree import ElementTree as ET

from aiohttp import web

from node import keys
from node.services.posts import feeds
from node.services.posts.feeds import Feed

routes = web.RouteTableDef()

ATOM = "http://www.w3.org/2005/Atom"
CONTENT_TYPES = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
}
CACHE_CONTROL = "public, max-age=60"
# Characters XML 1.0 cannot carry at all, even escaped; ElementTree would write them as they are.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _text(text)
    return element


def _serialise(root: ET.Element) -> bytes:
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def feed_to_atom(feed: Feed, self_url: str) -> bytes:
    root = ET.Element("feed", {"xmlns": ATOM})
    _sub(root, "id", feed.id)
    _sub(root, "title", feed.title)
    _sub(root, "subtitle", feed.description)
    _sub(root, "updated", _rfc3339(feed.updated))
    _sub(root, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(root, "link", rel="alternate", type="text/html", href=feed.page_url)
    _sub(root, "generator", "Commonroom")
    if feed.author_name is not None:
        author = _sub(root, "author")
        _sub(author, "name", feed.author_name)
        _sub(author, "uri", feed.author_url or feed.page_url)
    for item in feed.entries:
        entry = _sub(root, "entry")
        _sub(entry, "id", item.id)
        _sub(entry, "title", item.title)
        _sub(entry, "published", _rfc3339(item.published))
        _sub(entry, "updated", _rfc3339(item.updated))
        _sub(entry, "link", rel="alternate", type="text/html", href=item.url)
        author = _sub(entry, "author")
        _sub(author, "name", item.author_name)
        _sub(author, "uri", item.author_url)
        _sub(entry, "content", item.content_html, type="html")
    return _serialise(root)


def feed_to_rss(feed: Feed, self_url: str) -> bytes:
    root = ET.Element("rss", {"version": "2.0", "xmlns:atom": ATOM})
    channel = _sub(root, "channel")
    _sub(channel, "title", feed.title)
    _sub(channel, "link", feed.page_url)
    _sub(channel, "description", feed.description)
    _sub(channel, "atom:link", rel="self", type="application/rss+xml", href=self_url)
    _sub(channel, "lastBuildDate", format_datetime(feed.updated.astimezone(UTC), usegmt=True))
    _sub(channel, "generator", "Commonroom")
    for entry in feed.entries:
        item = _sub(channel, "item")
        _sub(item, "title", entry.title)
        _sub(item, "link", entry.url)
        # The id is an ActivityPub URI that may answer with JSON, so not a permalink for RSS.
        _sub(item, "guid", entry.id, isPermaLink="false")
        _sub(item, "pubDate", format_datetime(entry.published.astimezone(UTC), usegmt=True))
        _sub(item, "description", entry.content_html)
    return _serialise(root)


def _respond(request: web.Request, feed: Feed, fmt: str) -> web.Response:
    self_url = f"{feed.page_url}.{fmt}"
    body = feed_to_atom(feed, self_url) if fmt == "atom" else feed_to_rss(feed, self_url)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    response = web.Response(body=body, headers=headers)
    response.headers["Content-Type"] = CONTENT_TYPES[fmt]
    return response


@routes.get(r"/@{username:[A-Za-z0-9_]{1,30}}.{fmt:atom|rss}", name="profile_feed")
async def profile_feed(request: web.Request) -> web.Response:
    feed = await feeds.profile_feed(request.app[keys.NODE], request.match_info["username"])
    return _respond(request, feed, request.match_info["fmt"])


@routes.get(r"/tags/{tag:\w{1,64}}.{fmt:atom|rss}", name="hashtag_feed")
async def hashtag_feed(request: web.Request) -> web.Response:
    feed = await feeds.hashtag_feed(request.app[keys.NODE], request.match_info["tag"])
    return _respond(request, feed, request.match_info["fmt"])
