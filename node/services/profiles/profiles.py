"""From a local person: edit their profile; every change reaches their followers' servers.

A change is stored and its `Update(Person)` (the whole actor document, with an id of its own)
is queued to each follower's shared inbox in one transaction, as Mastodon's
UpdateDistributionWorker does, so peers never keep an old name or avatar because a delivery
was lost in a crash. Avatars and headers go through the media service's checks and
re-encoding (no EXIF or GPS survives) and are stored under keys of their own: the `media`
table's orphan sweep deletes any upload no post holds, which would take profile images too.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass

from federation.render import render_update
from federation.vocab import PUBLIC
from node.domain.accounts import Account
from node.domain.errors import ConfigurationMissing, NotFound, ValidationFailed
from node.domain.media import CONTENT_TYPES, EXTENSIONS, clean_description
from node.domain.profiles import (
    ImageSlot,
    Profile,
    ProfileEdit,
    ProfileImage,
    clean_edit,
)
from node.infra.imaging import process_image
from node.infra.media_store import MediaStore
from node.services.kernel import federate
from node.services.kernel.context import NodeContext
from node.services.profiles.as2 import account_to_ap, bio_html, field_value_html, profile_image_ref
from node.services.social import follow_requests
from node.storage.accounts import accounts as account_store
from node.storage.accounts import profiles as store
from node.storage.groups import groups as group_store
from node.storage.pool import Conn
from node.storage.posts import posts as post_store
from node.storage.social import follows as follow_store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ShownField:
    name: str
    value_html: str


@dataclass(frozen=True, slots=True)
class ShownImage:
    url: str
    description: str


@dataclass(frozen=True, slots=True)
class ProfileView:
    """A profile as a page shows it: HTML made from the plain text, image URLs, flags."""

    bio_html: str
    fields: tuple[ShownField, ...]
    avatar: ShownImage | None
    header: ShownImage | None
    locked: bool
    discoverable: bool
    indexable: bool


async def get_profile(ctx: NodeContext, account: Account) -> Profile:
    async with ctx.db.connection() as conn:
        return await _profile(conn, account)


async def profile_view(ctx: NodeContext, account: Account) -> ProfileView:
    profile = await get_profile(ctx, account)
    return ProfileView(
        bio_html=bio_html(account.bio),
        fields=tuple(ShownField(f.name, field_value_html(f.value)) for f in profile.fields),
        avatar=_shown(ctx, profile.avatar),
        header=_shown(ctx, profile.header),
        locked=profile.locked,
        discoverable=profile.discoverable,
        indexable=profile.indexable,
    )


async def update_profile(ctx: NodeContext, account: Account, edit: ProfileEdit) -> Account:
    """Save the settings form; ProfileRefused names every problem. Returns the updated account.

    Nothing is stored or sent when nothing changed.
    """
    edit = clean_edit(edit)
    before = await get_profile(ctx, account)
    if edit.locked != before.locked:
        # Locking goes through the follow-request service, which owns what locking means.
        await follow_requests.set_locked(ctx, account, edit.locked)
    if _unchanged(account, before, edit):
        return account
    async with ctx.db.transaction() as conn:
        await store.set_names(conn, account.id, edit.display_name, edit.bio)
        await store.set_consent(
            conn, account.id, discoverable=edit.discoverable, indexable=edit.indexable
        )
        await store.replace_fields(conn, account.id, edit.fields)
        updated = await account_store.get_account(conn, account.id)
        assert updated is not None  # the row is ours and this transaction holds it
        await send_actor_update(ctx, conn, updated)
    log.info("profile of @%s updated", account.username)
    return updated


async def set_image(
    ctx: NodeContext,
    account: Account,
    slot: ImageSlot,
    data: bytes | None,
    *,
    description: str = "",
) -> None:
    """Replace the avatar or header with an upload, or (no data) change the current one's alt text.

    The avatar is kept at most 400 pixels a side (the media service's thumbnail, Mastodon's
    avatar size); a header keeps the cleaned upload's size.
    """
    text = clean_description(description)
    files = _files(ctx)
    if data is None:
        await _describe_image(ctx, account, slot, text)
        return
    image = await asyncio.to_thread(process_image, data)
    kind, body = (image.thumbnail_type, image.thumbnail) if slot == "avatar" else (
        image.kind, image.data
    )  # fmt: skip
    new = ProfileImage(f"{secrets.token_urlsafe(24)}.{EXTENSIONS[kind]}", CONTENT_TYPES[kind], text)
    await files.put(new.key, body, new.content_type)
    try:
        async with ctx.db.transaction() as conn:
            old = await store.set_image(conn, account.id, slot, new)
            await send_actor_update(ctx, conn, account)
    except BaseException:
        await files.delete(new.key)  # no row points at it
        raise
    # Deleted only once the new image is committed, so a failure never leaves a broken image.
    if old is not None:
        await files.delete(old.key)


async def remove_image(ctx: NodeContext, account: Account, slot: ImageSlot) -> None:
    files = _files(ctx)
    async with ctx.db.transaction() as conn:
        old = await store.set_image(conn, account.id, slot, None)
        if old is not None:
            await send_actor_update(ctx, conn, account)
    if old is not None:
        await files.delete(old.key)


async def _describe_image(
    ctx: NodeContext, account: Account, slot: ImageSlot, description: str
) -> None:
    async with ctx.db.transaction() as conn:
        profile = await _profile(conn, account)
        current = profile.image(slot)
        if current is None:
            raise ValidationFailed(slot, "Choose an image to upload")
        if current.description == description:
            return
        changed = ProfileImage(current.key, current.content_type, description)
        await store.set_image(conn, account.id, slot, changed)
        await send_actor_update(ctx, conn, account)


async def send_actor_update(ctx: NodeContext, conn: Conn, account: Account) -> None:
    """Queue `Update(Person)` with the actor as it now is to every follower's (shared) inbox.

    Addressed to Public like Mastodon's (ActivityPub::UpdateSerializer): the actor document is
    public whatever the account's posts are.
    """
    profile = await _profile(conn, account)
    members_only = await group_store.is_members_only(conn, account.id)
    actor = account_to_ap(ctx.urls, account, profile, members_only=members_only)
    audience = federate.Audience(to=(PUBLIC,), followers=True)
    await federate.send(ctx, conn, federate.Sender.of(ctx.urls, account), render_update, actor,
                        audience)  # fmt: skip


async def _profile(conn: Conn, account: Account) -> Profile:
    profile = await store.get_profile(conn, account.id)
    if profile is None:
        raise NotFound(f"no account @{account.username}")
    return profile


def _unchanged(account: Account, before: Profile, edit: ProfileEdit) -> bool:
    return (
        account.display_name == edit.display_name
        and account.bio == edit.bio
        and before.fields == edit.fields
        and before.discoverable == edit.discoverable
        and before.indexable == edit.indexable
        and before.locked == edit.locked
    )


def _shown(ctx: NodeContext, image: ProfileImage | None) -> ShownImage | None:
    ref = profile_image_ref(ctx.urls, image)
    return ShownImage(ref.url, image.description) if ref and image else None


def _files(ctx: NodeContext) -> MediaStore:
    if ctx.media is None:
        raise ConfigurationMissing("this node context was built without a media store")
    return ctx.media


@dataclass(frozen=True, slots=True)
class AccountStats:
    followers: int
    following: int
    statuses: int  # public and unlisted posts that federate, as the outbox counts them


async def account_stats(ctx: NodeContext, account_id: int) -> AccountStats:
    """The counts a profile shows (the client API's Account entity)."""
    async with ctx.db.connection() as conn:
        followers, _ = await follow_store.list_followers_uris(conn, account_id, 0, 0)
        following, _ = await follow_store.list_following_uris(conn, account_id, 0, 0)
        statuses = await post_store.count_public_posts(conn, account_id)
    return AccountStats(followers, following, statuses)
