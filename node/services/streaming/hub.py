"""The streaming hub: one per web process. It LISTENs on the database's 'stream' channel (the
triggers of migration 0010 NOTIFY every new, edited and deleted post, every notification and
every revoked token), so a post written through any process reaches the people streaming from
every process, and it hands each connected listener the events meant for it.

Who hears what follows the timelines, not a rule of its own: a post goes to a `user` stream only
if the home timeline would list it for that person, to a `list` stream only if that list's
timeline would show it to its owner, to the public and hashtag streams only if those timelines
would, and every recipient's copy is read back through services.timelines with that person as
the viewer before it is rendered. A new mentioned-only post goes to the `direct` streams of the
people in it as their conversation, read back through services.conversations. The edge renders
(Renderer), the hub decides; the streams themselves are in services.stream_channels.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

from node.domain.accounts import Account
from node.domain.errors import NotFound
from node.domain.oauth import Grant, allows
from node.domain.policies import ViewerFacts
from node.services.kernel.context import NodeContext
from node.services.posts import timelines
from node.services.posts.timelines import PostView
from node.services.social import conversations, lists
from node.services.social.conversations import ConversationView
from node.services.streaming.channels import (
    MISSING_SCOPES,
    NOT_YOUR_LIST,
    STATUS_KINDS,
    Channel,
    StreamError,
    hears_delete,
    hears_post,
)
from node.storage.social.notifications import Notification
from node.storage.streaming import payloads as store

log = logging.getLogger(__name__)

__all__ = ["Closed", "ConversationView", "Event", "Hub", "Listener", "Notification", "Renderer"]

# Events waiting for a slow client; past this it is disconnected (and reconnects).
LISTENER_BACKLOG = 500
# NOTIFY payloads waiting for the dispatcher.
INBOX_BACKLOG = 10_000
RECONNECT_SECONDS = 2.0
LISTEN_STARTUP_SECONDS = 10.0

# -- Listeners -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Event:
    """One event for one subscription: `payload` is JSON text (a bare id for `delete`)."""

    name: str
    payload: str
    stream: tuple[str, ...]


class Closed(Exception):
    """The listener was closed by the hub: shutdown, a revoked token, or a backlog."""


@dataclass(frozen=True, slots=True)
class _Close:
    reason: str


class Listener:
    """One client connection: the person, what its token allows, its channels, its queue."""

    def __init__(self, account: Account, grant: Grant) -> None:
        self.account = account
        self.token_id = int(grant.token_id)
        self.scopes = grant.scopes
        self.channels: set[Channel] = set()
        self._queue: asyncio.Queue[Event | _Close] = asyncio.Queue(LISTENER_BACKLOG)
        self.closed = False

    @property
    def hears_notifications_on_user(self) -> bool:
        # Mastodon: the user stream carries notifications only with a notification scope.
        return allows(self.scopes, "read:notifications")

    async def next(self, timeout: float) -> Event | None:
        """The next event, or None after `timeout` seconds without one; Closed when closed."""
        try:
            item = await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return None
        if isinstance(item, _Close):
            raise Closed(item.reason)
        return item

    def deliver(self, event: Event) -> None:
        if self.closed:
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            log.info("stream of @%s closed: %d events unread", self.account.username,
                     LISTENER_BACKLOG)  # fmt: skip
            self.close("too many unread events")

    def close(self, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        while self._queue.full():  # the close must get through; the events no longer matter
            self._queue.get_nowait()
        self._queue.put_nowait(_Close(reason))


class Renderer(Protocol):
    """How the edge turns what the hub found into event payloads (JSON text), for one viewer."""

    async def status(self, viewer: Account, post: PostView) -> str: ...

    async def notification(self, viewer: Account, notice: Notification) -> str | None: ...

    async def conversation(self, viewer: Account, conversation: ConversationView) -> str: ...


# -- The hub ---------------------------------------------------------------------------------


class Hub:
    def __init__(self, ctx: NodeContext, renderer: Renderer) -> None:
        self._ctx = ctx
        self._renderer = renderer
        self._listeners: set[Listener] = set()
        self._inbox: asyncio.Queue[str] = asyncio.Queue(INBOX_BACKLOG)
        self._listening = asyncio.Event()

    # Connections --------------------------------------------------------------------------

    def connect(self, account: Account, grant: Grant) -> Listener:
        listener = Listener(account, grant)
        self._listeners.add(listener)
        return listener

    def disconnect(self, listener: Listener, reason: str = "disconnected") -> None:
        self._listeners.discard(listener)
        listener.close(reason)

    async def subscribe(self, listener: Listener, channel: Channel) -> None:
        """StreamError(401) if the token may not read this stream (Mastodon's checkScopes), or
        the list is not this person's (Mastodon's authorizeListAccess)."""
        if not allows(listener.scopes, channel.scope):
            raise StreamError(401, MISSING_SCOPES)
        if channel.list_id is not None:
            try:
                await lists.get_list(self._ctx, listener.account, channel.list_id)
            except NotFound:
                raise StreamError(401, NOT_YOUR_LIST) from None
        listener.channels.add(channel)

    @staticmethod
    def unsubscribe(listener: Listener, channel: Channel) -> None:
        listener.channels.discard(channel)

    def close_all(self, reason: str) -> None:
        """On shutdown: every handler ends now instead of holding the server's shutdown."""
        for listener in list(self._listeners):
            self.disconnect(listener, reason)

    # Lifecycle ----------------------------------------------------------------------------

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Listen and dispatch in the background until the context ends (app cleanup_ctx)."""
        tasks = [
            asyncio.create_task(self._listen_forever(), name="stream-listen"),
            asyncio.create_task(self._dispatch_forever(), name="stream-dispatch"),
        ]
        try:
            # Serve only once LISTEN is in place, so nothing written after start is missed.
            await asyncio.wait_for(self._listening.wait(), LISTEN_STARTUP_SECONDS)
        except TimeoutError:
            log.warning("streaming started without its database listener; still trying")
        try:
            yield
        finally:
            self.close_all("server shutting down")
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _listen_forever(self) -> None:
        while True:
            lost = asyncio.Event()
            try:
                async with store.listening(self._ctx.db, self._received, lost.set):
                    self._listening.set()
                    await lost.wait()
                log.warning("streaming lost its database listener; reconnecting")
            except Exception:
                log.exception("streaming cannot listen to the database; retrying")
            # Events written while nobody listened are not replayed: clients reload timelines
            # when they reconnect, and these connections stay up.
            self._listening.clear()
            await asyncio.sleep(RECONNECT_SECONDS)

    def _received(self, payload: str) -> None:
        if not self._listeners:
            return  # nobody here is streaming: nothing to look up
        try:
            self._inbox.put_nowait(payload)
        except asyncio.QueueFull:
            log.warning("streaming is %d events behind; dropping one", INBOX_BACKLOG)

    async def _dispatch_forever(self) -> None:
        while True:
            raw = await self._inbox.get()
            try:
                notice = store.parse_notice(raw)
            except (KeyError, TypeError, ValueError):
                log.warning("ignoring a malformed stream notice: %.200s", raw)
                continue
            try:
                await self._dispatch(notice)
            except Exception:  # the job boundary: one event failing must not stop the rest
                log.exception("could not stream %s", notice)

    # Dispatch -----------------------------------------------------------------------------

    async def _dispatch(self, notice: store.StreamNotice) -> None:
        if isinstance(notice, store.PostWritten):
            await self._post_written(notice)
        elif isinstance(notice, store.PostDeleted):
            await self._post_deleted(notice)
        elif isinstance(notice, store.NotificationAdded):
            await self._notification_added(notice)
        else:
            for listener in [li for li in self._listeners if li.token_id == notice.token_id]:
                self.disconnect(listener, "access token revoked")

    def _streaming(self, kinds: frozenset[str]) -> dict[int, list[Listener]]:
        """The listeners with a stream of these kinds, by person."""
        by_account: dict[int, list[Listener]] = {}
        for listener in self._listeners:
            if any(c.kind in kinds for c in listener.channels):
                by_account.setdefault(listener.account.id, []).append(listener)
        return by_account

    async def _post_written(self, notice: store.PostWritten) -> None:
        await self._post_to_timelines(notice)
        if notice.event == "update":  # conversations change with new posts, not edits
            await self._post_to_conversations(notice.post_id)

    async def _post_to_timelines(self, notice: store.PostWritten) -> None:
        by_account = self._streaming(STATUS_KINDS)
        if not by_account:
            return
        list_ids = _list_ids(by_account)
        async with self._ctx.db.connection() as conn:
            audience = await store.post_audience(conn, notice.post_id, sorted(by_account), list_ids)
        if audience is None:
            return
        for account_id, group in sorted(by_account.items()):
            targets = [(li, c) for li in group
                       for c in li.channels if hears_post(c, account_id, audience)]  # fmt: skip
            if not targets:
                continue
            viewer = targets[0][0].account
            # The same lookup every timeline and the API make, as this person.
            found = await timelines.visible_posts(self._ctx, viewer, [notice.post_id])
            if not found:
                continue
            payload = await self._renderer.status(viewer, found[0])
            for listener, channel in targets:
                listener.deliver(Event(notice.event, payload, channel.stream))

    async def _post_to_conversations(self, post_id: int) -> None:
        by_account = self._streaming(frozenset({"direct"}))
        if not by_account:
            return
        async with self._ctx.db.connection() as conn:
            people = await store.direct_participants(conn, post_id)
        for account_id in sorted(people & by_account.keys()):
            viewer = by_account[account_id][0].account
            # The conversation as GET /api/v1/conversations has it now: the newest one whose
            # last post is at most this one, if that is this one's (it is not when the viewer
            # may not see the post, or a newer post in it has already come and will be sent).
            page = await conversations.list_conversations(self._ctx, viewer, post_id + 1)
            if not page or page[0].last_post_id != post_id:
                continue
            payload = await self._renderer.conversation(viewer, page[0])
            for listener in by_account[account_id]:
                for channel in listener.channels:
                    if channel.kind == "direct":
                        listener.deliver(Event("conversation", payload, channel.stream))

    async def _post_deleted(self, notice: store.PostDeleted) -> None:
        by_account = self._streaming(STATUS_KINDS)
        if not by_account:
            return
        facts = notice.facts
        list_ids = _list_ids(by_account)
        async with self._ctx.db.connection() as conn:
            relations = await store.relations_to_author(
                conn, sorted(by_account), facts.author_account, facts.author_remote
            )
            on_lists = await store.lists_holding(
                conn, list_ids, facts.author_account, facts.author_remote
            ) if list_ids else frozenset()  # fmt: skip
        for account_id, group in by_account.items():
            relation = relations[account_id]
            viewer = ViewerFacts(account_id=account_id, follows_author=relation.follows_author,
                                 mentioned=account_id in notice.mentioned,
                                 blocked_by_author=relation.blocked_by_author)  # fmt: skip
            for listener in group:
                for channel in listener.channels:
                    if hears_delete(channel, facts, viewer, on_lists):
                        listener.deliver(Event("delete", str(notice.post_id), channel.stream))

    async def _notification_added(self, notice: store.NotificationAdded) -> None:
        targets = [(li, c) for li in self._listeners if li.account.id == notice.account_id
                   for c in li.channels if c.kind == "notification"
                   or (c.kind == "user" and li.hears_notifications_on_user)]  # fmt: skip
        if not targets:
            return
        async with self._ctx.db.connection() as conn:
            found = await store.notification(
                conn, notice.account_id, notice.notification_id, self._ctx.urls.host
            )
            if found is None or (
                found.kind == "reply" and found.post_id is not None
                and await store.has_mention_notification(conn, notice.account_id, found.post_id)
            ):  # fmt: skip
                return
        payload = await self._renderer.notification(targets[0][0].account, found)
        if payload is None:
            return  # its post is no longer visible, or its sender is gone
        for listener, channel in targets:
            listener.deliver(Event("notification", payload, channel.stream))


def _list_ids(by_account: dict[int, list[Listener]]) -> list[int]:
    return sorted({c.list_id for group in by_account.values() for li in group
                   for c in li.channels if c.list_id is not None})  # fmt: skip
