"""Where a post goes in a group (FEP-1b12), and how our groups speak for their members.

- A post is placed in a group: a local person's by `implied_placement` (the thread it replies
  in, or a group it mentions), a remote one by `place` (its parent's thread, or the group it is
  addressed to, if the author is a member).
- A group here speaks for its members: it wraps each accepted activity, unchanged, in an
  `Announce` to its followers' servers (`announce`, `relay`), and, for public threads, also
  announces the post's id so Mastodon followers see it as a boost (interop brief §6.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from federation.parse_types import Object
from federation.render import render_announce
from federation.sanitize import html_to_text
from federation.vocab import PUBLIC, is_public
from node.domain.accounts import AccountId
from node.domain.groups import title_from_text
from node.domain.policies import GROUP_VISIBILITY
from node.domain.urls import Urls
from node.services.kernel import federate
from node.services.kernel.context import NodeContext
from node.services.kernel.federate import Audience, Sender
from node.storage.accounts import accounts as account_store
from node.storage.actors import remote_actors as actor_store
from node.storage.actors.remote_actors import RemoteActor
from node.storage.groups import groups as group_store
from node.storage.groups import threads as thread_store
from node.storage.groups.threads import GroupKey
from node.storage.pool import Conn
from node.storage.posts import posts as post_store
from node.storage.posts.extras import StoredMention
from node.storage.posts.posts import Post


@dataclass(frozen=True, slots=True)
class GroupPlacement:
    """Where a group post goes (FEP-1b12): a group here (the group announces it to its
    members) or elsewhere (sent to the group's inbox, which announces it)."""

    uri: str
    acct: str
    account_id: int | None
    remote_id: int | None
    members_only: bool
    inbox: str | None = None
    title: str | None = None  # a new thread
    thread_id: int | None = None  # a reply's thread


@dataclass(frozen=True, slots=True)
class Author:
    """Who writes a post being placed: one of our people, or someone elsewhere."""

    account_id: int | None = None
    remote_id: int | None = None


async def implied_placement(
    conn: Conn, urls: Urls, author_id: int, mentions: Sequence[StoredMention],
    in_reply_to: str | None, text: str,
) -> GroupPlacement | None:  # fmt: skip
    """The group a local person's post belongs to without saying so: the thread it replies
    in, or a group it mentions (a new thread titled by its first line). Members only."""
    author = Author(account_id=author_id)
    if in_reply_to is not None:
        parent = await post_store.get_post_by_uri(conn, in_reply_to)
        if parent is None:
            return None
        return await _in_thread(conn, urls, parent, author, parent.visibility == "group")
    for mention in mentions:
        found = await _named_group(conn, urls, mention.actor_uri, author)
        if found is not None:
            return replace(found, title=title_from_text(text))
    return None


async def place(
    ctx: NodeContext, conn: Conn, note: Object, author: RemoteActor, visibility: str
) -> GroupPlacement | None:
    """The group a post from elsewhere belongs to, if any: its parent's group for a reply,
    else the group it is addressed to (`audience`, `to`, `cc`, or a mention, as Mastodon users
    post). Only a member's post goes into a group here."""
    writer = Author(remote_id=author.id)
    public = visibility in ("public", "unlisted")
    parent = await post_store.get_post_by_uri(conn, note.in_reply_to) if note.in_reply_to else None
    if parent is not None:
        return await _in_thread(conn, ctx.urls, parent, writer, not public)
    addressed = (*note.audience, *note.to, *note.cc, *(m.href for m in note.mentions))
    # Skip what cannot be a group: the public collection and the author's followers.
    candidates = [a for a in dict.fromkeys(addressed)
                  if not is_public(a) and a != author.followers_uri]  # fmt: skip
    for uri in candidates:
        found = await _named_group(conn, ctx.urls, uri, writer)
        if found is not None:
            title = note.name or title_from_text(html_to_text(note.content))
            return replace(found, title=title[:200], members_only=found.members_only or not public)
    return None


async def _in_thread(
    conn: Conn, urls: Urls, parent: Post, author: Author, members_only: bool
) -> GroupPlacement | None:
    """A reply's place: the thread its parent is in, unless the thread is locked by one of
    our groups or the author is not a member."""
    root = await thread_store.thread_root(conn, parent.id)
    if root is None:
        return None
    thread_id, local_id, remote_id = root
    _pinned, locked = await thread_store.thread_flags(conn, thread_id)
    if locked and local_id is not None:
        return None  # locks are kept by our own groups (FEDERATION.md "Groups")
    key = GroupKey(local_id, remote_id)
    group = await _group(conn, urls, key)
    if group is None or not await _is_member(conn, key, author):
        return None
    return replace(group, thread_id=thread_id, members_only=members_only)


async def _named_group(conn: Conn, urls: Urls, uri: str, author: Author) -> GroupPlacement | None:
    """The group an actor id names, here or elsewhere, if the author is a member of it."""
    username = urls.username_of_actor(uri)
    if username is not None:
        row = await group_store.get_group_by_username(conn, username)
        key = GroupKey(row.account_id if row else None, None)
    else:
        actor = await actor_store.get_remote_actor_by_uri(conn, uri)
        key = GroupKey(None, actor.id if actor else None)
    group = await _group(conn, urls, key)
    if group is None or not await _is_member(conn, key, author):
        return None
    return group


async def _group(conn: Conn, urls: Urls, key: GroupKey) -> GroupPlacement | None:
    if key.account_id is not None:
        group = await group_store.get_group(conn, key.account_id)
        if group is None:
            return None
        return GroupPlacement(urls.actor(group.username), group.username, key.account_id, None,
                              group.settings.members_only)  # fmt: skip
    actor = await actor_store.get_remote_actor(conn, key.remote_id or 0)
    if actor is None or actor.actor_type != "Group":
        return None
    members_only = await actor_store.raw_flag(conn, actor.id, "membersOnly")
    return GroupPlacement(actor.uri, actor.handle, None, actor.id, members_only, actor.inbox)


async def _is_member(conn: Conn, key: GroupKey, author: Author) -> bool:
    if author.account_id is not None:
        return bool(await thread_store.is_member(conn, key, author.account_id))
    if key.account_id is None:
        return True  # a group elsewhere keeps its own members: what it relays is its word
    return await thread_store.is_remote_member(conn, key.account_id, author.remote_id or 0)


async def group_uri(conn: Conn, urls: Urls, post: Post) -> str | None:
    """The actor id of the group a post is in (None outside groups)."""
    if post.group_account is not None:
        account = await account_store.get_account(conn, AccountId(post.group_account))
        return urls.actor(account.username) if account else None
    if post.group_remote is not None:
        return await account_store.remote_uri(conn, post.group_remote)
    return None


async def announce(
    ctx: NodeContext, conn: Conn, group_account: int, activity: dict[str, Any], post: Post
) -> None:
    """Queue the group's `Announce` of a member's activity to every member's server (nothing
    for a post that stays on this node)."""
    group = await account_store.get_account(conn, AccountId(group_account))
    if group is None:
        return
    sender = Sender.of(ctx.urls, group)
    followers = ctx.urls.followers(group.username)
    inner = {key: value for key, value in activity.items() if key != "@context"}
    to, cc = _announce_audience(post.visibility, followers)
    audience = Audience(to=to, cc=cc, followers=True, group=sender.uri)
    await federate.send(ctx, conn, sender, render_announce, inner, audience,
                        local_only=post.local_only)  # fmt: skip
    if post.visibility == "public" and inner.get("type") == "Create" and post.thread_id is None:
        # Mastodon ignores Announce{Create}; a boost of the post's id is what it shows.
        boost = Audience(to=(PUBLIC,), cc=(followers,), followers=True)
        await federate.send(ctx, conn, sender, render_announce, post.uri, boost,
                            local_only=post.local_only)  # fmt: skip


def _announce_audience(visibility: str, followers: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Public and unlisted posts are announced as Mastodon addresses them; anything else only
    to the group's followers (members-only groups never reach Public)."""
    if visibility == "public":
        return (PUBLIC,), (followers,)
    if visibility == "unlisted":
        return (followers,), (PUBLIC,)
    return (followers,), ()


def stored_visibility(visibility: str, placement: GroupPlacement | None) -> str:
    if placement is not None and placement.members_only:
        return GROUP_VISIBILITY
    return "direct" if visibility == "limited" else visibility


async def relay(ctx: NodeContext, conn: Conn, post: Post | None, activity: dict[str, Any]) -> None:
    """Our group passes a member's activity, exactly as it arrived, on to every member's server."""
    if post is not None and post.group_account is not None:
        await announce(ctx, conn, post.group_account, activity, post)
