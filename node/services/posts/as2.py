"""Posts as AS2 objects (post_to_ap, media_to_doc, tombstone_to_ap), via federation.render,
and the extras a post carries that its row does not (load_extras)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from federation.render import (
    OutboundVisibility,
    addressing,
    render_note,
    render_page,
    render_question,
    render_tombstone,
)
from federation.render_docs import HashtagRef, MediaDoc, MentionRef, NoteDoc, PollDoc, PollOptionDoc
from node.domain.media import Media
from node.domain.urls import Urls
from node.infra.media_store import media_urls
from node.services.posts import placement
from node.services.posts.media import media_for_posts
from node.storage.groups import threads as thread_store
from node.storage.pool import Conn
from node.storage.posts import extras as extras_store
from node.storage.posts import polls as poll_store
from node.storage.posts.extras import StoredMention
from node.storage.posts.polls import Poll
from node.storage.posts.posts import Post

_VISIBILITIES: dict[str, OutboundVisibility] = {
    "public": "public", "unlisted": "unlisted", "followers": "followers", "direct": "direct",
    # Members-only group posts are addressed to the group (and anyone mentioned) alone.
    "group": "direct",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class PostExtras:
    """What a post carries besides its row: mentions, hashtags, media."""

    mentions: tuple[StoredMention, ...] = ()
    hashtags: tuple[str, ...] = ()
    media: tuple[MediaDoc, ...] = ()
    poll: PollDoc | None = None
    group_uri: str | None = None  # the group a post belongs to (FEP-1b12 `audience`)
    stickied: bool | None = None  # a group's thread: pinned or not (Lemmy's `stickied`)


def post_audience(
    urls: Urls, author: str, post: Post, extras: PostExtras = PostExtras()
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    mentioned = [m.actor_uri for m in extras.mentions]
    return addressing(_VISIBILITIES[post.visibility], urls.followers(author), mentioned)


def post_to_ap(
    urls: Urls, author: str, post: Post, extras: PostExtras = PostExtras()
) -> dict[str, Any]:
    to, cc = post_audience(urls, author, post, extras)
    return _post_to_ap(urls, urls.actor(author), to, cc, post, extras)


def remote_post_to_ap(
    urls: Urls, author_uri: str, followers_uri: str | None, post: Post, extras: PostExtras
) -> dict[str, Any]:
    """A post from elsewhere as we hold it: a group here re-serves its members' threads in
    its outbox and featured collection, as Lemmy does."""
    mentioned = [m.actor_uri for m in extras.mentions]
    to, cc = addressing(_VISIBILITIES[post.visibility], followers_uri or "", mentioned)
    to, cc = tuple(a for a in to if a), tuple(a for a in cc if a)
    return _post_to_ap(urls, author_uri, to, cc, post, extras)


def _post_to_ap(
    urls: Urls, author_uri: str, to: tuple[str, ...], cc: tuple[str, ...], post: Post,
    extras: PostExtras,
) -> dict[str, Any]:  # fmt: skip
    note = NoteDoc(
        id=post.uri,
        attributed_to=author_uri,
        content=post.content_html,
        published=post.published_at,
        to=to,
        cc=cc,
        url=post.url,
        summary=post.summary,
        sensitive=post.sensitive,
        in_reply_to=post.in_reply_to_uri,
        updated=post.edited_at,
        language=post.language,
        mentions=tuple(MentionRef(m.actor_uri, f"@{m.acct}") for m in extras.mentions),
        hashtags=tuple(HashtagRef(t, f"{urls.base}/tags/{t}") for t in extras.hashtags),
        attachments=extras.media,
        direct_message=post.visibility == "direct",
        audience=extras.group_uri,
        name=post.title,
        stickied=extras.stickied,
    )
    if extras.poll:
        return render_question(note, extras.poll)
    # A group thread is a titled Page, as Lemmy expects (interop brief §6.1).
    return render_page(note) if post.title else render_note(note)


def media_to_doc(urls: Urls, media: Media) -> MediaDoc:
    """An attachment as Mastodon emits it: a Document, alt text as `name` (interop brief §5.3)."""
    url, _preview = media_urls(urls, media)
    return MediaDoc(
        url=url,
        media_type=media.content_type,
        name=media.description or None,
        blurhash=media.blurhash,
        width=media.width,
        height=media.height,
    )


def tombstone_to_ap(uri: str) -> dict[str, Any]:
    return render_tombstone(uri, "Note")


def poll_to_doc(poll: Poll) -> PollDoc:
    return PollDoc(
        options=tuple(PollOptionDoc(n, c) for n, c in zip(poll.options, poll.counts, strict=True)),
        multiple=poll.multiple, end_time=poll.ends_at, closed=poll.closed_at,
        voters_count=poll.voters_count,
    )  # fmt: skip


async def load_extras(conn: Conn, post: Post, urls: Urls) -> PostExtras:
    mentions = (await extras_store.mentions_of(conn, [post.id])).get(post.id, [])
    tags = (await extras_store.hashtags_of(conn, [post.id])).get(post.id, [])
    poll = (await poll_store.polls_for(conn, [post.id])).get(post.id)
    attached = (await media_for_posts(conn, [post.id]))[post.id]
    group_uri = await placement.group_uri(conn, urls, post)
    stickied = None
    if group_uri is not None and post.thread_id is None:
        stickied, _locked = await thread_store.thread_flags(conn, post.id)
    return PostExtras(
        mentions=tuple(mentions), hashtags=tuple(tags), poll=poll_to_doc(poll) if poll else None,
        media=tuple(media_to_doc(urls, m) for m in attached), group_uri=group_uri,
        stickied=stickied,
    )  # fmt: skip
