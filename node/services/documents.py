"""Our domain objects as AS2 documents (post_to_ap, account_to_ap), via federation.render."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from federation.render import (
    OutboundVisibility,
    addressing,
    render_actor,
    render_note,
    render_page,
    render_question,
    render_tombstone,
)
from federation.render_docs import (
    ActorDoc,
    HashtagRef,
    ImageRef,
    MediaDoc,
    MentionRef,
    NoteDoc,
    PollDoc,
)
from federation.render_docs import ProfileField as FieldDoc
from federation.sanitize import sanitize_html
from node.domain.accounts import Account
from node.domain.media import Media
from node.domain.profiles import Profile, ProfileImage, bio_to_html, text_to_html
from node.services.media_store import media_url, media_urls
from node.services.urls import Urls
from node.storage.post_extras import StoredMention
from node.storage.posts import Post


def account_to_ap(
    urls: Urls, account: Account, profile: Profile, *, members_only: bool = False
) -> dict[str, Any]:
    name = account.username
    return render_actor(
        ActorDoc(
            id=urls.actor(name),
            type="Group" if account.is_group else "Person",
            preferred_username=name,
            inbox=urls.inbox(name),
            outbox=urls.outbox(name),
            followers=urls.followers(name),
            following=urls.following(name),
            featured=urls.featured(name),
            shared_inbox=urls.shared_inbox,
            public_key_pem=account.public_key_pem,
            name=account.display_name,
            summary=bio_html(account.bio),
            url=urls.profile(name),
            published=account.created_at,
            manually_approves_followers=profile.locked,
            discoverable=profile.discoverable,
            indexable=profile.indexable,
            icon=profile_image_ref(urls, profile.avatar),
            image=profile_image_ref(urls, profile.header),
            fields=tuple(FieldDoc(f.name, field_value_html(f.value)) for f in profile.fields),
            moderators=urls.moderators(name) if account.is_group else None,
            members_only=members_only,
        )
    )


def bio_html(bio: str) -> str:
    """A bio (plain text) as the HTML an actor's `summary` carries and our pages show."""
    return sanitize_html(bio_to_html(bio))


def field_value_html(value: str) -> str:
    """A profile field's value (plain text) as PropertyValue HTML: escaped, URLs linked."""
    return sanitize_html(text_to_html(value))


def profile_image_ref(urls: Urls, image: ProfileImage | None) -> ImageRef | None:
    """An avatar (`icon`) or header (`image`) as Mastodon reads it (interop brief §3.1)."""
    return ImageRef(media_url(urls.base, image.key), image.content_type) if image else None


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
