"""Conversations: a person's direct messages, one entry per thread (Mastodon's
/api/v1/conversations), derived from the posts themselves.

A conversation holds the mentioned-only posts of one thread that the person wrote or is
mentioned in, and may see (the same visibility rule as everywhere; blocks included). Its id is
the thread's root post; its people are everyone who wrote or is mentioned in those posts,
except the person; it is unread while someone else has posted in it since the person last
read it. Deleting one hides it until someone posts in it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from node.domain.accounts import Account
from node.domain.errors import NotFound
from node.services.kernel.context import NodeContext
from node.storage.pool import Conn
from node.storage.social import conversations as store

PAGE = 20

__all__ = ["PAGE", "ConversationView", "hide", "list_conversations", "mark_read"]


@dataclass(frozen=True, slots=True)
class ConversationView:
    id: int
    last_post_id: int
    unread: bool
    accounts: tuple[int, ...]  # people here, by account id
    remotes: tuple[int, ...]  # people elsewhere, by remote actor id


async def list_conversations(
    ctx: NodeContext, account: Account, max_id: int | None = None
) -> list[ConversationView]:
    """One page, by newest post first; `max_id` is a last post's id (how Mastodon pages)."""
    async with ctx.db.connection() as conn:
        found = await store.list_conversations(conn, account.id, PAGE, max_id)
        return await _views(conn, account, found)


async def _views(
    conn: Conn, account: Account, found: list[store.Conversation]
) -> list[ConversationView]:
    ids = [post_id for c in found for post_id in c.post_ids]
    people = await store.participants(conn, ids) if ids else []
    views = []
    for conversation in found:
        mine = set(conversation.post_ids)
        here = {p.account_id for p in people if p.post_id in mine and p.account_id}
        there = {p.remote_id for p in people if p.post_id in mine and p.remote_id}
        here.discard(account.id)
        views.append(ConversationView(
            conversation.root, conversation.last_id, conversation.unread,
            tuple(sorted(here)), tuple(sorted(there)),
        ))  # fmt: skip
    return views


async def _one(conn: Conn, account: Account, conversation_id: int) -> store.Conversation:
    found = await store.list_conversations(conn, account.id, 1, None, root=conversation_id)
    if not found:
        raise NotFound("Record not found")
    return found[0]


async def mark_read(ctx: NodeContext, account: Account, conversation_id: int) -> ConversationView:
    async with ctx.db.transaction() as conn:
        current = await _one(conn, account, conversation_id)
        await store.mark(conn, account.id, current.root, read_up_to=current.last_id)
        return (await _views(conn, account, [await _one(conn, account, conversation_id)]))[0]


async def hide(ctx: NodeContext, account: Account, conversation_id: int) -> None:
    """Remove a conversation from the list (the posts stay); a newer post brings it back."""
    async with ctx.db.transaction() as conn:
        current = await _one(conn, account, conversation_id)
        await store.mark(conn, account.id, current.root, hidden_up_to=current.last_id)
