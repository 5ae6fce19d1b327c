"""The streaming API: WebSocket and server-sent events, fed across web processes by the
database's NOTIFY, showing each person only what their timelines show them; and Mastodon.py's
`stream_user` against a node started with `commonroom web`."""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer
from mastodon import StreamListener

from node.api import streaming
from node.app import create_app
from node.services.posts import posts
from tests.api.helpers import (
    Client,
    bearer,
    ctx_of,
    make_user,
    password_token,
    register_app,
)
from tests.api.served import served_node
from tests.api.streams import (
    WAIT,
    EventStream,
    follow_account,
    next_frame,
    open_ws,
    post_json,
    status_of,
    subscribed,
    timeline_ids,
)
from tests.conftest import free_port
from tests.support.databases import TestDatabases
from tests.support.nodes import node_settings


async def test_user_stream_gets_home_posts_mentions_edits_and_deletes(client: Client) -> None:
    await make_user(client, "ana")
    ben = await make_user(client, "ben")
    ana_token, ben_token = await password_token(client, "ana"), await password_token(client, "ben")
    await follow_account(client, ana_token, ben.id)
    ws = await open_ws(client, ana_token, stream="user")

    posted = await post_json(client, ben_token, "Field trip forms are due #science")
    frame = await next_frame(ws)
    assert frame["stream"] == ["user"] and frame["event"] == "update"
    assert isinstance(frame["payload"], str), "the payload is JSON text, not an object"
    status = status_of(frame)
    assert status["id"] == posted["id"] and "Field trip forms" in status["content"]
    assert status["account"]["username"] == "ben"

    mention = await post_json(client, ben_token, "@ana can you bring the permission slips?")
    frames = [await next_frame(ws), await next_frame(ws)]
    by_event = {f["event"]: f for f in frames}
    assert status_of(by_event["update"])["id"] == mention["id"]
    notification = orjson.loads(by_event["notification"]["payload"])
    assert notification["type"] == "mention" and notification["account"]["username"] == "ben"
    assert notification["status"]["id"] == mention["id"]

    await posts.edit_post(ctx_of(client), ben, int(posted["id"]), "Forms due Friday #science")
    frame = await next_frame(ws)
    assert frame["event"] == "status.update"
    edited = status_of(frame)
    assert edited["id"] == posted["id"] and "due Friday" in edited["content"]

    deleted = await client.delete(f"/api/v1/statuses/{posted['id']}", headers=bearer(ben_token))
    assert deleted.status == 200
    assert await next_frame(ws) == {"stream": ["user"], "event": "delete", "payload": posted["id"]}


async def test_followers_only_post_reaches_followers_not_others_nor_public_streams(
    client: Client,
) -> None:
    await make_user(client, "ana")
    ben = await make_user(client, "ben")
    await make_user(client, "cara")
    ana_token = await password_token(client, "ana")
    ben_token = await password_token(client, "ben")
    cara_token = await password_token(client, "cara")
    await follow_account(client, ana_token, ben.id)
    follower = await open_ws(client, ana_token, stream="user")
    stranger = await open_ws(client, cara_token)
    await subscribed(
        stranger,
        {"type": "subscribe", "stream": "user"},
        {"type": "subscribe", "stream": "public"},
        {"type": "subscribe", "stream": "hashtag", "tag": "StaffRoom"},
    )

    private = await post_json(client, ben_token, "Cover needed period 3 #staffroom",
                          visibility="private")  # fmt: skip
    assert status_of(await next_frame(follower))["id"] == private["id"]

    # A public post after it: the stranger's first events are this one's, so the private
    # post was never sent to any of their streams.
    public = await post_json(client, ben_token, "Bake sale on Friday #staffroom")
    heard = [await next_frame(stranger), await next_frame(stranger)]
    assert {tuple(f["stream"]) for f in heard} == {("public",), ("hashtag", "StaffRoom")}
    assert {status_of(f)["id"] for f in heard} == {public["id"]}
    assert status_of(await next_frame(follower))["id"] == public["id"]


