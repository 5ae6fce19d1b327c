"""From a local person: write, edit and delete posts (likes and boosts: services.reactions)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from federation.render import render_create, render_delete, render_update
from federation.sanitize import html_to_text
from node.domain.accounts import Account
from node.domain.errors import NotFound, ValidationFailed
from node.domain.policies import GROUP_VISIBILITY, VISIBILITIES
from node.domain.text import MAX_TEXT
from node.services.kernel import federate
from node.services.kernel.context import NodeContext
from node.services.kernel.federate import Render
from node.services.kernel.surface import notify_mentions_and_reply
from node.services.posts import media, placement
from node.services.posts.as2 import (
    PostExtras,
    load_extras,
    media_to_doc,
    poll_to_doc,
    post_to_ap,
    tombstone_to_ap,
)
from node.services.posts.audience import audience_of
from node.services.posts.compose import Composed, compose
from node.services.posts.media import Upload
from node.services.posts.placement import GroupPlacement
from node.services.posts.polls import PollDraft
from node.services.posts.polls import attach as attach_poll
from node.storage.pool import Conn
from node.storage.posts import extras as extras_store
from node.storage.posts import posts as store
from node.storage.posts.extras import StoredMention
from node.storage.posts.posts import Post, PostFields

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
    uploads: tuple[Upload, ...] = (),
    group: GroupPlacement | None = None,
) -> Post:
    """Store the post (with its images: `uploads` now, `media_ids` uploaded before) and queue
    its `Create` for every recipient's inbox, in one transaction. Nothing is left behind when
    it fails: no post, and no image files."""
    draft = Draft(text, visibility, (summary or "").strip() or None, language or None,
                  local_only, in_reply_to or None)  # fmt: skip
    draft.validate()
    if poll is not None:
        poll.validate()
    composed = await compose(ctx, text)
    files = await media.store_files(ctx, account, uploads)
    try:
        async with ctx.db.transaction() as conn:
            uploaded = await media.insert_uploads(conn, files)
            post, extras = await _write(
                ctx, conn, account, draft, composed, group, poll, (*uploaded, *media_ids)
            )
            note = post_to_ap(ctx.urls, account.username, post, extras)
            await _send(ctx, conn, account, post, extras, render_create, note)
    except BaseException:
        await media.discard_files(ctx, files)
        raise
    return post


async def _write(
    ctx: NodeContext, conn: Conn, account: Account, draft: Draft, composed: Composed,
    group: GroupPlacement | None, poll: PollDraft | None, media_ids: tuple[int, ...],
) -> tuple[Post, PostExtras]:  # fmt: skip
    """The post's row and everything it carries; its extras as written (no reading back)."""
    if group is None and not draft.local_only and draft.visibility != "direct":
        # A post that mentions a group one belongs to (or replies in one) goes into it,
        # as a Mastodon user's does: so apps that only know mentions can post to groups.
        group = await placement.implied_placement(
            conn, ctx.urls, account.id, composed.mentions, draft.in_reply_to, draft.text
        )
    post = await _insert(ctx, conn, account, draft, composed, group)
    mentions = list(composed.mentions)
    if group is not None and all(m.actor_uri != group.uri for m in mentions):
        # Replies from Mastodon reach the group only when it is mentioned (interop §6.2).
        mentions.append(StoredMention(group.uri, group.acct, group.account_id))
    await extras_store.add_mentions(conn, post.id, mentions)
    await extras_store.add_hashtags(conn, post.id, list(composed.rendered.hashtags))
    stored_poll = await attach_poll(conn, post.id, poll) if poll is not None else None
    attached = await media.attach_to_post(conn, account.id, post.id, list(media_ids))
    await notify_mentions_and_reply(conn, post, composed.mentions, from_account=account.id)
    return post, PostExtras(
        mentions=tuple(mentions), hashtags=tuple(composed.rendered.hashtags),
        poll=poll_to_doc(stored_poll) if stored_poll else None,
        media=tuple(media_to_doc(ctx.urls, m) for m in attached),
        group_uri=group.uri if group else None,
        stickied=False if group is not None and group.thread_id is None else None,
    )  # fmt: skip


async def _insert(
    ctx: NodeContext, conn: Conn, account: Account, draft: Draft, composed: Composed,
    group: GroupPlacement | None,
) -> Post:  # fmt: skip
    """The row, with its final id and URL from the start."""
    visibility = GROUP_VISIBILITY if group and group.members_only else draft.visibility
    post_id = await store.next_post_id(conn)
    row = await store.insert_post(conn, PostFields(
        id=post_id, uri=ctx.urls.post(account.username, post_id),
        url=ctx.urls.post_page(account.username, post_id), author_account=account.id,
        content_html=composed.rendered.html, visibility=visibility,
        summary=draft.summary, sensitive=bool(draft.summary), language=draft.language,
        in_reply_to_uri=draft.in_reply_to, local_only=draft.local_only, source_text=draft.text,
        group_account=group.account_id if group else None,
        group_remote=group.remote_id if group else None,
        title=group.title if group else None, thread_id=group.thread_id if group else None,
    ))  # fmt: skip
    assert row is not None  # a new id cannot conflict
    return row


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
        await placement.announce(ctx, conn, post.group_account, activity, post)


async def own_post_source(ctx: NodeContext, account: Account, post_id: int) -> tuple[Post, str]:
    """A post of yours and the text you wrote, for the edit form."""
    async with ctx.db.connection() as conn:
        post = await _own_post(conn, account, post_id)
        source = await store.source_text(conn, post.id)
    return post, source or ""


async def source_of(ctx: NodeContext, post_id: int, content_html: str) -> str:
    """What the author typed, for anyone who may see the post (callers check that first, as
    Mastodon's `GET /api/v1/statuses/:id/source` does): the stored source of a post written
    here, else its HTML as plain text (a post from elsewhere has no source here)."""
    async with ctx.db.connection() as conn:
        source = await store.source_text(conn, post_id)
    return source if source is not None else html_to_text(content_html)


async def edit_history(conn_ctx: NodeContext, post_id: int) -> list[extras_store.Edit]:
    """Earlier versions, oldest first. Callers check the viewer may see the post first."""
    async with conn_ctx.db.connection() as conn:
        return await extras_store.edits_of(conn, post_id)
