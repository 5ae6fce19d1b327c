"""Atom and RSS feeds (issue 4, item 8): a person's and a hashtag's public posts, nothing else."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from xml.etree import ElementTree as ET

import aiohttp

from node.domain.accounts import Account
from node.services.posts import posts
from node.services.social import follows
from node.storage.posts.posts import Post
from tests.support.federation import FlowNode

A = "{http://www.w3.org/2005/Atom}"


async def _get(node: FlowNode, path: str, **headers: str) -> aiohttp.ClientResponse:
    async with aiohttp.ClientSession() as http:
        response = await http.get(f"{node.url}{path}", headers=headers)
        await response.read()
        return response


async def _fetch(node: FlowNode, path: str) -> tuple[str, bytes]:
    response = await _get(node, path)
    assert response.status == 200, path
    return response.headers["Content-Type"], await response.read()


async def _every_visibility(node: FlowNode, author: Account, tag: str) -> dict[str, Post]:
    reader = await node.user("reader")
    await follows.follow(node.ctx, reader, f"@{author.username}")
    made = {}
    for key, visibility, local_only in [
        ("public", "public", False), ("unlisted", "unlisted", False),
        ("followers", "followers", False), ("direct", "direct", False),
        ("localonly", "public", True),
    ]:  # fmt: skip
        made[key] = await posts.create_post(
            node.ctx, author, f"feed-{key} about <rocks> & minerals #{tag} @reader",
            visibility=visibility, local_only=local_only,
        )  # fmt: skip
    return made


async def test_a_profile_atom_feed_lists_only_public_posts_with_escaped_html(
    node: FlowNode,
) -> None:
    ana = await node.user("ana")
    async with node.ctx.db.connection() as conn:
        await conn.execute("UPDATE accounts SET display_name = 'Ana <Geo> & Co' WHERE id = $1",
                           ana.id)  # fmt: skip
    made = await _every_visibility(node, ana, "geology")
    newer = await posts.create_post(node.ctx, ana, "Second *public* post")

    content_type, body = await _fetch(node, "/@ana.atom")
    feed = ET.fromstring(body)

    assert content_type == "application/atom+xml; charset=utf-8"
    assert feed.tag == f"{A}feed"
    assert feed.findtext(f"{A}id") == f"{node.url}/@ana"
    assert feed.findtext(f"{A}title") == f"Ana <Geo> & Co (@ana@{node.host})"
    assert feed.findtext(f"{A}author/{A}name") == "Ana <Geo> & Co"
    links = {link.get("rel"): link for link in feed.findall(f"{A}link")}
    assert links["self"].get("href") == f"{node.url}/@ana.atom"
    assert links["self"].get("type") == "application/atom+xml"
    assert links["alternate"].get("href") == f"{node.url}/@ana"
    entries = feed.findall(f"{A}entry")
    assert [e.findtext(f"{A}id") for e in entries] == [newer.uri, made["public"].uri]
    first, second = entries
    assert first.findtext(f"{A}updated") == feed.findtext(f"{A}updated")
    assert first.findtext(f"{A}published", "").endswith("Z")
    content = second.find(f"{A}content")
    assert content is not None and content.get("type") == "html"
    assert content.text is not None
    assert "&lt;rocks&gt; &amp; minerals" in content.text, "the post's own HTML, as text"
    assert b"&lt;p&gt;feed-public" in body, "HTML travels escaped, not as XML elements"
    assert second.findtext(f"{A}title") == "feed-public about <rocks> & minerals #geology @reader"
    alternate = second.find(f"{A}link")
    assert alternate is not None and alternate.get("href") == f"{node.url}/@ana/{made['public'].id}"
    for hidden in ("feed-unlisted", "feed-followers", "feed-direct", "feed-localonly"):
        assert hidden.encode() not in body


async def test_a_profile_rss_feed_has_the_same_public_posts(node: FlowNode) -> None:
    ana = await node.user("ana")
    made = await _every_visibility(node, ana, "geology")

    content_type, body = await _fetch(node, "/@ana.rss")
    rss = ET.fromstring(body)

    assert content_type == "application/rss+xml; charset=utf-8"
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    assert channel is not None
    assert channel.findtext("link") == f"{node.url}/@ana"
    self_link = channel.find(f"{A}link")
    assert self_link is not None and self_link.get("href") == f"{node.url}/@ana.rss"
    items = channel.findall("item")
    assert [i.findtext("guid") for i in items] == [made["public"].uri]
    guid = items[0].find("guid")
    assert guid is not None and guid.get("isPermaLink") == "false"
    published = made["public"].published_at.replace(microsecond=0)
    assert parsedate_to_datetime(items[0].findtext("pubDate", "")) == published
    assert "&lt;rocks&gt;" in items[0].findtext("description", "")
    for hidden in ("feed-unlisted", "feed-followers", "feed-direct", "feed-localonly"):
        assert hidden.encode() not in body


async def test_hashtag_feeds_list_public_posts_written_here(node: FlowNode) -> None:
    ana = await node.user("ana")
    made = await _every_visibility(node, ana, "Geology")
    async with node.ctx.db.connection() as conn:
        remote = await conn.fetchval(
            """INSERT INTO remote_actors (uri, actor_type, username, host, inbox, raw)
               VALUES ('https://far.example/users/olga', 'Person', 'olga', 'far.example',
                       'https://far.example/inbox', '{}') RETURNING id""")  # fmt: skip
        far = await conn.fetchval(
            """INSERT INTO posts (uri, author_remote, content_html, visibility)
               VALUES ('https://far.example/notes/1', $1, '<p>feed-remote #geology</p>',
                       'public') RETURNING id""", remote)  # fmt: skip
        await conn.execute("INSERT INTO post_hashtags (post_id, tag) VALUES ($1, 'geology')", far)

    _, atom = await _fetch(node, "/tags/geology.atom")
    content_type, rss = await _fetch(node, "/tags/GEOLOGY.rss")

    feed = ET.fromstring(atom)
    assert [e.findtext(f"{A}id") for e in feed.findall(f"{A}entry")] == [made["public"].uri]
    assert feed.findtext(f"{A}entry/{A}author/{A}name") == "ana"
    assert feed.findtext(f"{A}title") == f"#geology on {node.host}"
    assert content_type == "application/rss+xml; charset=utf-8"
    channel = ET.fromstring(rss).find("channel")
    assert channel is not None
    assert [i.findtext("guid") for i in channel.findall("item")] == [made["public"].uri]
    assert b"feed-remote" not in atom + rss, "other servers' posts are theirs to publish"


async def test_a_feed_shows_a_content_warning_instead_of_the_post(node: FlowNode) -> None:
    ana = await node.user("ana")
    await posts.create_post(node.ctx, ana, "The spoiler itself", summary="Exam answers")

    _, body = await _fetch(node, "/@ana.atom")
    entry = ET.fromstring(body).find(f"{A}entry")

    assert entry is not None
    assert entry.findtext(f"{A}title") == "Exam answers"
    assert "Exam answers" in entry.findtext(f"{A}content", "")
    assert b"The spoiler itself" not in body


async def test_feeds_answer_conditional_requests_and_unknown_people(node: FlowNode) -> None:
    ana = await node.user("ana")
    await posts.create_post(node.ctx, ana, "Hello")

    first = await _get(node, "/@ana.atom")
    again = await _get(node, "/@ana.atom", **{"If-None-Match": first.headers["ETag"]})
    missing = await _get(node, "/@nobody.rss")
    unused_tag = await _get(node, "/tags/nothing.atom")

    assert first.headers["Cache-Control"].startswith("public")
    assert again.status == 304
    assert missing.status == 404
    assert unused_tag.status == 200
    assert ET.fromstring(await unused_tag.read()).findall(f"{A}entry") == []


async def test_characters_xml_cannot_carry_are_dropped_not_served(node: FlowNode) -> None:
    ana = await node.user("ana")
    async with node.ctx.db.connection() as conn:
        await conn.execute("UPDATE accounts SET display_name = 'Ana\x07\x1b' WHERE id = $1",
                           ana.id)  # fmt: skip
    await posts.create_post(node.ctx, ana, "Bell")

    for path in ("/@ana.atom", "/@ana.rss"):
        _, body = await _fetch(node, path)
        ET.fromstring(body)  # well-formed
        assert b"\x07" not in body
