"""Discussions in groups for people here: start a thread, reply, read the thread list and a
thread (marking it read), and the moderators' pin, lock and remove.

Posting goes through services.posts with a GroupPlacement, so a group post is an ordinary post
that carries its group: the same visibility rule, timelines, search and API apply to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from federation.render import render_delete
from node.domain.accounts import Account
from node.domain.errors import Forbidden, NotFound
from node.domain.groups import may_post, validate_title
from node.services.groups import groups
from node.services.groups import pins as group_pins
from node.services.groups.groups import GroupInfo
from node.services.kernel import federate
from node.services.kernel.context import NodeContext
from node.services.posts import placement as group_federation
from node.services.posts import posts, timelines
from node.services.posts.as2 import tombstone_to_ap
from node.services.posts.placement import GroupPlacement
from node.services.posts.timelines import PostView
from node.storage.groups import threads as store
from node.storage.groups.threads import ThreadRow
from node.storage.posts import posts as post_store

THREADS_PER_PAGE = 30


@dataclass(frozen=True, slots=True)
class ThreadSummary:
    row: ThreadRow
    first: PostView


@dataclass(frozen=True, slots=True)
class ThreadPage:
    group: GroupInfo
    first: PostView
    replies: list[PostView]
    pinned: bool
    locked: bool
    membership: groups.Membership


def _placement(
    group: GroupInfo, *, title: str | None = None, thread_id: int | None = None
) -> GroupPlacement:
    return GroupPlacement(
        uri=group.uri, acct=group.handle, account_id=group.key.account_id,
        remote_id=group.key.remote_id, members_only=group.members_only, inbox=group.inbox,
        title=title, thread_id=thread_id,
    )  # fmt: skip


async def start_thread(
    ctx: NodeContext, account: Account, group: GroupInfo, title: str, text: str,
    *, summary: str | None = None, media_ids: tuple[int, ...] = (),
) -> int:  # fmt: skip
    """A new thread (a titled `Page`); returns its post id."""
    title = validate_title(title)
    if not may_post(await groups.membership(ctx, account, group), thread_locked=False):
        raise Forbidden("join the group to start a thread")
    post = await posts.create_post(
        ctx, account, text, summary=summary, media_ids=media_ids,
        group=_placement(group, title=title),
    )  # fmt: skip
    await _mark_read(ctx, account, post.id)  # one's own new thread is not news to oneself
    return post.id


async def _mark_read(ctx: NodeContext, account: Account, thread_id: int) -> None:
    async with ctx.db.transaction() as conn:
        await store.mark_read(conn, account.id, thread_id)


async def reply(
    ctx: NodeContext, account: Account, parent_id: int, text: str,
    *, summary: str | None = None, media_ids: tuple[int, ...] = (),
) -> int:  # fmt: skip
    """A reply to a thread or to a reply in it; returns its post id."""
    parent, thread_id, group = await _thread_of(ctx, account, parent_id)
    async with ctx.db.connection() as conn:
        _pinned, locked = await store.thread_flags(conn, thread_id)
    if not may_post(await groups.membership(ctx, account, group), thread_locked=locked):
        raise Forbidden("this thread is locked" if locked else "join the group to reply")
    post = await posts.create_post(
        ctx, account, text, summary=summary, media_ids=media_ids, in_reply_to=parent.uri,
        group=_placement(group, thread_id=thread_id),
    )  # fmt: skip
    await _mark_read(ctx, account, thread_id)
    return post.id


async def _thread_of(
    ctx: NodeContext, viewer: Account | None, post_id: int
) -> tuple[PostView, int, GroupInfo]:
    """(the post, its thread id, its group), if the viewer may see the post."""
    found = await timelines.visible_posts(ctx, viewer, [post_id])
    async with ctx.db.connection() as conn:
        root = await store.thread_root(conn, post_id) if found else None
    if not found or root is None:
        raise NotFound("no such thread")
    thread_id, local_id, remote_id = root
    return found[0], thread_id, await _group_of(ctx, local_id, remote_id)


async def _group_of(ctx: NodeContext, local_id: int | None, remote_id: int | None) -> GroupInfo:
    if local_id is not None:
        group = await groups.local_group_by_id(ctx, local_id)
    else:
        group = await groups.remote_group_by_id(ctx, remote_id or 0)
    if group is None:
        raise NotFound("no such group")
    return group


async def thread_list(
    ctx: NodeContext, viewer: Account | None, group: GroupInfo, page: int = 0
) -> list[ThreadSummary]:
    """Threads the viewer may see, pinned first, then by latest activity."""
    async with ctx.db.connection() as conn:
        rows = await store.threads(
            conn, group.key, viewer.id if viewer else None, THREADS_PER_PAGE,
            page * THREADS_PER_PAGE,
        )  # fmt: skip
    firsts = {p.id: p for p in await timelines.visible_posts(ctx, viewer, [r.id for r in rows])}
    return [ThreadSummary(row, firsts[row.id]) for row in rows if row.id in firsts]


async def thread_page(ctx: NodeContext, viewer: Account | None, thread_id: int) -> ThreadPage:
    """A thread with its replies (oldest first); opening it marks it read for the viewer."""
    first, root_id, group = await _thread_of(ctx, viewer, thread_id)
    if root_id != thread_id:
        raise NotFound("no such thread")
    async with ctx.db.transaction() as conn:
        reply_ids = await store.thread_reply_ids(conn, thread_id, viewer.id if viewer else None)
        pinned, locked = await store.thread_flags(conn, thread_id)
        if viewer is not None:
            await store.mark_read(conn, viewer.id, thread_id)
    replies = sorted(await timelines.visible_posts(ctx, viewer, reply_ids), key=lambda p: p.id)
    mine = await groups.membership(ctx, viewer, group)
    return ThreadPage(group, first, replies, pinned, locked, mine)


async def set_flag(
    ctx: NodeContext, moderator: Account, thread_id: int, flag: str, value: bool
) -> None:
    """Pin or lock a thread in a group here (`flag` is "pinned" or "locked")."""
    _first, root_id, group = await _thread_of(ctx, moderator, thread_id)
    if root_id != thread_id:
        raise NotFound("no such thread")
    await groups.require_moderator(ctx, moderator, group)
    async with ctx.db.transaction() as conn:
        await store.set_thread_flag(conn, thread_id, f"thread_{flag}", value)
        thread = await post_store.get_post(conn, thread_id) if flag == "pinned" else None
        if thread is not None and group.account_id is not None:
            # Lemmy's stickied posts; locks stay local (FEDERATION.md "Groups").
            await group_pins.send_pin(
                ctx, conn, moderator, group.account_id, group.handle, thread, value
            )


async def remove(ctx: NodeContext, moderator: Account, post_id: int) -> GroupInfo:
    """A moderator removes a thread (with its replies) or a reply, everywhere: the group
    announces a `Delete` by the moderator to every member's server (FEP-1b12)."""
    _view, _thread, group = await _thread_of(ctx, moderator, post_id)
    await groups.require_moderator(ctx, moderator, group)
    async with ctx.db.transaction() as conn:
        post = await post_store.get_post(conn, post_id)
        if post is None or group.account_id is None or post.group_account != group.account_id:
            raise NotFound("no such post in this group")
        delete = federate.render_activity(
            ctx, federate.Sender.of(ctx.urls, moderator), render_delete,
            tombstone_to_ap(post.uri), federate.Audience(to=(group.uri,), group=group.uri),
        )  # fmt: skip
        await group_federation.announce(ctx, conn, group.account_id, delete, post)
        await post_store.delete_post(conn, post.id, post.uri)
    return group
