"""Our people and groups, and the instance actor, as AS2 actor documents (via federation.render)."""

from __future__ import annotations

from typing import Any

from federation.render import render_actor
from federation.render_docs import ActorDoc, ImageRef
from federation.render_docs import ProfileField as FieldDoc
from federation.sanitize import sanitize_html
from node.domain.accounts import Account
from node.domain.profiles import Profile, ProfileImage, bio_to_html, text_to_html
from node.domain.urls import Urls
from node.infra.media_store import media_url


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