async def test_a_direct_post_and_its_deletion_reach_only_the_mentioned_person(
    client: Client,
) -> None:
    await make_user(client, "ana")
    ben = await make_user(client, "ben")
    await make_user(client, "cara")
    ana_token, ben_token = await password_token(client, "ana"), await password_token(client, "ben")
    cara_token = await password_token(client, "cara")
    await follow_account(client, cara_token, ben.id)  # a follower, not addressed
    mentioned = await open_ws(client, ana_token, stream="user")
    follower = await open_ws(client, cara_token, stream="user")

    direct = await post_json(client, ben_token, "@ana your grades are in", visibility="direct")
    frames = [await next_frame(mentioned), await next_frame(mentioned)]
    assert {f["event"] for f in frames} == {"update", "notification"}
    assert all(direct["id"] in f["payload"] for f in frames)

    public = await post_json(client, ben_token, "Good luck on the exams")
    assert status_of(await next_frame(follower))["id"] == public["id"], "the direct post never came"

    for post in (direct, public):
        gone = await client.delete(f"/api/v1/statuses/{post['id']}", headers=bearer(ben_token))
        assert gone.status == 200
    assert await next_frame(mentioned) == {
        "stream": ["user"],
        "event": "delete",
        "payload": direct["id"],
    }
    assert (await next_frame(follower))["payload"] == public["id"], "only the post they were sent"


async def test_notification_stream_carries_only_notifications(client: Client) -> None:
    ana = await make_user(client, "ana")
    await make_user(client, "ben")
    ana_token, ben_token = await password_token(client, "ana"), await password_token(client, "ben")
    ws = await open_ws(client, ana_token, stream="user:notification")

    await follow_account(client, ben_token, ana.id)
    await post_json(client, ana_token, "My own post is not a notification")
    await post_json(client, ben_token, "@ana thanks for the worksheet")
    follow, mention = await next_frame(ws), await next_frame(ws)
    assert follow["stream"] == ["user:notification"] and follow["event"] == "notification"
    assert orjson.loads(follow["payload"])["type"] == "follow"
    assert orjson.loads(mention["payload"])["type"] == "mention"


async def test_unsubscribe_stops_a_stream_and_the_connection_stays_up(client: Client) -> None:
    await make_user(client, "ana")
    ana_token = await password_token(client, "ana")
    ws = await open_ws(client, ana_token, stream="public:local")
    await subscribed(ws, {"type": "unsubscribe", "stream": "public:local"},
                      {"type": "subscribe", "stream": "hashtag:local", "tag": "maths"})  # fmt: skip

    await post_json(client, ana_token, "Not tagged")
    tagged = await post_json(client, ana_token, "Tagged #Maths")
    frame = await next_frame(ws)
    assert frame["stream"] == ["hashtag:local", "maths"] and status_of(frame)["id"] == tagged["id"]


async def test_junk_from_the_client_is_ignored_or_answered_never_fatal(client: Client) -> None:
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    ws = await open_ws(client, token, stream="nonsense")
    assert await next_frame(ws) == {"error": "Unknown stream type", "status": 400}

    await ws.send_str("{not json")
    await ws.send_str("[1, 2, 3]")
    await ws.send_json({"type": "dance", "stream": "public"})
    await ws.send_json({"type": "subscribe", "stream": "hashtag"})
    assert await next_frame(ws) == {"error": "Missing tag name parameter", "status": 400}
    await ws.send_json({"type": "subscribe", "stream": ["public", "user"]})
    await subscribed(ws)

    posted = await post_json(client, token, "Still listening")
    frame = await next_frame(ws)
    assert frame["stream"] == ["public"] and status_of(frame)["id"] == posted["id"]

    await ws.send_bytes(b"\x00\x01")
    closing = await ws.receive(timeout=WAIT)
    assert closing.type == WSMsgType.CLOSE and closing.data == 1003


