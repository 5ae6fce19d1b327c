"""Gather what the API entities need from the services, then serialize (node.api.serializers).

One Presenter per request: it remembers the accounts it has built, so a page of twenty posts by
three people loads three profiles. Everything shown goes through the services' visibility
rules: posts come from visibility-checked queries, and a reply's parent author is named only
when the viewer may see the parent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from node.api import safety_entities, serializers
from node.api.errors import not_found
from node.api.ids import AccountRef, local_account_id, remote_account_id
from node.api.serializers import JSON
from node.domain.accounts import Account, AccountId
from node.domain.errors import NotFound
from node.services.accounts import accounts
from node.services.actors import directory
from node.services.kernel.context import NodeContext
from node.services.posts import media, polls, timelines
from node.services.posts.search import RemoteActor
from node.services.posts.timelines import PostView
from node.services.profiles import profiles
from node.services.social import blocks
from node.services.social.filters import ActiveFilters

Person = Account | RemoteActor


class Mention(Protocol):
    """What a post's mention says (services.timelines.tags_and_mentions)."""

    @property
    def actor_uri(self) -> str: ...
    @property
    def acct(self) -> str: ...
    @property
    def account_id(self) -> int | None: ...


class Notice(Protocol):
    """What a notification says (services.notifications.list_notifications)."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def from_handle(self) -> str: ...
    @property
    def post_id(self) -> int | None: ...


class Presenter:
    """`filters`: the viewer's filters for the context being shown (home, public, thread,
    account, notifications): matching `warn` filters fill each Status's `filtered`, and a
    notification whose post a `hide` filter matches is left out."""

    def __init__(
        self, ctx: NodeContext, viewer: Account | None, filters: ActiveFilters | None = None
    ) -> None:
        self.ctx = ctx
        self.viewer = viewer
        self.filters = filters
        self._local: dict[int, JSON] = {}
        self._remote: dict[int, JSON] = {}

    # -- Accounts -------------------------------------------------------------------------

    async def account(self, person: Person) -> JSON:
        if isinstance(person, RemoteActor):
            if person.id not in self._remote:
                self._remote[person.id] = serializers.remote_account_to_api(self.ctx.urls, person)
            return self._remote[person.id]
        if person.id not in self._local:
            view = await profiles.profile_view(self.ctx, person)
            stats = await profiles.account_stats(self.ctx, person.id)
            self._local[person.id] = serializers.local_account_to_api(
                self.ctx.urls, person, view, stats
            )
        return self._local[person.id]

    async def local_account(self, account_id: int) -> JSON | None:
        if account_id in self._local:
            return self._local[account_id]
        found = await accounts.get_account(self.ctx.db, AccountId(account_id))
        return await self.account(found) if found is not None else None

    async def remote_account(self, actor_id: int) -> JSON | None:
        if actor_id in self._remote:
            return self._remote[actor_id]
        found = await directory.cached_actor(self.ctx, actor_id)
        return await self.account(found) if found is not None else None

    # -- Statuses -------------------------------------------------------------------------

    async def status(self, post: PostView) -> JSON:
        return (await self.statuses([post]))[0]

    async def statuses(self, posts: list[PostView]) -> list[JSON]:
        ids = [p.id for p in posts]
        attached = await media.media_for_posts(self.ctx, ids)
        found_polls = await polls.polls_for_posts(self.ctx, self.viewer, ids)
        tags, mentions = await timelines.tags_and_mentions(self.ctx, ids)
        parents = await self._parent_authors(posts)
        shown = []
        for post in posts:
            author = await self._author(post)
            poll = found_polls.get(post.id)
            shown.append(serializers.status_to_api(
                post, account=author,
                media=[serializers.media_to_api(self.ctx.urls, m) for m in attached[post.id]],
                mentions=await self._mentions(mentions.get(post.id, [])),
                tags=[{"name": t, "url": f"{self.ctx.urls.base}/tags/{t}"}
                      for t in tags.get(post.id, [])],
                poll=serializers.poll_to_api(post.id, poll, signed_in=self.viewer is not None)
                if poll else None,
                in_reply_to_account_id=parents.get(post.in_reply_to_id or 0),
            ))  # fmt: skip
        if self.filters is not None:
            for post, entity in zip(posts, shown, strict=True):
                entity["filtered"] = [safety_entities.filter_result_to_api(match)
                                      for match in self.filters.warnings(post)]  # fmt: skip
        return shown

    async def _author(self, post: PostView) -> JSON:
        found = None
        if post.author_account is not None:
            found = await self.local_account(post.author_account)
        elif post.author_remote is not None:
            found = await self.remote_account(post.author_remote)
        if found is None:  # a row without an author cannot be written; say so if it ever is
            raise LookupError(f"post {post.id} has no author")
        return found

    async def _parent_authors(self, posts: list[PostView]) -> dict[int, str]:
        wanted = list({p.in_reply_to_id for p in posts if p.in_reply_to_id is not None})
        parents = await timelines.visible_posts(self.ctx, self.viewer, wanted)
        return {parent.id: author_id(parent) for parent in parents}

    async def _mentions(self, mentions: Sequence[Mention]) -> list[JSON]:
        shown = []
        for mention in mentions:
            username = mention.acct.split("@")[0]
            if mention.account_id is not None:
                url = self.ctx.urls.profile(username)
                shown.append({"id": local_account_id(mention.account_id), "username": username,
                              "url": url, "acct": username})  # fmt: skip
                continue
            actor = await directory.cached_actor_by_uri(self.ctx, mention.actor_uri)
            if actor is not None:
                shown.append({"id": remote_account_id(actor.id), "username": actor.username,
                              "url": actor.url or actor.uri, "acct": actor.handle})  # fmt: skip
        return shown

    # -- Notifications --------------------------------------------------------------------

    async def notification(self, notice: Notice) -> JSON | None:
        """A notification, or None when its sender is gone or its post is no longer visible."""
        if notice.kind == "group_request":
            return None  # Mastodon has no groups; moderators review requests on the web
        sender = await self._sender(notice.from_handle)
        if sender is None and notice.kind != "poll":
            return None
        status = None
        if notice.post_id is not None:
            posts = await timelines.visible_posts(self.ctx, self.viewer, [notice.post_id])
            if not posts or (self.filters is not None and self.filters.hides(posts[0])):
                return None
            status = await self.status(posts[0])
            if sender is None:  # a poll that ended: Mastodon names the poll's author
                sender = status["account"]
        if sender is None:
            return None
        return serializers.notification_to_api(
            notice.id, notice.kind, notice.created_at, sender, status
        )

    async def _sender(self, handle: str) -> JSON | None:
        username, _, host = handle.partition("@")
        if not username:
            return None
        if not host or host.lower() == self.ctx.urls.host.lower():
            try:
                account = await accounts.get_account_by_username(self.ctx.db, username)
            except NotFound:
                return None
            return await self.account(account)
        actor = await directory.cached_actor_by_handle(self.ctx, username, host)
        return await self.account(actor) if actor is not None else None


def author_id(post: PostView) -> str:
    if post.author_account is not None:
        return local_account_id(post.author_account)
    return remote_account_id(post.author_remote or 0)


async def safety_fields(ctx: NodeContext, account: Account, person: Person) -> JSON:
    """The Relationship's block and mute fields between `account` and `person`."""
    if isinstance(person, RemoteActor):
        flags = await blocks.safety(ctx, account, remote=person)
    else:
        flags = await blocks.safety(ctx, account, local=person)
    return {
        "blocking": flags.blocking,
        "blocked_by": flags.blocked_by,
        "muting": flags.muting,
        "muting_notifications": flags.muting_notifications,
    }


async def find_person(ctx: NodeContext, ref: AccountRef | None) -> Person:
    """The account an API id names; 404 when there is none."""
    if ref is not None and ref.local is not None:
        account = await accounts.get_account(ctx.db, AccountId(ref.local))
        if account is not None:
            return account
    if ref is not None and ref.remote is not None:
        actor = await directory.cached_actor(ctx, ref.remote)
        if actor is not None:
            return actor
    raise not_found()
