"""Our domain objects as AS2 documents (post_to_ap, account_to_ap), via federation.render."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from federation.render import (
    OutboundVisibility,
    addressing,
    render_actor,
    render_note,
    render_tombstone,
)
from federation.render_docs import ActorDoc, HashtagRef, MediaDoc, MentionRef, NoteDoc
from node.domain.accounts import Account
from node.services.urls import Urls
from node.storage.post_extras import StoredMention
from node.storage.posts import Post


def account_to_ap(urls: Urls, account: Account) -> dict[str, Any]:
    name = account.username
    return render_actor(
        ActorDoc(
            id=urls.actor(name),
            type="Person",
            preferred_username=name,
            inbox=urls.inbox(name),
            outbox=urls.outbox(name),
            followers=urls.followers(name),
            following=urls.following(name),
            featured=urls.featured(name),
            shared_inbox=urls.shared_inbox,
            public_key_pem=account.public_key_pem,
            name=account.display_name,
            summary=account.bio,
            url=urls.profile(name),
            published=account.created_at,
        )
    )


def instance_actor_to_ap(urls: Urls, public_key_pem: str) -> dict[str, Any]:
    # Mastodon's instance actor is an Application named after the domain, locked (§1.1).
    return render_actor(
        ActorDoc(
            id=urls.instance_actor,
            type="Application",
            preferred_username=urls.host,
            inbox=f"{urls.instance_actor}/inbox",
            outbox=f"{urls.instance_actor}/outbox",
            shared_inbox=urls.shared_inbox,
            public_key_pem=public_key_pem,
            url=urls.base + "/",
            manually_approves_followers=True,
        )
    )


_VISIBILITIES: dict[str, OutboundVisibility] = {
    "public": "public", "unlisted": "unlisted", "followers": "followers", "direct": "direct",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class PostExtras:
    """What a post carries besides its row: mentions, hashtags, media."""

    mentions: tuple[StoredMention, ...] = ()
    hashtags: tuple[str, ...] = ()
    media: tuple[MediaDoc, ...] = ()


def post_audience(
    urls: Urls, author: str, post: Post, extras: PostExtras = PostExtras()
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    mentioned = [m.actor_uri for m in extras.mentions]
    return addressing(_VISIBILITIES[post.visibility], urls.followers(author), mentioned)


def post_to_ap(
    urls: Urls, author: str, post: Post, extras: PostExtras = PostExtras()
) -> dict[str, Any]:
    to, cc = post_audience(urls, author, post, extras)
    return render_note(
        NoteDoc(
            id=post.uri,
            attributed_to=urls.actor(author),
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
        )
    )


def tombstone_to_ap(uri: str) -> dict[str, Any]:
    return render_tombstone(uri, "Note")
