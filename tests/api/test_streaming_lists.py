"""The `list` and `direct` streams: a list's owner hears what the list timeline shows, and the
people in a direct conversation hear of its new messages, no one else."""

from __future__ import annotations

from typing import Any

import orjson

from node.services.posts import posts
from node.services.social import follow_requests
from tests.api.helpers import Client, bearer, ctx_of, make_user, password_token
from tests.api.streams import (
    EventStream,
    follow_account,
    next_frame,
    open_ws,
    post_json,
    status_of,
    subscribed,
    timeline_ids,
)


async def _list_of(client: Client, token: str, *members: int) -> str:
    made = await client.post("/api/v1/lists", json={"title": "Staff"}, headers=bearer(token))
    assert made.status == 200, await made.text()
    list_id: str = (await made.json())["id"]
    added = await client.post(f"/api/v1/lists/{list_id}/accounts",
                              json={"account_ids": [str(m) for m in members]},
                              headers=bearer(token))  # fmt: skip
    assert added.status == 200, await added.text()
    return list_id


async def test_a_list_stream_carries_its_members_posts_their_edits_and_deletes(
    client: Client,
) -> None:
    await make_user(client, "ana")
    ben, dan = await make_user(client, "ben"), await make_user(client, "dan")
    ana, ben_t = await password_token(client, "ana"), await password_token(client, "ben")
    dan_t = await password_token(client, "dan")
    await follow_account(client, ana, ben.id)
    await follow_account(client, ana, dan.id)  # followed, but not on the list
    list_id = await _list_of(client, ana, ben.id)
    ws = await open_ws(client, ana, stream="list", list=list_id)
    sse = await client.get("/api/v1/streaming/list", params={"list": list_id},
                           headers=bearer(ana))  # fmt: skip
    assert sse.status == 200
    events = EventStream(sse)

    await post_json(client, dan_t, "Dan is not on the list")
    member = await post_json(client, ben_t, "Ben is")
    frame = await next_frame(ws)
    assert frame["stream"] == ["list", list_id] and frame["event"] == "update"
    assert status_of(frame)["id"] == member["id"], "the non-member's post never came"
    event = await events.event()
    assert event["event"] == "update" and orjson.loads(event["data"])["id"] == member["id"]

    await posts.edit_post(ctx_of(client), ben, int(member["id"]), "Ben is, edited")
    frame = await next_frame(ws)
    assert frame["event"] == "status.update" and "edited" in status_of(frame)["content"]
    await client.delete(f"/api/v1/statuses/{member['id']}", headers=bearer(ben_t))
    assert await next_frame(ws) == {"stream": ["list", list_id], "event": "delete",
                                "payload": member["id"]}  # fmt: skip
    sse.close()


async def test_no_one_but_its_owner_can_stream_a_list(client: Client) -> None:
    await make_user(client, "ana")
    ben = await make_user(client, "ben")
    ana, ben_t = await password_token(client, "ana"), await password_token(client, "ben")
    await follow_account(client, ana, ben.id)
    list_id = await _list_of(client, ana, ben.id)
    refused = {"error": "Not authorized to stream this list", "status": 401}

    ws = await open_ws(client, ben_t, stream="list", list=list_id)
    assert await next_frame(ws) == refused
    await ws.send_json({"type": "subscribe", "stream": "list", "list": list_id})
    assert await next_frame(ws) == refused
    await ws.send_json({"type": "subscribe", "stream": "list"})
    assert await next_frame(ws) == {"error": "Missing list name parameter", "status": 400}
    sse = await client.get(f"/api/v1/streaming/list?list={list_id}", headers=bearer(ben_t))
    assert sse.status == 401
    assert await sse.json() == {"error": "Not authorized to stream this list"}

    # Ben's own post on Ana's list: the socket is still open, and it never came to Ben.
    await subscribed(ws, {"type": "subscribe", "stream": "public"})
    posted = await post_json(client, ben_t, "On Ana's list")
    frame = await next_frame(ws)
    assert frame["stream"] == ["public"] and status_of(frame)["id"] == posted["id"]


async def test_a_followers_only_post_the_owner_may_not_see_never_reaches_the_list(
    client: Client,
) -> None:
    await make_user(client, "ana")
    cleo = await make_user(client, "cleo")
    ana, cleo_t = await password_token(client, "ana"), await password_token(client, "cleo")
    # Cleo approves followers by hand and has not approved Ana: on the list, not followed.
    await follow_requests.set_locked(ctx_of(client), cleo, True)
    await _follow_requested(client, ana, cleo.id)
    list_id = await _list_of(client, ana, cleo.id)
    ws = await open_ws(client, ana, stream="list", list=list_id)

    private = await post_json(client, cleo_t, "Followers only", visibility="private")
    public = await post_json(client, cleo_t, "For everyone")
    frame = await next_frame(ws)
    assert status_of(frame)["id"] == public["id"], "the followers-only post never came"
    timeline = await timeline_ids(client, ana, f"/api/v1/timelines/list/{list_id}")
    assert private["id"] not in timeline and public["id"] in timeline


async def _follow_requested(client: Client, token: str, account_id: int) -> None:
    response = await client.post(f"/api/v1/accounts/{account_id}/follow", headers=bearer(token))
    assert response.status == 200, await response.text()
    assert (await response.json())["requested"] is True


async def _conversations(client: Client, token: str) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/conversations", headers=bearer(token))
    assert response.status == 200, await response.text()
    found: list[dict[str, Any]] = await response.json()
    return found


async def test_a_direct_post_is_a_conversation_event_for_both_people_and_no_one_else(
    client: Client,
) -> None:
    await make_user(client, "ana")
    ben_account = await make_user(client, "ben")
    await make_user(client, "cara")
    ana, ben = await password_token(client, "ana"), await password_token(client, "ben")
    cara_t = await password_token(client, "cara")
    await follow_account(client, cara_t, ben_account.id)  # a follower of Ben's, not addressed
    sockets = {name: await open_ws(client, token, stream="direct")
               for name, token in (("ana", ana), ("ben", ben), ("cara", cara_t))}  # fmt: skip

    direct = await post_json(client, ben, "@ana your grades are in", visibility="direct")
    for name, token in (("ana", ana), ("ben", ben)):
        frame = await next_frame(sockets[name])
        assert frame["stream"] == ["direct"] and frame["event"] == "conversation"
        conversation = orjson.loads(frame["payload"])
        assert conversation["last_status"]["id"] == direct["id"]
        assert conversation == (await _conversations(client, token))[0], name
        assert conversation["unread"] is (name == "ana")

    await post_json(client, ben, "Not a direct post")
    own = await post_json(client, cara_t, "@ana a note of my own", visibility="direct")
    frame = await next_frame(sockets["cara"])
    assert orjson.loads(frame["payload"])["last_status"]["id"] == own["id"], "only Cara's own"


# -- The same rules as the timelines ---------------------------------------------------------
