"""From a local person: write, edit and delete posts (likes and boosts: services.reactions)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from federation.render import render_create, render_delete, render_update
from node.domain.accounts import Account
from node.domain.errors import NotFound, ValidationFailed
from node.domain.policies import GROUP_VISIBILITY, VISIBILITIES
from node.domain.text import MAX_TEXT
from node.services.kernel import federate
from node.services.kernel.context import NodeContext
from node.services.kernel.federate import Render
from node.services.posts import placement as group_federation
from node.services.posts.as2 import (
    PostExtras,
    load_extras,
    post_to_ap,
    tombstone_to_ap,
)
from node.services.posts.audience import audience_of
from node.services.posts.compose import Composed, compose
from node.services.posts.media import attach_to_post
from node.services.posts.placement import GroupPlacement
from node.services.posts.polls import PollDraft
from node.services.posts.polls import attach as attach_poll
from node.storage.pool import Conn
from node.storage.posts import extras as extras_store
from node.storage.posts import posts as store
from node.storage.posts.extras import StoredMention
from node.storage.posts.posts import Post, PostFields
from node.storage.social import notifications

MAX_SUMMARY = 500


class Keep(enum.Enum):
    """An edit that leaves a field as it is."""

    SAME = "same"


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    visibility: str = "public"
    summary: str | None = None
    language: str | None = None
    local_only: bool = False
    in_reply_to: str | None = None

    def validate(self) -> None:
        if not self.text.strip() or len(self.text) > MAX_TEXT:
            raise ValidationFailed("text", f"write between 1 and {MAX_TEXT} characters")
        if self.visibility not in VISIBILITIES:
            raise ValidationFailed("visibility", f"choose one of {', '.join(VISIBILITIES)}")
        if self.summary and len(self.summary) > MAX_SUMMARY:
            raise ValidationFailed("summary", f"keep the content warning under {MAX_SUMMARY}")
        if self.language and not (2 <= len(self.language) <= 8 and self.language.isascii()):
            raise ValidationFailed("language", "use a language code such as en or fr")


async def create_post(
    ctx: NodeContext,
    account: Account,
    text: str,
    *,
    visibility: str = "public",
    summary: str | None = None,
    in_reply_to: str | None = None,
    language: str | None = None,
    local_only: bool = False,
    poll: PollDraft | None = None,
    media_ids: tuple[int, ...] = (),
    group: GroupPlacement | None = None,
) -> Post:
    """Store the post and queue its `Create` for every recipient's inbox, in one transaction."""
    draft = Draft(text, visibility, (summary or "").strip() or None, language or None,
                  local_only, in_reply_to or None)  # fmt: skip
    draft.validate()
    if poll is not None:
        poll.validate()
    composed = await compose(ctx, text)
    async with ctx.db.transaction() as conn:
        if group is None and not local_only and draft.visibility != "direct":
            # A post that mentions a group one belongs to (or replies in one) goes into it,
            # as a Mastodon user's does: so apps that only know mentions can post to groups.
            group = await group_federation.implied_placement(
                conn, ctx.urls, account.id, composed.mentions, draft.in_reply_to, text
            )
        post = await _insert(ctx, conn, account, draft, composed, group)
        if poll is not None:
            await attach_poll(conn, post.id, poll)
        if media_ids:
            await attach_to_post(conn, account.id, post.id, list(media_ids))
        await _notify_recipients(conn, account, post, composed)
        extras = await load_extras(conn, post, ctx.urls)
        note = post_to_ap(ctx.urls, account.username, post, extras)
        await _send(ctx, conn, account, post, extras, render_create, note)
    return post


async def _insert(
    ctx: NodeContext, conn: Conn, account: Account, draft: Draft, composed: Composed,
    group: GroupPlacement | None,
) -> Post:  # fmt: skip
    visibility = GROUP_VISIBILITY if group and group.members_only else draft.visibility
    row = await store.insert_post(conn, PostFields(
        uri=f"urn:commonroom:draft:{ctx.urls.new_activity()}", author_account=account.id,
        content_html=composed.rendered.html, visibility=visibility,
        summary=draft.summary, sensitive=bool(draft.summary), language=draft.language,
        in_reply_to_uri=draft.in_reply_to, local_only=draft.local_only, source_text=draft.text,
        group_account=group.account_id if group else None,
        group_remote=group.remote_id if group else None,
        title=group.title if group else None, thread_id=group.thread_id if group else None,
    ))  # fmt: skip
    assert row is not None
    post = await store.set_local_uri(
        conn, row.id, ctx.urls.post(account.username, row.id),
        ctx.urls.post_page(account.username, row.id),
    )  # fmt: skip
    mentions = list(composed.mentions)
    if group is not None and all(m.actor_uri != group.uri for m in mentions):
        # Replies from Mastodon reach the group only when it is mentioned (interop §6.2).
        mentions.append(StoredMention(group.uri, group.acct, group.account_id))
    await extras_store.add_mentions(conn, post.id, mentions)
    await extras_store.add_hashtags(conn, post.id, list(composed.rendered.hashtags))
    return post


