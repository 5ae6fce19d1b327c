"""Conversations (direct messages by thread) through the client API."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.api.helpers import (
    Client,
    bearer,
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


async def _mark_read(client: Client, token: str, conversation: str) -> aiohttp.ClientResponse:
    return await client.post(f"/api/v1/conversations/{conversation}/read", headers=bearer(token))


async def _remove(client: Client, token: str, conversation: str) -> aiohttp.ClientResponse:
    return await client.delete(f"/api/v1/conversations/{conversation}", headers=bearer(token))


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
    read = await expect_json(await _mark_read(client, ana, first))
    assert read["unread"] is False and read["id"] == first
    assert (await _conversations(client, ana))[0]["unread"] is False

    # Deleting it takes it off Ana's list only; the next message brings it back.
    assert await expect_json(await _remove(client, ana, first)) == {}
    assert await _conversations(client, ana) == []
    assert len(await _conversations(client, ben)) == 1
    again = await post_status(
        client, ben, "@ana thanks!", visibility="direct", in_reply_to_id=answer
    )
    [anas] = await _conversations(client, ana)
    assert anas["last_status"]["id"] == again and anas["unread"] is True

    assert (await _mark_read(client, cleo, first)).status == 404
    assert (await _remove(client, cleo, first)).status == 404
    reader = await password_token(client, "ana", scopes="read")
    assert (await _remove(client, reader, first)).status == 403
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