async def test_every_stream_needs_a_person_s_token(client: Client) -> None:
    await make_user(client, "ana")
    app = await register_app(client, scopes="read write")
    app_token = await client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "scope": "read",
    })  # fmt: skip
    no_person = [{}, bearer("not-a-token"), bearer((await app_token.json())["access_token"])]
    for headers in no_person:
        sse = await client.get("/api/v1/streaming/public", headers=headers)
        assert sse.status == 401, headers
        assert "error" in await sse.json()
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect("/api/v1/streaming?stream=public", headers=headers)
        assert refused.value.status == 401

    # A person's token without a reading scope: refused per stream, as Mastodon's checkScopes.
    write_only = await password_token(client, "ana", scopes="write")
    sse = await client.get("/api/v1/streaming/public", headers=bearer(write_only))
    assert sse.status == 401
    assert (await sse.json())["error"] == "Access token does not have the required scopes"
    ws = await open_ws(client, write_only, stream="public")
    assert await next_frame(ws) == {
        "error": "Access token does not have the required scopes",
        "status": 401,
    }
    notifications_only = await password_token(client, "ana", scopes="read:notifications")
    notes = await open_ws(client, notifications_only, stream="user:notification")
    await subscribed(notes)  # the probe's error comes first: this stream was accepted
    sse = await client.get("/api/v1/streaming/user", headers=bearer(notifications_only))
    assert sse.status == 401, "the user stream needs read:statuses"


async def test_token_as_subprotocol_or_legacy_query_parameter(client: Client) -> None:
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    # Browsers cannot set headers on a WebSocket: Mastodon's web app sends the token this way.
    by_protocol = await client.ws_connect("/api/v1/streaming?stream=public", protocols=(token,))
    assert by_protocol.protocol == token
    by_query = await client.ws_connect(f"/api/v1/streaming?stream=public&access_token={token}")
    posted = await post_json(client, token, "Hello both")
    for ws in (by_protocol, by_query):
        assert status_of(await next_frame(ws))["id"] == posted["id"]
    sse = await client.get(f"/api/v1/streaming/public?access_token={token}")
    assert sse.status == 401, "a token in the URL only for the WebSocket"


async def test_revoking_the_token_ends_its_streams(client: Client) -> None:
    await make_user(client, "ana")
    app = await register_app(client)
    token = await password_token(client, "ana", app=app)
    ws = await open_ws(client, token, stream="user")
    revoked = await client.post("/oauth/revoke", data={
        "client_id": app["client_id"], "client_secret": app["client_secret"], "token": token,
    })  # fmt: skip
    assert revoked.status == 200
    closing = await ws.receive(timeout=WAIT)
    assert closing.type == WSMsgType.CLOSE


async def test_plain_get_of_the_websocket_url_is_404_and_health_is_ok(client: Client) -> None:
    plain = await client.get("/api/v1/streaming")
    assert plain.status == 404, "same host: Mastodon's REST API answers 404 here"
    health = await client.get("/api/v1/streaming/health")
    assert health.status == 200 and await health.text() == "OK"
    instance = await (await client.get("/api/v2/instance")).json()
    base = str(client.make_url("")).rstrip("/")
    assert instance["configuration"]["urls"]["streaming"] == "ws://" + base.removeprefix("http://")


# -- Server-sent events --------------------------------------------------------------------


