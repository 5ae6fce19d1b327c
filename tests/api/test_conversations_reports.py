"""Conversations (direct messages by thread) and reports, through the client API."""

from __future__ import annotations

from typing import Any

import orjson

from node.api.ids import REMOTE_BASE
from node.domain.accounts import Role
from node.services.accounts import accounts
from tests.api.helpers import (
    PASSWORD,
    Client,
    bearer,
    ctx_of,
    expect_json,
    make_user,
    password_token,
    post_status,
)


async def _conversations(client: Client, token: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await expect_json(
        await client.get("/api/v1/conversations", headers=bearer(token))
    )
    return found


async def test_a_direct_thread_is_one_conversation_for_the_two_people_in_it(
    client: Client,
) -> None:
    ana_account, ben_account = await make_user(client, "ana"), await make_user(client, "ben")
    await make_user(client, "cleo")
    ana, ben, cleo = [await password_token(client, n) for n in ("ana", "ben", "cleo")]
    first = await post_status(client, ana, "@ben can you cover period 3?", visibility="direct")
    await post_status(client, ana, "A public post is no conversation")
    await post_status(client, ana, "@ben followers only is none either", visibility="private")

    [anas] = await _conversations(client, ana)
    assert anas["id"] == first and anas["last_status"]["id"] == first
    assert [a["username"] for a in anas["accounts"]] == ["ben"]
    assert anas["unread"] is False, "her own message"
    [bens] = await _conversations(client, ben)
    assert bens["id"] == first and bens["unread"] is True
    assert [a["id"] for a in bens["accounts"]] == [str(ana_account.id)]
    assert await _conversations(client, cleo) == [], "Cleo is not in it"

    answer = await post_status(
        client, ben, "@ana yes, I can", visibility="direct", in_reply_to_id=first
    )
    [anas] = await _conversations(client, ana)
    assert anas["id"] == first and anas["last_status"]["id"] == answer
    assert anas["unread"] is True
    read = await expect_json(
        await client.post(f"/api/v1/conversations/{first}/read", headers=bearer(ana))
    )
    assert read["unread"] is False and read["id"] == first
    assert (await _conversations(client, ana))[0]["unread"] is False

    # Deleting it takes it off Ana's list only; the next message brings it back.
    assert (
        await expect_json(
            await client.delete(f"/api/v1/conversations/{first}", headers=bearer(ana))
        )
        == {}
    )
    assert await _conversations(client, ana) == []
    assert len(await _conversations(client, ben)) == 1
    again = await post_status(
        client, ben, "@ana thanks!", visibility="direct", in_reply_to_id=answer
    )
    [anas] = await _conversations(client, ana)
    assert anas["last_status"]["id"] == again and anas["unread"] is True

    assert (
        await client.post(f"/api/v1/conversations/{first}/read", headers=bearer(cleo))
    ).status == 404
    assert (
        await client.delete(f"/api/v1/conversations/{first}", headers=bearer(cleo))
    ).status == 404
    reader = await password_token(client, "ana", scopes="read")
    assert (
        await client.delete(f"/api/v1/conversations/{first}", headers=bearer(reader))
    ).status == 403
    assert ben_account.username == "ben"


async def test_a_blocked_person_drops_out_of_conversations(client: Client) -> None:
    await make_user(client, "ana")
    ben_account = await make_user(client, "ben")
    ana, ben = await password_token(client, "ana"), await password_token(client, "ben")
    await post_status(client, ben, "@ana hello", visibility="direct")
    assert len(await _conversations(client, ana)) == 1
    await expect_json(
        await client.post(f"/api/v1/accounts/{ben_account.id}/block", headers=bearer(ana))
    )
    assert await _conversations(client, ana) == []


async def test_conversations_page_by_their_newest_message(client: Client) -> None:
    await make_user(client, "ana")
    for name in ("ben", "cleo", "dan"):
        await make_user(client, name)
    ana = await password_token(client, "ana")
    ids = [
        await post_status(client, ana, f"@{n} hi", visibility="direct")
        for n in ("ben", "cleo", "dan")
    ]
    first = await client.get("/api/v1/conversations", params={"limit": "2"}, headers=bearer(ana))
    assert [c["id"] for c in await expect_json(first)] == [ids[2], ids[1]]
    assert f"max_id={ids[1]}" in first.headers["Link"]
    rest = await expect_json(
        await client.get("/api/v1/conversations", params={"max_id": ids[1]}, headers=bearer(ana))
    )
    assert [c["id"] for c in rest] == [ids[0]]


async def test_a_report_is_stored_for_the_nodes_moderators(client: Client) -> None:
    await make_user(client, "ana")
    ben_account = await make_user(client, "ben")
    await accounts.create_account(
        ctx_of(client).db, "head", "head@district.example", role=Role.ADMIN, password=PASSWORD
    )
    ana, ben = await password_token(client, "ana"), await password_token(client, "ben")
    unkind = await post_status(client, ben, "Something unkind")
    private = await post_status(client, ben, "Followers only", visibility="private")
    anas_own = await post_status(client, ana, "Ana's post")

    report = await expect_json(
        await client.post(
            "/api/v1/reports",
            data={
                "account_id": str(ben_account.id),
                "status_ids[]": [unkind],
                "comment": "This is bullying",
                "category": "violation",
            },
            headers=bearer(ana),
        )
    )
    assert report["category"] == "violation" and report["comment"] == "This is bullying"
    assert report["status_ids"] == [unkind] and report["action_taken"] is False
    assert report["target_account"]["username"] == "ben" and report["forwarded"] is False

    # Only Ben's posts, and only ones Ana may see: anything else is "not found".
    for wrong in (anas_own, private, "99999999"):
        refused = await client.post(
            "/api/v1/reports",
            json={"account_id": str(ben_account.id), "status_ids": [wrong]},
            headers=bearer(ana),
        )
        assert refused.status == 404, wrong
    unknown = await client.post(
        "/api/v1/reports", json={"account_id": "424242"}, headers=bearer(ana)
    )
    assert unknown.status == 404
    odd = await client.post(
        "/api/v1/reports",
        json={"account_id": str(ben_account.id), "category": "rude"},
        headers=bearer(ana),
    )
    assert odd.status == 422

    # Ben deletes the post; the moderator still reads what he wrote.
    await expect_json(await client.delete(f"/api/v1/statuses/{unkind}", headers=bearer(ben)))
    head = await password_token(client, "head", scopes="read admin:read")
    [seen] = await expect_json(await client.get("/api/v1/admin/reports", headers=bearer(head)))
    assert seen["id"] == report["id"] and seen["comment"] == "This is bullying"
    assert seen["account"]["username"] == "ana" and seen["target_account"]["username"] == "ben"
    assert seen["statuses"] == [], "the post is gone..."
    assert "Something unkind" in seen["reported_posts"][0]["content"], "...its copy is not"

    ana_admin = await password_token(client, "ana", scopes="read admin:read")
    assert (await client.get("/api/v1/admin/reports", headers=bearer(ana_admin))).status == 403
    assert (await client.get("/api/v1/admin/reports", headers=bearer(ana))).status == 403
    reader = await password_token(client, "ana", scopes="read")
    no_scope = await client.post(
        "/api/v1/reports", json={"account_id": str(ben_account.id)}, headers=bearer(reader)
    )
    assert no_scope.status == 403


async def test_a_forwarded_report_goes_to_their_server_without_the_reporters_name(
    client: Client,
) -> None:
    await make_user(client, "ana")
    ana = await password_token(client, "ana")
    ctx = ctx_of(client)
    async with ctx.db.connection() as conn:
        remote_id = await conn.fetchval(
            """INSERT INTO remote_actors (uri, actor_type, username, host, inbox, shared_inbox,
                                          raw)
               VALUES ('http://127.0.0.1:9/users/zed', 'Person', 'zed', '127.0.0.1:9',
                       'http://127.0.0.1:9/users/zed/inbox', 'http://127.0.0.1:9/inbox', '{}')
               RETURNING id"""
        )
    report = await expect_json(
        await client.post(
            "/api/v1/reports",
            json={"account_id": str(REMOTE_BASE + remote_id), "comment": "Spam", "forward": True},
            headers=bearer(ana),
        )
    )
    assert report["forwarded"] is True and report["target_account"]["acct"] == "zed@127.0.0.1:9"
    async with ctx.db.connection() as conn:
        sent = await conn.fetchrow(
            """SELECT o.body, o.account_id, d.inbox FROM outbound_activities o
               JOIN deliveries d ON d.activity_id = o.id"""
        )
    assert sent is not None and sent["account_id"] is None and sent["inbox"].endswith("/inbox")
    flag = orjson.loads(sent["body"])
    assert flag["type"] == "Flag" and flag["actor"] == ctx.urls.instance_actor
    assert flag["object"] == ["http://127.0.0.1:9/users/zed"] and flag["content"] == "Spam"
    assert "ana" not in sent["body"]
