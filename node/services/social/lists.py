"""A person's lists: named subsets of the people they follow, each with its own timeline.

Mastodon's rules: a list belongs to one person and no one else sees it (someone else's list is
"not found", never "forbidden"); only people you follow (or asked to follow) can be put on
one; the list timeline shows members' posts under the home timeline's visibility rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from node.domain.accounts import Account
from node.domain.errors import Conflict, NotFound, ValidationFailed
from node.services.kernel.context import NodeContext
from node.storage.pool import Conn
from node.storage.posts import timelines as timeline_store
from node.storage.posts.timelines import PostView
from node.storage.social import lists as store
from node.storage.social.lists import Member, PersonList

PAGE = 20
MAX_LISTS = 50  # Mastodon's limit per person
MAX_TITLE = 256
REPLIES_POLICIES = ("followed", "list", "none")

__all__ = ["MAX_LISTS", "PAGE", "Member", "PersonList", "Someone"]


@dataclass(frozen=True, slots=True)
class Someone:
    """A person by id: here (`account_id`) or elsewhere (`remote_id`); exactly one is set."""

    account_id: int | None = None
    remote_id: int | None = None


def _checked(title: str | None, replies_policy: str | None) -> tuple[str, str]:
    text = (title or "").strip()
    if not text:
        raise ValidationFailed("title", "Title can't be blank")
    if len(text) > MAX_TITLE:
        raise ValidationFailed("title", f"Title is too long (at most {MAX_TITLE} characters)")
    policy = replies_policy or "list"
    if policy not in REPLIES_POLICIES:
        raise ValidationFailed("replies_policy", f"{policy[:40]!r} is not a replies policy")
    return text, policy


async def create_list(
    ctx: NodeContext, account: Account, title: str | None, *,
    replies_policy: str | None = None, exclusive: bool = False,
) -> PersonList:  # fmt: skip
    text, policy = _checked(title, replies_policy)
    async with ctx.db.transaction() as conn:
        if await store.count_lists(conn, account.id) >= MAX_LISTS:
            raise ValidationFailed("lists", f"you can have at most {MAX_LISTS} lists")
        return await store.create_list(conn, account.id, text, policy, exclusive)


async def get_list(ctx: NodeContext, account: Account, list_id: int) -> PersonList:
    async with ctx.db.connection() as conn:
        return await _own(conn, account, list_id)


async def _own(conn: Conn, account: Account, list_id: int) -> PersonList:
    found = await store.get_list(conn, account.id, list_id)
    if found is None:
        raise NotFound("Record not found")
    return found


async def all_lists(ctx: NodeContext, account: Account) -> list[PersonList]:
    async with ctx.db.connection() as conn:
        return await store.all_lists(conn, account.id)


async def update_list(
    ctx: NodeContext, account: Account, list_id: int, *, title: str | None = None,
    replies_policy: str | None = None, exclusive: bool | None = None,
) -> PersonList:  # fmt: skip
    """Change what is given; what is not given stays as it was."""
    async with ctx.db.transaction() as conn:
        current = await _own(conn, account, list_id)
        text, policy = _checked(
            current.title if title is None else title, replies_policy or current.replies_policy
        )
        keep = current.exclusive if exclusive is None else exclusive
        updated = await store.update_list(conn, account.id, list_id, text, policy, keep)
    if updated is None:
        raise NotFound("Record not found")
    return updated


async def delete_list(ctx: NodeContext, account: Account, list_id: int) -> None:
    async with ctx.db.transaction() as conn:
        if not await store.delete_list(conn, account.id, list_id):
            raise NotFound("Record not found")


async def members(
    ctx: NodeContext, account: Account, list_id: int, *, limit: int | None,
    max_id: int | None = None,
) -> list[Member]:  # fmt: skip
    async with ctx.db.connection() as conn:
        await _own(conn, account, list_id)
        return await store.members(conn, list_id, limit, max_id)


async def add_members(
    ctx: NodeContext, account: Account, list_id: int, people: Sequence[Someone]
) -> None:
    """Put people on the list, all or none: NotFound when one of them is not followed,
    Conflict when one is already there (Mastodon's 404 and 422)."""
    async with ctx.db.transaction() as conn:
        await _own(conn, account, list_id)
        for person in people:
            follow_id = await store.follow_of(
                conn, account.id, followee_account=person.account_id,
                followee_remote=person.remote_id,
            )  # fmt: skip
            if follow_id is None:
                raise NotFound("Record not found")
            if not await store.add_member(conn, list_id, follow_id):
                raise Conflict("account", "Account has already been taken")


async def remove_members(
    ctx: NodeContext, account: Account, list_id: int, people: Sequence[Someone]
) -> None:
    """Take people off the list; someone not on it is not an error."""
    async with ctx.db.transaction() as conn:
        await _own(conn, account, list_id)
        await store.remove_members(
            conn, list_id,
            [p.account_id for p in people if p.account_id is not None],
            [p.remote_id for p in people if p.remote_id is not None],
        )  # fmt: skip


async def lists_with(ctx: NodeContext, account: Account, person: Someone) -> list[PersonList]:
    """The person's lists that hold `person` (GET /api/v1/accounts/:id/lists)."""
    async with ctx.db.connection() as conn:
        return await store.lists_with(
            conn, account.id, member_account=person.account_id, member_remote=person.remote_id
        )


async def timeline(
    ctx: NodeContext, account: Account, list_id: int, max_id: int | None = None
) -> list[PostView]:
    """One page of the list's timeline: members' posts the owner may see, newest first."""
    async with ctx.db.connection() as conn:
        found = await _own(conn, account, list_id)
        everyone = await store.members(conn, list_id, None, None)
        accounts = [m.account_id for m in everyone if m.account_id is not None]
        remotes = [m.remote_id for m in everyone if m.remote_id is not None]
        if not accounts and not remotes:
            return []
        return await timeline_store.list_posts(
            conn, account.id, accounts, remotes, found.replies_policy, PAGE, max_id
        )
