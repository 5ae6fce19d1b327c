"""How a node treats what other servers send: sanitising, origin checks, deletes, threads and
follow requests to a locked account."""

from __future__ import annotations

import json

import aiohttp

from federation.signatures import SigningKey, sign_request
from node.domain.accounts import Account
from node.services.posts import posts
from node.services.social import follow_requests, follows
from node.storage.accounts import accounts as account_store
from tests.support.federation import FlowNode, run_until_idle
from tests.support.html import csrf_token
from tests.support.web import browser_session, sign_in_session

AP = "application/activity+json"


async def _send_as(
    sender: FlowNode, account: Account, target: FlowNode, activity: dict[str, object]
) -> int:
    """POST an activity to `target`'s shared inbox, signed with `account`'s real key."""
    async with sender.ctx.db.connection() as conn:
        found = await account_store.get_signing_key(conn, account.id)
    assert found is not None
    key = SigningKey(sender.ctx.urls.key_id(account.username), found[1])
    url, body = f"{target.url}/inbox", json.dumps(activity).encode()
    headers = sign_request("POST", url, {"Content-Type": AP}, body, key)
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        return r.status


async def _one(node: FlowNode, query: str, *args: object) -> object:
    async with node.ctx.db.connection() as conn:
        return await conn.fetchval(query, *args)


def _create(sender: FlowNode, username: str, object_id: str, content: str) -> dict[str, object]:
    actor = sender.ctx.urls.actor(username)
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{object_id}/activity",
        "type": "Create",
        "actor": actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": object_id, "type": "Note", "attributedTo": actor, "content": content,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        },
    }  # fmt: skip


async def test_remote_html_is_sanitised_before_it_is_stored(trio: tuple[FlowNode, ...]) -> None:
    a, b, _ = trio
    ben = await b.user("ben")
    hostile = (
        '<p>Quiz<script>alert(1)</script><img src="x" onerror="alert(2)">'
        '<a href="javascript:alert(3)">link</a><iframe src="http://evil.example"></iframe>'
        '<span style="position:fixed">x</span></p>'
    )
    object_id = f"{b.ctx.urls.actor('ben')}/statuses/999"
    assert await _send_as(b, ben, a, _create(b, "ben", object_id, hostile)) == 202
    await run_until_idle(a)
    stored = str(await _one(a, "SELECT content_html FROM posts WHERE uri = $1", object_id))
    assert "Quiz" in stored
    for banned in ("<script", "onerror", "javascript:", "<iframe", "style="):
        assert banned not in stored


async def test_an_object_claimed_on_another_host_is_checked_at_its_origin(
    trio: tuple[FlowNode, ...],
) -> None:
    a, b, c = trio
    ben, cara = await b.user("ben"), await c.user("cara")
    real = await posts.create_post(c.ctx, cara, "Cara's real words")
    forged = _create(b, "ben", real.uri, "Words put in Cara's mouth")
    assert await _send_as(b, ben, a, forged) == 202
    await run_until_idle(a, c)
    assert await _one(a, "SELECT count(*) FROM posts WHERE uri = $1", real.uri) == 0
    reason = await _one(a, "SELECT last_error FROM inbox_activities WHERE activity_id = $1",
                        f"{real.uri}/activity")  # fmt: skip
    assert "another author" in str(reason)


async def test_a_remote_actor_deleting_itself_takes_its_follows_and_posts(
    trio: tuple[FlowNode, ...],
) -> None:
    a, b, _ = trio
    await a.user("ana")
    ben = await b.user("ben")
    await follows.follow(b.ctx, ben, a.ctx.urls.actor("ana"))
    await follows.follow(a.ctx, await _account(a, "ana"), b.ctx.urls.actor("ben"))
    await run_until_idle(a, b)
    await posts.create_post(b.ctx, ben, "Goodbye, moving schools")
    await run_until_idle(a, b)
    assert await _one(a, "SELECT count(*) FROM posts WHERE author_remote IS NOT NULL") == 1
    actor = b.ctx.urls.actor("ben")
    delete = {"id": f"{actor}#delete", "type": "Delete", "actor": actor, "object": actor}
    assert await _send_as(b, ben, a, delete) == 202
    await run_until_idle(a)
    assert await _one(a, "SELECT count(*) FROM remote_actors") == 0
    assert await _one(a, "SELECT count(*) FROM follows") == 0
    assert await _one(a, "SELECT count(*) FROM posts WHERE author_remote IS NOT NULL") == 0


