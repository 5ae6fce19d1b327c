"""Groups through the client API: a group is an account with `group: true` that apps follow
to join and mention to post in (as Mastodon users do, interop brief §6.2)."""

from __future__ import annotations

from typing import Any

from node.domain.groups import GroupSettings
from node.services.groups import groups
from node.services.groups import threads as group_posts
from tests.api.helpers import Client, bearer, ctx_of, make_user, password_token


async def _json(client: Client, method: str, path: str, token: str, **kw: Any) -> Any:
    response = await client.request(method, path, headers=bearer(token), **kw)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_app_follows_a_group_and_posts_a_thread_by_mentioning_it(client: Client) -> None:
    ctx = ctx_of(client)
    owner, ana = await make_user(client, "owner"), await make_user(client, "ana")
    group = await groups.create_group(ctx, owner, "maths", GroupSettings(name="Maths"))
    token = await password_token(client, "ana")

    found = await _json(client, "GET", "/api/v1/accounts/lookup?acct=maths", token)
    assert found["group"] is True and found["display_name"] == "Maths"
    joined = await _json(client, "POST", f"/api/v1/accounts/{found['id']}/follow", token)
    assert joined["following"] is True
    assert (await groups.membership(ctx, ana, group)).is_member

    status = await _json(
        client, "POST", "/api/v1/statuses", token,
        json={"status": "@maths Fractions week\nIdeas for ten-year-olds?"},
    )  # fmt: skip
    threads = await group_posts.thread_list(ctx, None, group)
    assert [(t.row.title, str(t.first.id)) for t in threads] == [("Fractions week", status["id"])]

    reply = await _json(
        client, "POST", "/api/v1/statuses", token,
        json={"status": "Pizza slices work well.", "in_reply_to_id": status["id"]},
    )  # fmt: skip
    page = await group_posts.thread_page(ctx, None, int(status["id"]))
    assert [str(p.id) for p in page.replies] == [reply["id"]]


async def test_members_only_group_posts_are_private_and_hidden_from_others(
    client: Client,
) -> None:
    ctx = ctx_of(client)
    owner = await make_user(client, "owner")
    await make_user(client, "olly")
    group = await groups.create_group(
        ctx, owner, "staffroom", GroupSettings(name="Staff room", members_only=True)
    )
    thread_id = await group_posts.start_thread(ctx, owner, group, "Rota", "Cover for Friday")
    owner_token = await password_token(client, "owner")
    mine = await _json(client, "GET", f"/api/v1/statuses/{thread_id}", owner_token)
    assert mine["visibility"] == "private"
    olly_token = await password_token(client, "olly")
    hidden = await client.get(f"/api/v1/statuses/{thread_id}", headers=bearer(olly_token))
    assert hidden.status == 404
    public = await _json(client, "GET", "/api/v1/timelines/public", olly_token)
    assert all(s["id"] != str(thread_id) for s in public)
    searched = await _json(client, "GET", "/api/v2/search?q=Friday", olly_token)
    assert searched["statuses"] == []