async def test_server_sent_events_with_heartbeats(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streaming, "HEARTBEAT_SECONDS", 0.05)
    ana = await make_user(client, "ana")
    await make_user(client, "ben")
    ana_token, ben_token = await password_token(client, "ana"), await password_token(client, "ben")
    response = await client.get("/api/v1/streaming/hashtag/local?tag=Robotics",
                                headers=bearer(ana_token))  # fmt: skip
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/event-stream"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    stream = EventStream(response)
    assert await stream.line() == ":)"
    assert await stream.line() == ":thump", "a heartbeat while nothing happens"

    posted = await post_json(client, ben_token, "Club meets Tuesday #robotics")
    event = await stream.event()
    assert event["event"] == "update" and orjson.loads(event["data"])["id"] == posted["id"]
    await client.delete(f"/api/v1/statuses/{posted['id']}", headers=bearer(ben_token))
    assert await stream.event() == {"event": "delete", "data": posted["id"]}
    response.close()

    notes = await client.get("/api/v1/streaming/user/notification", headers=bearer(ana_token))
    await follow_account(client, ben_token, ana.id)
    event = await EventStream(notes).event()
    assert event["event"] == "notification" and orjson.loads(event["data"])["type"] == "follow"
    notes.close()


async def test_server_sent_events_refuse_unknown_streams_without_a_500(client: Client) -> None:
    await make_user(client, "ana")
    headers = bearer(await password_token(client, "ana"))
    for path, status in [
        ("/api/v1/streaming/nonsense", 400),
        ("/api/v1/streaming/hashtag", 400),  # no tag
        ("/api/v1/streaming/hashtag?tag=", 400),
        ("/api/v1/streaming/list", 400),  # no list
        ("/api/v1/streaming/list?list=abc", 401),  # not a list id: Mastodon's "not authorized"
        ("/api/v1/streaming/list?list=99999999999999999999", 401),
        ("/api/v1/streaming/list?list=999999", 401),  # no such list
    ]:
        response = await client.get(path, headers=headers)
        assert response.status == status, path
        assert "error" in await response.json(), path


# -- Lists and conversations -----------------------------------------------------------------


async def _ids_until(ws: aiohttp.ClientWebSocketResponse, last: str) -> dict[str, set[str]]:
    """Status ids per stream, until `last` has come on every stream that will carry it."""
    heard: dict[str, set[str]] = {"user": set(), "public": set()}
    while last not in heard["user"] or last not in heard["public"]:
        frame = await next_frame(ws)
        if frame["event"] == "update":  # not the mentions' notifications
            heard[frame["stream"][0]].add(status_of(frame)["id"])
    return heard


async def test_streams_carry_exactly_what_the_timelines_show(client: Client) -> None:
    await make_user(client, "ana")
    ben = await make_user(client, "ben")
    await make_user(client, "cara")
    ana, ben_t = await password_token(client, "ana"), await password_token(client, "ben")
    cara = await password_token(client, "cara")
    await follow_account(client, ana, ben.id)
    ws = await open_ws(client, ana)
    await subscribed(ws, {"type": "subscribe", "stream": "user"},
                      {"type": "subscribe", "stream": "public"})  # fmt: skip

    for token, text, visibility in [
        (ben_t, "Followed, public", "public"),
        (ben_t, "Followed, unlisted", "unlisted"),
        (ben_t, "Followed, followers only", "private"),
        (ben_t, "Followed, direct to cara @cara", "direct"),
        (ben_t, "Followed, direct to ana @ana", "direct"),
        (cara, "Stranger, public", "public"),
        (cara, "Stranger, unlisted", "unlisted"),
        (cara, "Stranger, followers only", "private"),
        (cara, "Stranger, followers only, @ana mentioned", "private"),
        (ana, "Own, followers only", "private"),
    ]:
        await post_json(client, token, text, visibility=visibility)
    last = await post_json(client, ana, "Own, public: the last one")

    heard = await _ids_until(ws, last["id"])
    assert heard["user"] == await timeline_ids(client, ana, "/api/v1/timelines/home")
    assert heard["public"] == await timeline_ids(client, ana, "/api/v1/timelines/public")
    assert len(heard["user"]) == 7 and len(heard["public"]) == 3


# -- Several web processes, and stopping -----------------------------------------------------


