"""Groups for people here: create and configure them, find them (here or elsewhere), join and
leave, invitations, join requests and roles. Threads and moderation: services.group_posts.

A group here is an account of kind 'group' (migrations/0013_groups.sql), so it federates as
an actor with no second copy of the actor machinery; membership is an accepted follow.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from federation.crypto import generate_rsa_keypair
from node.domain.accounts import Account, AccountId, Role
from node.domain.errors import Forbidden, NotFound, ValidationFailed
from node.domain.groups import (
    GroupSettings,
    JoinPolicy,
    Membership,
    join_outcome,
    validate_group_slug,
)
from node.domain.urls import Urls
from node.infra.media_store import media_url
from node.services.actors import directory
from node.services.kernel.context import NodeContext
from node.services.kernel.db import Database
from node.services.profiles import profiles
from node.services.social import follow_requests, follows
from node.storage.accounts import accounts as account_store
from node.storage.actors import remote_actors as actor_store
from node.storage.actors.remote_actors import RemoteActor
from node.storage.groups import groups as store
from node.storage.groups import threads as thread_store
from node.storage.groups.groups import GroupRow
from node.storage.groups.threads import GroupKey, MemberRow
from node.storage.social import follows as follow_store
from node.storage.social import notifications

__all__ = ["GroupInfo", "GroupKey", "GroupRow", "MemberRow", "Membership"]


@dataclass(frozen=True, slots=True)
class GroupInfo:
    """A group as our pages show it, whether it lives here or elsewhere."""

    key: GroupKey
    uri: str
    handle: str  # `name` here, `name@host` elsewhere
    name: str
    description: str  # plain text here; sanitised HTML for a group elsewhere
    local: bool
    members_only: bool
    join_policy: JoinPolicy
    member_count: int | None = None
    rules: str = ""
    subjects: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    members_listed: bool = True
    inbox: str | None = None
    avatar_url: str | None = None

    @property
    def account_id(self) -> int | None:
        return self.key.account_id


def _info(urls: Urls, row: GroupRow) -> GroupInfo:
    s = row.settings
    return GroupInfo(
        key=GroupKey(account_id=row.account_id), uri=urls.actor(row.username),
        handle=row.username, name=s.name, description=s.description, local=True,
        members_only=s.members_only, join_policy=s.join_policy, member_count=row.member_count,
        rules=s.rules, subjects=s.subjects, grades=s.grades, members_listed=s.members_listed,
        avatar_url=media_url(urls.base, row.avatar_key) if row.avatar_key else None,
    )  # fmt: skip


async def create_group(
    ctx: NodeContext, owner: Account, slug: str, settings: GroupSettings
) -> GroupInfo:
    """A new group with `owner` as its owner and first member (the web page)."""
    return await provision_group(ctx.db, ctx.urls, owner.username, slug, settings)


async def provision_group(
    db: Database, urls: Urls, owner_username: str, slug: str, settings: GroupSettings
) -> GroupInfo:
    """`commonroom group create`: districts provision groups by script (README.md)."""
    validate_group_slug(slug)
    settings.validate()
    async with db.connection() as conn:
        owner = await account_store.get_account_by_username(conn, owner_username)
    if owner is None or owner.is_group:
        raise NotFound(f"no one called {owner_username} here")
    if owner.role == Role.STUDENT:
        raise Forbidden("students cannot create groups")
    keys = await asyncio.to_thread(generate_rsa_keypair)
    async with db.transaction() as conn:
        account = await account_store.insert_account(
            conn, username=slug, email=f"{slug.lower()}@groups.invalid", role=Role.EDUCATOR,
            password_hash=None, private_key_pem=keys.private_pem, public_key_pem=keys.public_pem,
        )  # fmt: skip
        await store.make_group(conn, account.id, settings)
        await store.set_role(conn, account.id, owner.id, "owner")
        await follow_store.insert_follow(
            conn, activity_uri=urls.new_activity(), state="accepted",
            follower_account=owner.id, followee_account=account.id,
        )  # fmt: skip
        row = await store.get_group(conn, account.id)
    assert row is not None
    return _info(urls, row)


async def update_settings(
    ctx: NodeContext, moderator: Account, group: GroupInfo, settings: GroupSettings
) -> None:
    await require_moderator(ctx, moderator, group)  # before saying what is wrong with the form
    settings.validate()
    account = await group_account(ctx, group)
    async with ctx.db.transaction() as conn:
        await store.update_group(conn, account.id, settings)
        updated = await account_store.get_account(conn, account.id)
        assert updated is not None
        await profiles.send_actor_update(ctx, conn, updated)  # Update(Group) to every member


async def set_picture(
    ctx: NodeContext, moderator: Account, group: GroupInfo, data: bytes, description: str
) -> None:
    """The group's avatar (its `icon`), processed like a person's and sent as Update(Group)."""
    await require_moderator(ctx, moderator, group)
    await profiles.set_image(
        ctx, await group_account(ctx, group), "avatar", data, description=description
    )


async def find_group(ctx: NodeContext, handle: str) -> GroupInfo:
    """A group by `name` (here), `name@host`, `@name@host` or actor URL (fetched if unknown)."""
    text = handle.strip().lstrip("!@")
    name, _, host = text.partition("@")
    if text.startswith(("http://", "https://")):
        username = ctx.urls.username_of_actor(text)
        if username is not None:
            return await _local_group(ctx, username)
    elif not host or host.lower() == ctx.urls.host.lower():
        return await _local_group(ctx, name)
    actor = await directory.find_actor(ctx, text if "://" in text else f"@{text}")
    if actor.actor_type != "Group":
        raise NotFound(f"{handle} is not a group")
    return await _remote_info(ctx, actor)


async def remote_group_by_id(ctx: NodeContext, actor_id: int) -> GroupInfo | None:
    """A group elsewhere as cached here (no fetch: for pages that list what we know)."""
    actor = await directory.cached_actor(ctx, actor_id)
    if actor is None or actor.actor_type != "Group":
        return None
    return await _remote_info(ctx, actor)


async def _remote_info(ctx: NodeContext, actor: RemoteActor) -> GroupInfo:
    async with ctx.db.connection() as conn:
        members_only = await actor_store.raw_flag(conn, actor.id, "membersOnly")
    return GroupInfo(
        key=GroupKey(remote_id=actor.id), uri=actor.uri, handle=actor.handle,
        name=actor.display_name or actor.username, description=actor.summary_html,
        local=False, members_only=members_only,
        join_policy="approval" if actor.manually_approves else "open", inbox=actor.inbox,
        avatar_url=actor.icon_url,
    )  # fmt: skip


async def _local_group(ctx: NodeContext, username: str) -> GroupInfo:
    async with ctx.db.connection() as conn:
        row = await store.get_group_by_username(conn, username)
    if row is None:
        raise NotFound(f"no group called {username} here")
    return _info(ctx.urls, row)


async def local_group_by_id(ctx: NodeContext, account_id: int) -> GroupInfo | None:
    async with ctx.db.connection() as conn:
        row = await store.get_group(conn, account_id)
    return _info(ctx.urls, row) if row else None


async def directory_page(ctx: NodeContext, query: str = "", page: int = 0) -> list[GroupInfo]:
    async with ctx.db.connection() as conn:
        rows = await store.search_groups(conn, query.strip()[:100], 30, page * 30)
    return [_info(ctx.urls, row) for row in rows]


async def membership(ctx: NodeContext, account: Account | None, group: GroupInfo) -> Membership:
    if account is None:
        return Membership(role=None)
    async with ctx.db.connection() as conn:
        state = await thread_store.is_member(conn, group.key, account.id)
        role, invited = None, False
        if group.account_id is not None:
            role = await store.role_of(conn, group.account_id, account.id)
            me = ctx.urls.actor(account.username)
            invited = await store.is_invited(conn, group.account_id, me)
    if role is not None:
        return Membership(role=role)
    return Membership(role="member" if state else None, pending=state is False, invited=invited)


async def require_moderator(ctx: NodeContext, account: Account, group: GroupInfo) -> None:
    if not group.local or not (await membership(ctx, account, group)).moderates:
        raise Forbidden("only the group's moderators can do that")


async def join(ctx: NodeContext, account: Account, group: GroupInfo) -> Membership:
    """Join (or ask to join) a group: here by its policy, elsewhere by a Follow (FEP-1b12)."""
    if account.is_group:
        raise Forbidden("a group cannot join a group")
    if not group.local:
        await follows.follow(ctx, account, group.uri)
        return await membership(ctx, account, group)
    assert group.account_id is not None
    current = await membership(ctx, account, group)
    if current.is_member or current.pending:
        return current
    outcome = join_outcome(group.join_policy, current.invited)
    if outcome == "refused":
        raise Forbidden("this group is by invitation only")
    async with ctx.db.transaction() as conn:
        await follow_store.insert_follow(
            conn, activity_uri=ctx.urls.new_activity(), state=outcome,
            follower_account=account.id, followee_account=group.account_id,
        )  # fmt: skip
        if outcome == "pending":
            await notifications.notify_group_moderators(
                conn, group.account_id, from_account=account.id
            )
    return await membership(ctx, account, group)


async def leave(ctx: NodeContext, account: Account, group: GroupInfo) -> None:
    if not group.local:
        await follows.unfollow(ctx, account, group.uri)
        return
    assert group.account_id is not None
    async with ctx.db.transaction() as conn:
        if await store.role_of(conn, group.account_id, account.id) == "owner":
            raise ValidationFailed("group", "an owner cannot leave; hand the group over first")
        await store.set_role(conn, group.account_id, account.id, "member")
        await follow_store.delete_local_follow(conn, account.id, group.account_id)


async def invite(ctx: NodeContext, moderator: Account, group: GroupInfo, target: str) -> str:
    """Invite a person (here or elsewhere) to an invite-only group; returns their actor id."""
    await require_moderator(ctx, moderator, group)
    assert group.account_id is not None
    text = target.strip().lstrip("@")
    name, _, host = text.partition("@")
    if not host or host.lower() == ctx.urls.host.lower():
        async with ctx.db.connection() as conn:
            person = await account_store.get_active_account_by_username(conn, name)
        if person is None or person.is_group:
            raise NotFound(f"no one called {target} here")
        uri = ctx.urls.actor(person.username)
    else:
        uri = (await directory.find_actor(ctx, f"@{text}")).uri
    async with ctx.db.transaction() as conn:
        await store.add_invite(conn, group.account_id, uri, moderator.id)
    return uri


async def group_account(ctx: NodeContext, group: GroupInfo) -> Account:
    assert group.account_id is not None
    async with ctx.db.connection() as conn:
        account = await account_store.get_account(conn, AccountId(group.account_id))
    assert account is not None
    return account


async def join_requests(
    ctx: NodeContext, moderator: Account, group: GroupInfo
) -> list[follow_requests.FollowRequest]:
    await require_moderator(ctx, moderator, group)
    return await follow_requests.pending_requests(ctx, await group_account(ctx, group))


async def answer_request(
    ctx: NodeContext, moderator: Account, group: GroupInfo, follow_id: int, *, accept: bool
) -> None:
    """A moderator lets someone in (Accept) or not (Reject), as the group."""
    await require_moderator(ctx, moderator, group)
    account = await group_account(ctx, group)
    if accept:
        await follow_requests.approve(ctx, account, follow_id)
    else:
        await follow_requests.reject(ctx, account, follow_id)


async def set_role(
    ctx: NodeContext, owner: Account, group: GroupInfo, username: str,
    role: Literal["moderator", "member"],
) -> None:  # fmt: skip
    if (await membership(ctx, owner, group)).role != "owner":
        raise Forbidden("only an owner can appoint moderators")
    assert group.account_id is not None
    async with ctx.db.transaction() as conn:
        person = await account_store.get_account_by_username(conn, username)
        if person is None or await thread_store.is_member(conn, group.key, person.id) is not True:
            raise NotFound(f"@{username} is not a member of this group")
        await store.set_role(conn, group.account_id, person.id, role)


async def moderators(ctx: NodeContext, group: GroupInfo) -> list[tuple[str, str]]:
    if group.account_id is None:
        return []
    async with ctx.db.connection() as conn:
        return await store.moderators(conn, group.account_id)


async def members(
    ctx: NodeContext, viewer: Account | None, group: GroupInfo, page: int = 0
) -> list[MemberRow]:
    """The member list, to whom the group's settings allow: everyone who may see the group
    (members only, for a members-only group), or its moderators."""
    if group.account_id is None:
        return []
    mine = await membership(ctx, viewer, group)
    if not mine.moderates and (not group.members_listed or (group.members_only and not
                                                           mine.is_member)):  # fmt: skip
        raise Forbidden("this group's member list is not shown to you")
    async with ctx.db.connection() as conn:
        return await thread_store.members(conn, group.account_id, 50, page * 50)


async def my_groups(ctx: NodeContext, account: Account) -> list[GroupInfo]:
    async with ctx.db.connection() as conn:
        pairs = await store.groups_of_member(conn, account.id)
    found = []
    for local_id, remote_id in pairs:
        if local_id is not None:
            info = await local_group_by_id(ctx, local_id)
        else:
            info = await remote_group_by_id(ctx, remote_id or 0)
        if info is not None:
            found.append(info)
    return found


def may_create_groups(account: Account) -> bool:
    """Whom the web page offers "Create a group" (create_group enforces the same rule)."""
    return not account.is_group and account.role != Role.STUDENT


async def find_group_for(ctx: NodeContext, viewer: Account | None, handle: str) -> GroupInfo:
    """find_group for a web page: only a signed-in person makes us look a group up on another
    server (as search does); for anyone else a group elsewhere must be known here already."""
    if viewer is None and not await _known_here(ctx, handle):
        raise NotFound("sign in to look up groups on other servers")
    return await find_group(ctx, handle)


async def _known_here(ctx: NodeContext, handle: str) -> bool:
    text = handle.strip().lstrip("!@")
    if text.startswith(("http://", "https://")):
        if ctx.urls.username_of_actor(text) is not None:
            return True
        return await directory.cached_actor_by_uri(ctx, text) is not None
    name, _, host = text.partition("@")
    if not host or host.lower() == ctx.urls.host.lower():
        return True
    async with ctx.db.connection() as conn:
        return await actor_store.get_remote_actor_by_handle(conn, name, host) is not None