async def _account(node: FlowNode, username: str) -> Account:
    async with node.ctx.db.connection() as conn:
        found = await account_store.get_account_by_username(conn, username)
    assert found is not None
    return found


async def test_a_reply_to_an_unknown_post_fetches_its_parent(trio: tuple[FlowNode, ...]) -> None:
    a, b, _ = trio
    ana = await a.user("ana")
    ben, bob = await b.user("ben"), await b.user("bob")
    await follows.follow(a.ctx, ana, b.ctx.urls.actor("bob"))  # Ana follows Bob, not Ben
    await run_until_idle(a, b)
    parent = await posts.create_post(b.ctx, ben, "Who has a good rubric for lab reports?")
    reply = await posts.create_post(b.ctx, bob, "Here is mine", in_reply_to=parent.uri)
    await run_until_idle(a, b)
    parent_id = await _one(a, "SELECT id FROM posts WHERE uri = $1", parent.uri)
    assert parent_id is not None, "the parent was fetched from its origin"
    assert await _one(a, "SELECT in_reply_to_id FROM posts WHERE uri = $1", reply.uri) == parent_id


async def test_a_locked_account_approves_or_rejects_follow_requests(
    trio: tuple[FlowNode, ...],
) -> None:
    a, b, c = trio
    ana = await a.user("ana")
    await follow_requests.set_locked(a.ctx, ana, True)
    ben, cara = await b.user("ben"), await c.user("cara")
    from_ben = await follows.follow(b.ctx, ben, a.ctx.urls.actor("ana"))
    from_cara = await follows.follow(c.ctx, cara, a.ctx.urls.actor("ana"))
    await run_until_idle(a, b, c)
    requests = await follow_requests.pending_requests(a.ctx, ana)
    assert sorted(r.handle for r in requests) == [f"ben@{b.host}", f"cara@{c.host}"]
    assert await _one(b, "SELECT state FROM follows WHERE id = $1", from_ben.id) == "pending"

    by_handle = {r.handle: r for r in requests}
    await follow_requests.approve(a.ctx, ana, by_handle[f"ben@{b.host}"].follow_id)
    await follow_requests.reject(a.ctx, ana, by_handle[f"cara@{c.host}"].follow_id)
    await run_until_idle(a, b, c)
    assert await _one(b, "SELECT state FROM follows WHERE id = $1", from_ben.id) == "accepted"
    assert await _one(c, "SELECT count(*) FROM follows WHERE id = $1", from_cara.id) == 0
    assert await follow_requests.pending_requests(a.ctx, ana) == []


async def test_follow_requests_page_approves_through_the_form(
    trio: tuple[FlowNode, ...],
) -> None:
    a, b, _ = trio
    ana = await a.user("ana")
    await follow_requests.set_locked(a.ctx, ana, True)
    ben = await b.user("ben")
    from_ben = await follows.follow(b.ctx, ben, a.ctx.urls.actor("ana"))
    await run_until_idle(a, b)
    async with browser_session() as http:
        anonymous = await http.get(f"{a.url}/follow-requests", allow_redirects=False)
        assert anonymous.status == 303
        await sign_in_session(http, a.url, "ana")
        page = await (await http.get(f"{a.url}/follow-requests")).text()
        assert f"@ben@{b.host}" in page
        follow_id = await _one(a, "SELECT id FROM follows WHERE state = 'pending'")
        done = await http.post(
            f"{a.url}/follow-requests/{follow_id}",
            data={"decision": "approve", "_csrf": csrf_token(page)},
        )
        assert "No one is waiting" in await done.text()
    await run_until_idle(a, b)
    assert await _one(b, "SELECT state FROM follows WHERE id = $1", from_ben.id) == "accepted"


async def test_a_locked_account_approves_a_follower_on_the_same_node(
    trio: tuple[FlowNode, ...],
) -> None:
    a, _, _ = trio
    ana, cal = await a.user("ana"), await a.user("cal")
    await follow_requests.set_locked(a.ctx, ana, True)
    pending = await follows.follow(a.ctx, cal, "@ana")
    assert pending.state == "pending"
    (request,) = await follow_requests.pending_requests(a.ctx, ana)
    assert request.handle == "cal"
    await follow_requests.approve(a.ctx, ana, request.follow_id)
    assert await _one(a, "SELECT state FROM follows WHERE id = $1", pending.id) == "accepted"
    assert await _one(a, "SELECT count(*) FROM deliveries") == 0, "nothing goes over the network"
