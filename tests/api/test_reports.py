"""Reports through the client API: stored for the node's moderators, and forwarded to the
reported person's server without the reporter's name."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson

from node.api.ids import REMOTE_BASE
from node.domain.accounts import Role
from tests.api.helpers import (
    Client,
    bearer,
    ctx_of,
    expect_json,
    make_user,
    password_token,
    post_status,
)
from tests.support.people import local_person


async def _report(client: Client, token: str, **fields: Any) -> aiohttp.ClientResponse:
    return await client.post("/api/v1/reports", json=fields, headers=bearer(token))


async def test_a_report_is_stored_for_the_nodes_moderators(client: Client) -> None:
    await make_user(client, "ana")
    ben_account = await make_user(client, "ben")
    await local_person(ctx_of(client), "head", role=Role.ADMIN)
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
    bens = str(ben_account.id)
    for wrong in (anas_own, private, "99999999"):
        refused = await _report(client, ana, account_id=bens, status_ids=[wrong])
        assert refused.status == 404, wrong
    assert (await _report(client, ana, account_id="424242")).status == 404
    assert (await _report(client, ana, account_id=bens, category="rude")).status == 422

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
    assert (await _report(client, reader, account_id=bens)).status == 403


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
