"""From a local person: write, edit and delete posts; like and boost others' posts."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from federation.render import (
    render_announce,
    render_create,
    render_delete,
    render_like,
    render_update,
)
from federation.render_docs import ActivityDoc
from federation.vocab import PUBLIC
from node.domain.accounts import Account
from node.domain.errors import NotFound, ValidationFailed
from node.services import federate
from node.services.context import NodeContext
from node.services.documents import post_audience, post_to_ap, tombstone_to_ap
from node.storage import follows as follow_store
from node.storage import posts as store
from node.storage.pool import Conn
from node.storage.posts import Post, PostFields

MAX_LENGTH = 5000
VISIBILITIES = ("public", "unlisted", "followers", "direct")


def text_to_html(text: str) -> str:
    """Plain text as paragraphs; Markdown, mentions and links arrive with the posting issue."""
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


async def create_post(
    ctx: NodeContext,
    account: Account,
    text: str,
    *,
    visibility: str = "public",
    summary: str | None = None,
    in_reply_to: str | None = None,
) -> Post:
    """Store the post and queue `Create` for every follower's inbox, in one transaction."""
    if not text.strip() or len(text) > MAX_LENGTH:
        raise ValidationFailed("text", f"write between 1 and {MAX_LENGTH} characters")
    if visibility not in VISIBILITIES:
        raise ValidationFailed("visibility", f"choose one of {', '.join(VISIBILITIES)}")
    async with ctx.db.transaction() as conn:
        draft = await store.insert_post(conn, PostFields(
            uri=f"urn:commonroom:draft:{ctx.urls.new_activity()}", author_account=account.id,
            content_html=text_to_html(text), visibility=visibility, summary=summary or None,
            sensitive=bool(summary), in_reply_to_uri=in_reply_to,
        ))  # fmt: skip
        assert draft is not None
        post = await store.set_local_uri(
            conn, draft.id, ctx.urls.post(account.username, draft.id),
            ctx.urls.post_page(account.username, draft.id),
        )  # fmt: skip
        note = post_to_ap(ctx.urls, account.username, post)
        await _send(ctx, conn, account, post, render_create, note)
    return post


async def edit_post(ctx: NodeContext, account: Account, post_id: int, text: str) -> Post:
    async with ctx.db.transaction() as conn:
        post = await _own_post(conn, account, post_id)
        updated = await store.update_post_content(
            conn, post.id, text_to_html(text), post.summary, post.sensitive, datetime.now(UTC)
        )
        assert updated is not None
        note = post_to_ap(ctx.urls, account.username, updated)
        await _send(ctx, conn, account, updated, render_update, note)
    return updated


async def delete_post(ctx: NodeContext, account: Account, post_id: int) -> None:
    async with ctx.db.transaction() as conn:
        post = await _own_post(conn, account, post_id)
        await store.delete_post(conn, post.id, post.uri)
        await _send(ctx, conn, account, post, render_delete, tombstone_to_ap(post.uri))


async def _own_post(conn: Conn, account: Account, post_id: int) -> Post:
    post = await store.get_post(conn, post_id)
    if post is None or post.author_account != account.id:
        raise NotFound("no such post of yours")
    return post


async def _send(
    ctx: NodeContext, conn: Conn, account: Account, post: Post,
    render: Callable[[ActivityDoc, Any], dict[str, Any]], obj: Any,
) -> None:  # fmt: skip
    to, cc = post_audience(ctx.urls, account.username, post)
    meta = ActivityDoc(id=ctx.urls.new_activity(), actor=ctx.urls.actor(account.username),
                       to=to, cc=cc)  # fmt: skip
    inboxes = await follow_store.follower_inboxes(conn, account.id)
    if post.visibility == "direct":
        inboxes = []  # mentions arrive with the posting issue; nobody else may receive it
    await federate.enqueue(conn, render(meta, obj), account_id=account.id, inboxes=inboxes)


async def like(ctx: NodeContext, account: Account, post_uri: str) -> None:
    await _react(ctx, account, post_uri, "likes")


async def boost(ctx: NodeContext, account: Account, post_uri: str) -> None:
    await _react(ctx, account, post_uri, "boosts")


async def _react(ctx: NodeContext, account: Account, post_uri: str, table: str) -> None:
    me = ctx.urls.actor(account.username)
    activity_id = ctx.urls.new_activity()
    async with ctx.db.transaction() as conn:
        post = await store.get_post_by_uri(conn, post_uri)
        if post is None or post.visibility not in {"public", "unlisted"}:
            raise NotFound("no such post")
        if not await store.add_reaction(conn, table, post.id, activity_id, account_id=account.id):
            return
        inboxes = []
        author_inbox = await follow_store.remote_author_inbox(conn, post.id)
        if author_inbox:
            inboxes.append(author_inbox)
        if table == "likes":
            activity = render_like(ActivityDoc(id=activity_id, actor=me), post.uri)
        else:
            inboxes += await follow_store.follower_inboxes(conn, account.id)
            meta = ActivityDoc(id=activity_id, actor=me, to=(PUBLIC,),
                               cc=(ctx.urls.followers(account.username),))  # fmt: skip
            activity = render_announce(meta, post.uri)
        await federate.enqueue(conn, activity, account_id=account.id, inboxes=inboxes)
