"""Our domain objects as Mastodon 4.3 API entities (Account, Status, MediaAttachment, Poll,
Notification, Relationship). Pure: everything they need is passed in (node.api.present
gathers it), so each `*_to_api` reads like the entity's documentation.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any, Final

from node.api.ids import local_account_id, remote_account_id
from node.api.responses import timestamp
from node.domain.accounts import Account, Role
from node.domain.media import Media
from node.domain.profiles import Profile
from node.domain.urls import Urls
from node.infra.media_store import media_urls
from node.services.posts.polls import PollView
from node.services.posts.search import RemoteActor
from node.services.posts.timelines import PostView
from node.services.profiles.profiles import AccountStats, ProfileView

JSON = dict[str, Any]

# Mastodon's paths for "no image"; node.api.images serves them.
MISSING_AVATAR: Final = "/avatars/original/missing.png"
MISSING_HEADER: Final = "/headers/original/missing.png"
# Our visibilities by Mastodon's names: `private` is followers-only.
VISIBILITY_TO_API: Final = {"public": "public", "unlisted": "unlisted", "followers": "private",
                            "direct": "direct"}  # fmt: skip
VISIBILITY_FROM_API: Final = {api: ours for ours, api in VISIBILITY_TO_API.items()}
# Notification kinds by Mastodon's names (a reply is a mention there: replies mention).
NOTIFICATION_TYPES: Final = {"follow": "follow", "follow_request": "follow_request",
                             "mention": "mention", "reply": "mention", "like": "favourite",
                             "boost": "reblog", "poll": "poll"}  # fmt: skip


def _day(value: datetime) -> str | None:
    """Accounts show the day they were created, at midnight UTC, as Mastodon does."""
    return timestamp(datetime.combine(value.astimezone(UTC).date(), time(), UTC))


def local_account_to_api(
    urls: Urls, account: Account, view: ProfileView, stats: AccountStats
) -> JSON:
    avatar = view.avatar.url if view.avatar else urls.base + MISSING_AVATAR
    header = view.header.url if view.header else urls.base + MISSING_HEADER
    return {
        "id": local_account_id(account.id),
        "username": account.username,
        "acct": account.username,
        "display_name": account.display_name,
        "locked": view.locked,
        "bot": False,
        "discoverable": view.discoverable,
        "indexable": view.indexable,
        "group": account.is_group,
        "created_at": _day(account.created_at),
        "note": view.bio_html,
        "url": urls.profile(account.username),
        "uri": urls.actor(account.username),
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": stats.followers,
        "following_count": stats.following,
        "statuses_count": stats.statuses,
        "last_status_at": None,
        "hide_collections": False,
        "noindex": not view.indexable,
        "emojis": [],
        "roles": [],
        "fields": [
            {"name": f.name, "value": f.value_html, "verified_at": None} for f in view.fields
        ],
    }


def credential_account_to_api(
    urls: Urls, account: Account, view: ProfileView, stats: AccountStats, profile: Profile,
    follow_requests: int,
) -> JSON:  # fmt: skip
    """verify_credentials: the Account plus what only its owner sees (`source`, `role`)."""
    return local_account_to_api(urls, account, view, stats) | {
        "source": {
            "privacy": "public",
            "sensitive": False,
            "language": "",
            "note": account.bio,
            "fields": [
                {"name": f.name, "value": f.value, "verified_at": None} for f in profile.fields
            ],
            "follow_requests_count": follow_requests,
            "indexable": profile.indexable,
            "discoverable": profile.discoverable,
            "hide_collections": False,
        },
        "role": {
            "id": str(list(Role).index(account.role) + 1),
            "name": account.role.value,
            "permissions": "1" if account.role is Role.ADMIN else "0",
            "color": "",
            "highlighted": False,
        },
    }


def remote_account_to_api(urls: Urls, actor: RemoteActor) -> JSON:
    """What we know of someone elsewhere: their own avatar and header (hot-linked from their
    server) when their actor has them; counts are not cached here (docs/api.md)."""
    avatar = actor.icon_url or urls.base + MISSING_AVATAR
    header = actor.image_url or urls.base + MISSING_HEADER
    return {
        "id": remote_account_id(actor.id),
        "username": actor.username,
        "acct": actor.handle,
        "display_name": actor.display_name,
        "locked": actor.manually_approves,
        "bot": actor.actor_type in {"Service", "Application"},
        "discoverable": None,
        "group": actor.actor_type == "Group",
        "created_at": _day(actor.fetched_at),
        "note": actor.summary_html,
        "url": actor.url or actor.uri,
        "uri": actor.uri,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": 0,
        "following_count": 0,
        "statuses_count": 0,
        "last_status_at": None,
        "emojis": [],
        "fields": [],
    }


def media_to_api(urls: Urls, media: Media) -> JSON:
    url, preview = media_urls(urls, media)
    meta: JSON = {}
    if media.width and media.height:
        size = {"width": media.width, "height": media.height,
                "size": f"{media.width}x{media.height}",
                "aspect": round(media.width / media.height, 6)}  # fmt: skip
        meta = {"original": size, "small": size}
    return {
        "id": str(media.id),
        "type": media.kind,
        "url": url,
        "preview_url": preview or url,
        "remote_url": media.remote_url,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": media.description or None,
        "blurhash": media.blurhash,
    }


def poll_to_api(post_id: int, view: PollView, *, signed_in: bool) -> JSON:
    poll = view.poll
    return {
        "id": str(post_id),
        "expires_at": timestamp(poll.ends_at),
        "expired": view.closed,
        "multiple": poll.multiple,
        "votes_count": sum(poll.counts),
        "voters_count": poll.voters_count,
        "options": [
            {"title": title, "votes_count": count}
            for title, count in zip(poll.options, poll.counts, strict=True)
        ],
        "emojis": [],
        "voted": bool(view.my_choices) if signed_in else None,
        "own_votes": sorted(view.my_choices) if signed_in else None,
    }


def status_to_api(
    post: PostView, *, account: JSON, media: list[JSON], mentions: list[JSON],
    tags: list[JSON], poll: JSON | None, in_reply_to_account_id: str | None,
) -> JSON:  # fmt: skip
    return {
        "id": str(post.id),
        "created_at": timestamp(post.published_at),
        "in_reply_to_id": str(post.in_reply_to_id) if post.in_reply_to_id else None,
        "in_reply_to_account_id": in_reply_to_account_id,
        "sensitive": post.sensitive,
        "spoiler_text": post.summary or "",
        # A members-only group post is closest to Mastodon's "private" (a closed audience).
        "visibility": VISIBILITY_TO_API.get(post.visibility, "private"),
        "local_only": post.local_only,
        "language": post.language,
        "uri": post.uri,
        "url": post.url or post.uri,
        "replies_count": post.replies,
        "reblogs_count": post.boosts,
        "favourites_count": post.likes,
        "edited_at": timestamp(post.edited_at),
        "favourited": post.liked,
        "reblogged": post.boosted,
        "muted": False,
        "bookmarked": post.bookmarked,
        "content": post.content_html,
        "filtered": [],
        "reblog": None,
        "application": None,
        "account": account,
        "media_attachments": media,
        "mentions": mentions,
        "tags": tags,
        "emojis": [],
        "card": None,
        "poll": poll,
    }


def notification_to_api(
    notification_id: int, kind: str, created_at: datetime, account: JSON, status: JSON | None
) -> JSON:
    api_type = NOTIFICATION_TYPES.get(kind, kind)
    return {
        "id": str(notification_id),
        "type": api_type,
        "created_at": timestamp(created_at),
        "group_key": f"ungrouped-{notification_id}",
        "account": account,
        "status": status,
    }


def relationship_to_api(
    account_id: str, *, following: bool, requested: bool, followed_by: bool
) -> JSON:
    return {
        "id": account_id,
        "following": following,
        "showing_reblogs": following,
        "notifying": False,
        "languages": None,
        "followed_by": followed_by,
        "blocking": False,
        "blocked_by": False,
        "muting": False,
        "muting_notifications": False,
        "requested": requested,
        "requested_by": False,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }
