"""The streaming hub: one per web process. It LISTENs on the database's 'stream' channel (the
triggers of migration 0010 NOTIFY every new, edited and deleted post, every notification and
every revoked token), so a post written through any process reaches the people streaming from
every process, and it hands each connected listener the events meant for it.

Who hears what follows the timelines, not a rule of its own: a post goes to a `user` stream only
if the home timeline would list it for that person, to the public and hashtag streams only if
those timelines would, and every recipient's copy is read back through services.timelines with
that person as the viewer before it is rendered. The edge renders (Renderer), the hub decides.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal, Protocol

from node.domain.accounts import Account
from node.domain.oauth import Grant, allows
from node.domain.policies import PostFacts, ViewerFacts, is_author, is_listed, may_see
from node.domain.text import normalise_tag
from node.services import timelines
from node.services.context import NodeContext
from node.services.timelines import PostView
from node.storage import streaming as store
from node.storage.notifications import Notification

log = logging.getLogger(__name__)

__all__ = ["Channel", "Closed", "Event", "Hub", "Listener", "Notification", "Renderer"]

# Events waiting for a slow client; past this it is disconnected (and reconnects).
LISTENER_BACKLOG = 500
# NOTIFY payloads waiting for the dispatcher.
INBOX_BACKLOG = 10_000
RECONNECT_SECONDS = 2.0
LISTEN_STARTUP_SECONDS = 10.0

# Mastodon's error messages (streaming/index.js), which clients show or log as they are.
UNKNOWN_STREAM = "Unknown stream type"
MISSING_TAG = "Missing tag name parameter"
MISSING_SCOPES = "Access token does not have the required scopes"


class StreamError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# -- Channels --------------------------------------------------------------------------------

Kind = Literal["user", "notification", "public", "hashtag"]
Origin = Literal["any", "local", "remote"]

# Mastodon's stream names. `list` and `direct` are not offered: there are no lists, and
# conversations are not implemented (docs/api.md).
_STREAMS: dict[str, tuple[Kind, Origin, bool]] = {
    "user": ("user", "any", False),
    "user:notification": ("notification", "any", False),
    "public": ("public", "any", False),
    "public:media": ("public", "any", True),
    "public:local": ("public", "local", False),
    "public:local:media": ("public", "local", True),
    "public:remote": ("public", "remote", False),
    "public:remote:media": ("public", "remote", True),
    "hashtag": ("hashtag", "any", False),
    "hashtag:local": ("hashtag", "local", False),
}


@dataclass(frozen=True, slots=True)
class Channel:
    name: str
    kind: Kind
    origin: Origin = "any"
    media: bool = False
    tag: str | None = None  # normalised, for matching
    shown_tag: str | None = None  # as the client wrote it, echoed in `stream`

    @property
    def stream(self) -> tuple[str, ...]:
        return (self.name, self.shown_tag) if self.shown_tag else (self.name,)

    @property
    def scope(self) -> str:
        return "read:notifications" if self.kind == "notification" else "read:statuses"


def parse_channel(name: str, tag: str | None = None) -> Channel:
    """A stream as Mastodon names it (`hashtag:local` + tag); StreamError(400) otherwise."""
    known = _STREAMS.get(name)
    if known is None:
        raise StreamError(400, UNKNOWN_STREAM)
    kind, origin, media = known
    if kind != "hashtag":
        return Channel(name, kind, origin, media)
    shown = (tag or "").strip().lstrip("#")
    if not shown:
        raise StreamError(400, MISSING_TAG)
    return Channel(name, kind, origin, media, normalise_tag(shown), shown)


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

    @staticmethod
    def subscribe(listener: Listener, channel: Channel) -> None:
        """StreamError(401) if the token may not read this stream (Mastodon's checkScopes)."""
        if not allows(listener.scopes, channel.scope):
            raise StreamError(401, MISSING_SCOPES)
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

    def _status_listeners(self) -> list[Listener]:
        return [li for li in self._listeners
                if any(c.kind != "notification" for c in li.channels)]  # fmt: skip

    async def _post_written(self, notice: store.PostWritten) -> None:
        by_account: dict[int, list[Listener]] = {}
        for listener in self._status_listeners():
            by_account.setdefault(listener.account.id, []).append(listener)
        if not by_account:
            return
        async with self._ctx.db.connection() as conn:
            audience = await store.post_audience(conn, notice.post_id, sorted(by_account))
        if audience is None:
            return
        for account_id in sorted(audience.in_home | audience.listed):
            targets = [(li, c) for li in by_account[account_id]
                       for c in li.channels if _hears_post(c, account_id, audience)]  # fmt: skip
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

    async def _post_deleted(self, notice: store.PostDeleted) -> None:
        listeners = self._status_listeners()
        if not listeners:
            return
        facts = notice.facts
        viewers = sorted({li.account.id for li in listeners})
        async with self._ctx.db.connection() as conn:
            relations = await store.relations_to_author(
                conn, viewers, facts.author_account, facts.author_remote
            )
        for listener in listeners:
            account_id = listener.account.id
            relation = relations[account_id]
            viewer = ViewerFacts(account_id=account_id, follows_author=relation.follows_author,
                                 mentioned=account_id in notice.mentioned,
                                 blocked_by_author=relation.blocked_by_author)  # fmt: skip
            for channel in listener.channels:
                if _hears_delete(channel, facts, viewer):
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


def _hears_post(channel: Channel, account_id: int, audience: store.PostAudience) -> bool:
    if channel.kind == "user":
        return account_id in audience.in_home
    if channel.kind == "notification" or account_id not in audience.listed:
        return False
    if channel.tag is not None and channel.tag not in audience.tags:
        return False
    if channel.media and not audience.has_media:
        return False
    return channel.origin == "any" or (channel.origin == "local") == audience.local


def _hears_delete(channel: Channel, facts: PostFacts, viewer: ViewerFacts) -> bool:
    """Whoever could have been sent the post. Its tags and media went with the row, so every
    hashtag and media stream that could have carried a public post hears of its deletion: an
    id of a public post, which clients ignore when they do not show it."""
    if channel.kind == "notification" or not may_see(facts, viewer):
        return False
    if channel.kind == "user":
        return is_author(facts, viewer) or viewer.follows_author or viewer.mentioned
    if not is_listed(facts):
        return False
    local = facts.author_account is not None
    return channel.origin == "any" or (channel.origin == "local") == local