async def _notify_recipients(conn: Conn, account: Account, post: Post, composed: Composed) -> None:
    for mention in composed.mentions:
        if mention.account_id is not None:
            await notifications.notify(conn, mention.account_id, "mention",
                                       from_account=account.id, post_id=post.id)  # fmt: skip
    if post.in_reply_to_id is not None:
        parent = await store.get_post(conn, post.in_reply_to_id)
        if parent is not None and parent.author_account is not None:
            await notifications.notify(conn, parent.author_account, "reply",
                                       from_account=account.id, post_id=post.id)  # fmt: skip


async def edit_post(
    ctx: NodeContext, account: Account, post_id: int, text: str,
    summary: str | Keep | None = Keep.SAME,
) -> Post:  # fmt: skip
    """New text (and, when given, a new content warning; "" removes it), federated as
    `Update`; the earlier version is kept for the history."""
    Draft(text, summary=summary if isinstance(summary, str) else None).validate()
    composed = await compose(ctx, text)
    async with ctx.db.transaction() as conn:
        post = await _own_post(conn, account, post_id)
        warning = post.summary if summary is Keep.SAME else (summary or "").strip() or None
        await extras_store.record_edit(conn, post.id, post.content_html, post.summary)
        updated = await store.update_post_content(
            conn, post.id, composed.rendered.html, warning,
            post.sensitive if summary is Keep.SAME else bool(warning),
            datetime.now(UTC), source_text=text,
        )  # fmt: skip
        assert updated is not None
        await extras_store.add_mentions(conn, post.id, composed.mentions)
        await extras_store.clear_hashtags(conn, post.id)
        await extras_store.add_hashtags(conn, post.id, list(composed.rendered.hashtags))
        extras = await load_extras(conn, updated, ctx.urls)
        note = post_to_ap(ctx.urls, account.username, updated, extras)
        await _send(ctx, conn, account, updated, extras, render_update, note)
    return updated


async def delete_post(ctx: NodeContext, account: Account, post_id: int) -> None:
    async with ctx.db.transaction() as conn:
        post = await _own_post(conn, account, post_id)
        extras = await load_extras(conn, post, ctx.urls)
        # Addressed and delivered before the row goes, to the same servers as the Create.
        await _send(ctx, conn, account, post, extras, render_delete, tombstone_to_ap(post.uri))
        await store.delete_post(conn, post.id, post.uri)


async def _own_post(conn: Conn, account: Account, post_id: int) -> Post:
    post = await store.get_post(conn, post_id)
    if post is None or post.author_account != account.id:
        raise NotFound("no such post of yours")
    return post


async def _send(
    ctx: NodeContext, conn: Conn, account: Account, post: Post, extras: PostExtras,
    render: Render[Any], obj: Any,
) -> None:  # fmt: skip
    audience = await audience_of(ctx, conn, account, post, extras)
    activity = await federate.send(ctx, conn, federate.Sender.of(ctx.urls, account), render, obj,
                                   audience, local_only=post.local_only)  # fmt: skip
    if activity is not None and post.group_account is not None:
        # Our own group: it announces the activity to its members (FEP-1b12).
        await group_federation.announce(ctx, conn, post.group_account, activity, post)


async def own_post_source(ctx: NodeContext, account: Account, post_id: int) -> tuple[Post, str]:
    """A post of yours and the text you wrote, for the edit form."""
    async with ctx.db.connection() as conn:
        post = await _own_post(conn, account, post_id)
        source = await store.source_text(conn, post.id)
    return post, source or ""


async def edit_history(conn_ctx: NodeContext, post_id: int) -> list[extras_store.Edit]:
    """Earlier versions, oldest first. Callers check the viewer may see the post first."""
    async with conn_ctx.db.connection() as conn:
        return await extras_store.edits_of(conn, post_id)
