"""The streaming API, as Mastodon 4.3's streaming server speaks it (docs `methods/streaming`,
`streaming/index.js`): server-sent events at /api/v1/streaming/<stream> (what Mastodon.py's
`stream_*` use) and one multiplexed WebSocket at /api/v1/streaming (what web and phone apps
use). The hub (services.streaming) decides who hears what; this edge authenticates, subscribes,
renders each status and notification with the Presenter (and each conversation as
GET /api/v1/conversations does), and writes frames.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
from aiohttp import WSCloseCode, WSMsgType, web

from node import keys
from node.api import auth
from node.api.conversations import render_conversations
from node.api.errors import NEEDS_USER, ApiError, not_found, unauthorized
from node.api.params import Params
from node.api.present import Presenter
from node.domain.accounts import Account, AccountId
from node.domain.inputs import clean_value
from node.domain.oauth import Grant
from node.services.accounts import accounts, oauth
from node.services.kernel.context import NodeContext
from node.services.posts.timelines import PostView
from node.services.streaming.channels import StreamError, parse_channel
from node.services.streaming.hub import Closed, ConversationView, Hub, Listener, Notification

routes = web.RouteTableDef()

HUB = web.AppKey("streaming_hub", Hub)
# Mastodon writes a `:thump` comment every 15 s so proxies keep the event stream open; it is
# also when a client that went away is noticed. Tests shorten it.
HEARTBEAT_SECONDS = 15.0
# WebSocket pings, as Mastodon's server sends them.
PING_SECONDS = 30.0

# Mastodon's channelNameFromPath.
_SSE_STREAMS = {
    "user": "user",
    "user/notification": "user:notification",
    "public": "public",
    "public/local": "public:local",
    "public/remote": "public:remote",
    "hashtag": "hashtag",
    "hashtag/local": "hashtag:local",
    "list": "list",
    "direct": "direct",
}
_SSE_HEADERS = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-store",
    # Set here: the API middleware adds CORS headers after the handler, too late for a stream.
    "Access-Control-Allow-Origin": "*",
    "X-Accel-Buffering": "no",  # nginx would otherwise hold events back in its buffer
}


# -- Lifecycle -------------------------------------------------------------------------------


def setup_streaming(app: web.Application) -> None:
    """Add after the database's cleanup context: the hub needs the pool, and stops first."""
    app.cleanup_ctx.append(_hub)
    # on_shutdown runs before aiohttp waits for open requests, so streams end at once.
    app.on_shutdown.append(_close_streams)


async def _hub(app: web.Application) -> AsyncIterator[None]:
    ctx = app[keys.NODE]
    hub = Hub(ctx, _ApiRenderer(ctx))
    app[HUB] = hub
    async with hub.running():
        yield


async def _close_streams(app: web.Application) -> None:
    hub = app.get(HUB)
    if hub is not None:
        hub.close_all("server shutting down")


class _ApiRenderer:
    """Statuses, notifications and conversations as the REST API shows them to the same
    person."""

    def __init__(self, ctx: NodeContext) -> None:
        self._ctx = ctx

    async def status(self, viewer: Account, post: PostView) -> str:
        return orjson.dumps(await Presenter(self._ctx, viewer).status(post)).decode()

    async def notification(self, viewer: Account, notice: Notification) -> str | None:
        entity = await Presenter(self._ctx, viewer).notification(notice)
        return orjson.dumps(entity).decode() if entity is not None else None

    async def conversation(self, viewer: Account, conversation: ConversationView) -> str:
        # GET /api/v1/conversations's own rendering, so the two cannot drift apart.
        shown = await render_conversations(Presenter(self._ctx, viewer), [conversation])
        return orjson.dumps(shown[0]).decode()


# -- Server-sent events ----------------------------------------------------------------------


@routes.get("/api/v1/streaming/health")
async def health(request: web.Request) -> web.Response:
    return web.Response(text="OK", content_type="text/plain")


@routes.get("/api/v1/streaming/{path:.+}")
async def server_sent_events(request: web.Request) -> web.StreamResponse:
    name = _SSE_STREAMS.get(request.match_info["path"].strip("/"))
    if name is None:
        raise ApiError(400, "Unknown channel requested")
    if name.startswith("public") and Params({}, request.query).flag("only_media"):
        name += ":media"
    account, grant = await _person(request, websocket=False)
    try:
        channel = parse_channel(name, request.query.get("tag"), request.query.get("list"))
    except StreamError as error:
        raise ApiError(error.status, error.message) from None
    hub = request.app[HUB]
    listener = hub.connect(account, grant)
    try:
        try:
            await hub.subscribe(listener, channel)
        except StreamError as error:
            raise ApiError(error.status, error.message) from None
        response = web.StreamResponse(headers=_SSE_HEADERS)
        await response.prepare(request)
        await response.write(b":)\n")
        await _pump_events(request, response, listener)
        return response
    finally:
        hub.disconnect(listener)


async def _pump_events(
    request: web.Request, response: web.StreamResponse, listener: Listener
) -> None:
    while True:
        try:
            event = await listener.next(HEARTBEAT_SECONDS)
        except Closed:
            break
        if event is None:
            chunk = b":thump\n"
        else:
            chunk = f"event: {event.name}\ndata: {event.payload}\n\n".encode()
        try:
            await response.write(chunk)
        except ConnectionError:
            return  # the client went away
        if request.transport is None or request.transport.is_closing():
            return
    with contextlib.suppress(ConnectionError):
        await response.write_eof()


