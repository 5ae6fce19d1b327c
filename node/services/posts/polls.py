"""Polls: attach one to a post, vote (here or on another server), close them when time is up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from federation.render import render_create, render_update
from node.domain.accounts import Account, AccountId
from node.domain.errors import NotFound, ValidationFailed
from node.services.kernel import federate
from node.services.kernel.context import NodeContext
from node.services.posts.as2 import load_extras, post_to_ap
from node.services.posts.audience import audience_of
from node.services.posts.visible import visible_post
from node.storage.accounts import accounts as account_store
from node.storage.pool import Conn
from node.storage.posts import polls as store
from node.storage.posts import posts as post_store
from node.storage.posts.polls import Poll
from node.storage.social import notifications

MIN_DURATION = timedelta(minutes=5)
MAX_DURATION = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class PollDraft:
    options: tuple[str, ...]
    multiple: bool = False
    duration: timedelta = timedelta(days=1)

    def validate(self) -> None:
        options = [o.strip() for o in self.options if o.strip()]
        if not 2 <= len(options) <= 4:
            raise ValidationFailed("poll", "a poll needs 2 to 4 choices")
        if any(len(o) > 100 for o in options) or len(set(options)) != len(options):
            raise ValidationFailed("poll", "choices must differ and be under 100 characters")
        if not MIN_DURATION <= self.duration <= MAX_DURATION:
            raise ValidationFailed("poll", "a poll runs from 5 minutes to 30 days")


async def attach(conn: Conn, post_id: int, draft: PollDraft) -> Poll:
    """Store the poll of a new post; returns it as stored (no votes yet)."""
    options = [o.strip() for o in draft.options if o.strip()]
    ends_at = datetime.now(UTC) + draft.duration
    await store.insert_poll(conn, post_id, options, draft.multiple, ends_at)
    return Poll(post_id, draft.multiple, ends_at, None, 0, options, [0] * len(options))


async def vote(ctx: NodeContext, account: Account, post_id: int, choices: list[int]) -> Poll:
    async with ctx.db.transaction() as conn:
        post = await visible_post(conn, account, post_id, what="poll")
        poll = (await store.polls_for(conn, [post_id])).get(post_id)
        if poll is None:
            raise NotFound("no such poll")
        _check_choices(poll, choices)
        if await store.has_voted(conn, post_id, account.id, None):
            raise ValidationFailed("poll", "you have already voted")
        await store.add_votes(conn, post_id, choices, account_id=account.id)
        if post.author_account is not None:
            return await store.recount(conn, post_id)
        # A remote poll: one Create(Note{name, inReplyTo}) per choice to its author (docs "Polls").
        author_uri = await account_store.remote_uri(conn, post.author_remote or 0)
        me = federate.Sender.of(ctx.urls, account)
        for choice in choices:
            note = {
                "id": ctx.urls.new_activity(),
                "type": "Note",
                "attributedTo": me.uri,
                "name": poll.options[choice],
                "inReplyTo": post.uri,
                "to": [author_uri],
            }
            await federate.send(ctx, conn, me, render_create, note,
                                federate.Audience.person(author_uri))  # fmt: skip
        counts = [c + (1 if i in choices else 0) for i, c in enumerate(poll.counts)]
        await store.insert_poll(conn, post_id, poll.options, poll.multiple, poll.ends_at,
                                counts, poll.voters_count + 1, poll.closed_at)  # fmt: skip
        return (await store.polls_for(conn, [post_id]))[post_id]


def _check_choices(poll: Poll, choices: list[int]) -> None:
    if poll.closed_at or (poll.ends_at and poll.ends_at <= datetime.now(UTC)):
        raise ValidationFailed("poll", "this poll has closed")
    if not choices or any(not 0 <= c < len(poll.options) for c in choices):
        raise ValidationFailed("poll", "choose one of the options")
    if len(set(choices)) > 1 and not poll.multiple:
        raise ValidationFailed("poll", "this poll takes one choice")


async def record_remote_vote(
    conn: Conn, post_id: int, option_name: str, remote_id: int, activity_uri: str
) -> bool:
    """A vote from another server on one of our polls; False if it is not a valid vote."""
    poll = (await store.polls_for(conn, [post_id])).get(post_id)
    if poll is None or poll.closed_at or option_name not in poll.options:
        return False
    choice = poll.options.index(option_name)
    if not poll.multiple and await store.has_voted(conn, post_id, None, remote_id):
        return False
    await store.add_votes(conn, post_id, [choice], remote_id=remote_id, activity_uri=activity_uri)
    await store.recount(conn, post_id)
    return True


async def close_due(ctx: NodeContext) -> int:
    """Close our polls whose time is up, tell their author and voters, send the final counts."""
    async with ctx.db.transaction() as conn:
        closed = await store.close_due(conn, datetime.now(UTC))
        for post_id in closed:
            post = await post_store.get_post(conn, post_id)
            if post is None or post.author_account is None:
                continue
            for voter in {post.author_account, *await store.voter_accounts(conn, post_id)}:
                await notifications.notify(conn, voter, "poll", post_id=post_id)
            author = await account_store.get_account(conn, AccountId(post.author_account))
            if author is None:
                continue
            extras = await load_extras(conn, post, ctx.urls)
            question = post_to_ap(ctx.urls, author.username, post, extras)
            audience = await audience_of(ctx, conn, author, post, extras)
            await federate.send(ctx, conn, federate.Sender.of(ctx.urls, author), render_update,
                                question, audience, local_only=post.local_only)  # fmt: skip
    return len(closed)


@dataclass(frozen=True, slots=True)
class PollView:
    poll: Poll
    my_choices: frozenset[int]

    @property
    def closed(self) -> bool:
        return self.poll.closed_at is not None or (
            self.poll.ends_at is not None and self.poll.ends_at <= datetime.now(UTC)
        )

    def percent(self, index: int) -> int:
        total = sum(self.poll.counts)
        return round(100 * self.poll.counts[index] / total) if total else 0


async def polls_for_posts(
    ctx: NodeContext, account: Account | None, post_ids: list[int]
) -> dict[int, PollView]:
    async with ctx.db.connection() as conn:
        found = await store.polls_for(conn, post_ids)
        mine = await store.votes_of(conn, list(found), account.id) if account and found else {}
    return {pid: PollView(poll, frozenset(mine.get(pid, set()))) for pid, poll in found.items()}