@pytest.fixture
async def second_app(database_url: str, tmp_path: Path) -> AsyncIterator[Client]:
    """Another web process of the same node: its own app, pool and hub, the same database."""
    settings = node_settings(database_url, tmp_path / "second", free_port())
    server = TestServer(create_app(settings), host="127.0.0.1", port=settings.listen_port)
    async with TestClient(server) as second:
        yield second


async def test_a_post_written_through_one_process_reaches_streams_on_another(
    client: Client, second_app: Client
) -> None:
    ana = await make_user(client, "ana")
    await make_user(client, "ben")
    ana_token, ben_token = await password_token(client, "ana"), await password_token(client, "ben")
    ws = await open_ws(second_app, ana_token, stream="public")
    notes = await open_ws(second_app, ana_token, stream="user:notification")

    posted = await post_json(client, ben_token, "Written through the first process")
    assert status_of(await next_frame(ws))["id"] == posted["id"]
    await follow_account(client, ben_token, ana.id)
    assert orjson.loads((await next_frame(notes))["payload"])["type"] == "follow"


async def test_stopping_the_server_closes_open_streams_at_once(settings: Any) -> None:
    server = TestServer(create_app(settings), host="127.0.0.1", port=settings.listen_port)
    await server.start_server()
    async with TestClient(server) as setup:
        await make_user(setup, "ana")
        token = await password_token(setup, "ana")
        async with aiohttp.ClientSession() as session:
            base = str(server.make_url("")).rstrip("/")
            events = await session.get(f"{base}/api/v1/streaming/user", headers=bearer(token))
            ws = await session.ws_connect(f"{base}/api/v1/streaming?stream=user",
                                          headers=bearer(token))  # fmt: skip
            started = time.monotonic()
            await server.close()
            assert time.monotonic() - started < 5, "aiohttp would wait 60 s for open streams"
            closing = await ws.receive(timeout=WAIT)
            assert closing.type == WSMsgType.CLOSE and closing.data == 1001
            rest = await asyncio.wait_for(events.content.read(), WAIT)
            assert rest.startswith(b":)"), "the event stream ended cleanly"


# -- Mastodon.py ---------------------------------------------------------------------------


class _Collector(StreamListener):
    """Mastodon.py calls these from its streaming thread."""

    def __init__(self) -> None:
        self.connected = threading.Event()  # the stream's opening comment arrived
        self.updates: queue.Queue[Any] = queue.Queue()
        self.notifications: queue.Queue[Any] = queue.Queue()

    def handle_heartbeat(self) -> None:
        self.connected.set()

    def on_update(self, status: Any) -> None:
        self.updates.put(status)

    def on_notification(self, notification: Any) -> None:
        self.notifications.put(notification)


@pytest.mark.slow
def test_mastodon_py_receives_a_new_post_and_a_mention_over_streaming(
    databases: TestDatabases,
) -> None:
    listener = _Collector()
    with served_node(databases) as node:
        maya = node.mastodon("maya", "Mastodon.py streaming test", check_versions=False)
        omar = node.mastodon("omar", "Mastodon.py streaming test", check_versions=False)
        assert maya.account_follow(omar.account_verify_credentials().id).following
        handle = maya.stream_user(listener, run_async=True)
        assert listener.connected.wait(WAIT), "the stream opened"

        posted = omar.status_post("Science fair judging starts at nine")
        update = listener.updates.get(timeout=WAIT)
        assert update.id == posted.id and "Science fair" in update.content
        assert update.account.acct == "omar"

        mention = omar.status_post("@maya can you judge the robotics table?")
        notification = listener.notifications.get(timeout=WAIT)
        assert notification.type == "mention" and notification.account.acct == "omar"
        assert notification.status.id == mention.id
        stopping = time.monotonic()
    # With the stream still open, `commonroom web` stopped (SIGTERM) without waiting for it.
    assert time.monotonic() - stopping < 10
    handle.close()