# -- WebSocket -------------------------------------------------------------------------------


@routes.get("/api/v1/streaming")
@routes.get("/api/v1/streaming/")
async def websocket(request: web.Request) -> web.StreamResponse:
    offered = _offered_protocol(request)
    ws = web.WebSocketResponse(protocols=(offered,) if offered else (), heartbeat=PING_SECONDS)
    if not ws.can_prepare(request).ok:
        # A plain GET: Mastodon's REST API answers 404 when streaming is on the same host.
        raise not_found()
    account, grant = await _person(request, websocket=True)
    hub = request.app[HUB]
    listener = hub.connect(account, grant)
    try:
        # Subscribed before the handshake completes: once a client sees the socket open, the
        # events of `?stream=` reach it. An error can only be told after it.
        query = request.query
        refused = await _subscribe(
            hub, listener, query.get("stream"), query.get("tag"), query.get("list")
        )
        await ws.prepare(request)
        if refused is not None:
            await _send_error(ws, refused)
        writer = asyncio.create_task(_write_frames(ws, listener))
        try:
            await _read_frames(ws, hub, listener)
        finally:
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)
    finally:
        hub.disconnect(listener)
        if ws.prepared:
            await ws.close()
    return ws


async def _read_frames(ws: web.WebSocketResponse, hub: Hub, listener: Listener) -> None:
    async for message in ws:
        if message.type == WSMsgType.TEXT:
            await _command(ws, hub, listener, message.data)
        elif message.type == WSMsgType.BINARY:
            await ws.close(code=WSCloseCode.UNSUPPORTED_DATA,
                           message=b"binary messages are not supported")  # fmt: skip
            return


async def _command(ws: web.WebSocketResponse, hub: Hub, listener: Listener, text: str) -> None:
    """`{"type": "subscribe"|"unsubscribe", "stream": …, "tag": …, "list": …}`. Anything else
    is ignored, as Mastodon ignores it (no answer to malformed JSON or an unknown type)."""
    try:
        command: Any = clean_value(orjson.loads(text))  # node.domain.inputs, as every edge
    except orjson.JSONDecodeError:
        return
    if not isinstance(command, dict):
        return
    stream, tag = _first(command.get("stream")), _first(command.get("tag"))
    list_param = _first(command.get("list"))
    refused = None
    if command.get("type") == "subscribe":
        refused = await _subscribe(hub, listener, stream or "", tag, list_param)
    elif command.get("type") == "unsubscribe":
        try:
            hub.unsubscribe(listener, parse_channel(stream or "", tag, list_param))
        except StreamError as error:
            refused = error
    if refused is not None:
        await _send_error(ws, refused)


async def _subscribe(
    hub: Hub, listener: Listener, stream: str | None, tag: str | None, list_param: str | None
) -> StreamError | None:
    """Subscribe, or say why not (an unknown stream, no tag or list, someone else's list, a
    token without the scope)."""
    if stream is None:
        return None
    try:
        await hub.subscribe(listener, parse_channel(stream, tag, list_param))
    except StreamError as error:
        return error
    return None


async def _send_error(ws: web.WebSocketResponse, error: StreamError) -> None:
    with contextlib.suppress(ConnectionError):
        await ws.send_str(orjson.dumps({"error": error.message, "status": error.status}).decode())


async def _write_frames(ws: web.WebSocketResponse, listener: Listener) -> None:
    while True:
        try:
            event = await listener.next(HEARTBEAT_SECONDS)
        except Closed as closed:
            await ws.close(code=WSCloseCode.GOING_AWAY, message=str(closed).encode())
            return
        if event is None:
            continue  # aiohttp pings every PING_SECONDS
        frame = {"stream": list(event.stream), "event": event.name, "payload": event.payload}
        try:
            await ws.send_str(orjson.dumps(frame).decode())
        except ConnectionError:
            return


def _first(value: object) -> str | None:
    """Mastodon's firstParam: a string, or the first of a list of them."""
    if isinstance(value, list) and value:
        value = value[0]
    return value if isinstance(value, str) else None


# -- Tokens ----------------------------------------------------------------------------------


def _offered_protocol(request: web.Request) -> str | None:
    """Browsers cannot set headers on a WebSocket, so Mastodon's web app sends its token as the
    subprotocol; the handshake must then name that protocol back or the browser gives up."""
    header = request.headers.get("Sec-WebSocket-Protocol", "")
    first = header.split(",")[0].strip()
    return first or None


async def _person(request: web.Request, *, websocket: bool) -> tuple[Account, Grant]:
    """The person the token acts for: from `Authorization: Bearer` (checked by the API
    middleware), or for a WebSocket also the subprotocol or the legacy `access_token` query
    parameter. Mastodon 4.2+ streams only to people, so an app token is refused too."""
    grant = auth.grant_of(request)
    account: Account | None = request.get(keys.API_ACCOUNT)
    if grant is None and websocket:
        token = _offered_protocol(request) or request.query.get("access_token")
        if token:
            db = request.app[keys.DATABASE]
            grant = await oauth.grant_for(db, token)
            if grant is None:
                raise unauthorized()
            if grant.account_id is not None:
                account = await accounts.get_account(db, AccountId(grant.account_id))
    if grant is None:
        raise unauthorized("Missing access token")
    if account is None:
        raise unauthorized(NEEDS_USER)
    return account, grant
