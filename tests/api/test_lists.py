"""Lists through the client API: making and changing them, who may be on one, and a list's
timeline, which keeps the home timeline's visibility rules."""

from __future__ import annotations

from typing import Any

from node.services.social import follow_requests
from tests.api.helpers import (
    Client,
    bearer,
    ctx_of,
    expect_json,
    make_user,
    password_token,
    post_status,
)


async def _follow(client: Client, token: str, account_id: int) -> dict[str, Any]:
    result: dict[str, Any] = await expect_json(
        await client.post(f"/api/v1/accounts/{account_id}/follow", headers=bearer(token))
    )
    return result


async def _new_list(client: Client, token: str, title: str, *members: int, **fields: Any) -> str:
    """A list made through the API, with these people on it (whom the owner follows); its id."""
    made = await expect_json(await client.post(
        "/api/v1/lists", json={"title": title, **fields}, headers=bearer(token)
    ))  # fmt: skip
    if members:
        await expect_json(await client.post(
            f"/api/v1/lists/{made['id']}/accounts",
            json={"account_ids": [str(m) for m in members]}, headers=bearer(token),
        ))  # fmt: skip
    return str(made["id"])


async def _ids(client: Client, path: str, token: str) -> list[str]:
    return [s["id"] for s in await expect_json(await client.get(path, headers=bearer(token)))]


async def _change(client: Client, token: str, list_id: str, **fields: Any) -> None:
    await expect_json(
        await client.put(f"/api/v1/lists/{list_id}", json=fields, headers=bearer(token))
    )


async def test_list_crud_and_someone_elses_list_is_not_found(client: Client) -> None:
    await make_user(client, "ana")
    await make_user(client, "ben")
    ana, ben = await password_token(client, "ana"), await password_token(client, "ben")
    made = await expect_json(
        await client.post("/api/v1/lists", data={"title": "Science dept"}, headers=bearer(ana))
    )
    assert made == {
        "id": made["id"],
        "title": "Science dept",
        "replies_policy": "list",
        "exclusive": False,
    }
    other = await expect_json(await client.post("/api/v1/lists", headers=bearer(ana), json={
        "title": "Parents", "replies_policy": "none", "exclusive": True,
    }))  # fmt: skip
    assert other["replies_policy"] == "none" and other["exclusive"] is True

    path = f"/api/v1/lists/{made['id']}"
    fetched = await expect_json(await client.get(path, headers=bearer(ana)))
    assert fetched["title"] == "Science dept"
    renamed = await expect_json(
        await client.put(path, json={"title": "Science"}, headers=bearer(ana))
    )
    assert renamed["title"] == "Science" and renamed["replies_policy"] == "list"
    listed = await expect_json(await client.get("/api/v1/lists", headers=bearer(ana)))
    assert [item["title"] for item in listed] == ["Science", "Parents"]

    # Ben sees none of it: every way in is "not found", never "forbidden".
    assert await expect_json(await client.get("/api/v1/lists", headers=bearer(ben))) == []
    timeline = f"/api/v1/timelines/list/{made['id']}"
    ways_in = [("GET", path), ("PUT", path), ("DELETE", path), ("GET", f"{path}/accounts"),
               ("POST", f"{path}/accounts"), ("GET", timeline)]  # fmt: skip
    for method, where in ways_in:
        response = await client.request(method, where, json={"title": "Mine now"},
                                        headers=bearer(ben))  # fmt: skip
        assert response.status == 404, (method, where, response.status)

    blank = await client.post("/api/v1/lists", json={"title": "  "}, headers=bearer(ana))
    assert blank.status == 422
    odd = await client.post(
        "/api/v1/lists", json={"title": "x", "replies_policy": "all"}, headers=bearer(ana)
    )
    assert odd.status == 422
    assert await expect_json(await client.delete(path, headers=bearer(ana))) == {}
    assert (await client.get(path, headers=bearer(ana))).status == 404


async def test_only_people_you_follow_go_on_a_list(client: Client) -> None:
    await make_user(client, "ana")
    ben, cleo = await make_user(client, "ben"), await make_user(client, "cleo")
    ana = await password_token(client, "ana")
    made = await expect_json(
        await client.post("/api/v1/lists", json={"title": "Staff"}, headers=bearer(ana))
    )
    members = f"/api/v1/lists/{made['id']}/accounts"
    stranger = await client.post(members, json={"account_ids": [str(ben.id)]}, headers=bearer(ana))
    assert stranger.status == 404, "Mastodon: you must follow them first"

    await _follow(client, ana, ben.id)
    await _follow(client, ana, cleo.id)
    added = await client.post(
        members, data={"account_ids[]": [str(ben.id), str(cleo.id)]}, headers=bearer(ana)
    )
    assert await expect_json(added) == {}
    twice = await client.post(members, json={"account_ids": [str(ben.id)]}, headers=bearer(ana))
    assert twice.status == 422
    shown = await expect_json(await client.get(members, headers=bearer(ana)))
    assert {a["username"] for a in shown} == {"ben", "cleo"}
    everyone = await expect_json(
        await client.get(members, params={"limit": "0"}, headers=bearer(ana))
    )
    assert len(everyone) == 2
    first = await client.get(members, params={"limit": "1"}, headers=bearer(ana))
    assert len(await expect_json(first)) == 1 and 'rel="next"' in first.headers["Link"]

    holding = await expect_json(
        await client.get(f"/api/v1/accounts/{ben.id}/lists", headers=bearer(ana))
    )
    assert [item["id"] for item in holding] == [made["id"]]

    removed = await client.delete(
        members, params={"account_ids[]": str(cleo.id)}, headers=bearer(ana)
    )
    assert await expect_json(removed) == {}
    # An unfollow takes someone off every list by itself (Mastodon does the same).
    await expect_json(await client.post(f"/api/v1/accounts/{ben.id}/unfollow", headers=bearer(ana)))
    assert await expect_json(await client.get(members, headers=bearer(ana))) == []


async def test_the_list_timeline_shows_members_posts_the_owner_may_see(client: Client) -> None:
    await make_user(client, "ana")
    ben, cleo, dan = [await make_user(client, n) for n in ("ben", "cleo", "dan")]
    ana, ben_t, cleo_t, dan_t = [
        await password_token(client, n) for n in ("ana", "ben", "cleo", "dan")
    ]
    # Cleo approves followers by hand and has not approved Ana: a request, not a follow.
    await follow_requests.set_locked(ctx_of(client), cleo, True)
    await _follow(client, ana, ben.id)
    assert (await _follow(client, ana, cleo.id))["requested"] is True
    await _follow(client, ana, dan.id)
    year5 = await _new_list(client, ana, "Year 5", ben.id, cleo.id)

    bens = await post_status(client, ben_t, "Ben's class news")
    bens_private = await post_status(client, ben_t, "Ben, followers only", visibility="private")
    cleos_public = await post_status(client, cleo_t, "Cleo's public post")
    cleos_private = await post_status(client, cleo_t, "Cleo, followers only", visibility="private")
    dans = await post_status(client, dan_t, "Dan is not on the list")
    reply_to_dan = await post_status(client, ben_t, "@dan replying to Dan", in_reply_to_id=dans)
    reply_to_cleo = await post_status(
        client, ben_t, "@cleo replying to Cleo", in_reply_to_id=cleos_public
    )

    timeline = f"/api/v1/timelines/list/{year5}"
    shown = await _ids(client, timeline, ana)
    assert shown == [reply_to_cleo, cleos_public, bens_private, bens]
    assert cleos_private not in shown, "Ana may not see Cleo's followers-only post"
    assert dans not in shown and reply_to_dan not in shown

    await _change(client, ana, year5, replies_policy="followed")
    assert reply_to_dan in await _ids(client, timeline, ana), "Ana follows Dan"
    await _change(client, ana, year5, replies_policy="none")
    assert await _ids(client, timeline, ana) == [cleos_public, bens_private, bens]

    paged = await client.get(timeline, params={"limit": "2"}, headers=bearer(ana))
    assert [s["id"] for s in await expect_json(paged)] == [cleos_public, bens_private]
    assert f"max_id={bens_private}" in paged.headers["Link"]

    reader = await password_token(client, "ana", scopes="read:statuses")
    assert (await client.get(timeline, headers=bearer(reader))).status == 403
    assert (await client.get("/api/v1/lists", headers=bearer(reader))).status == 403
    writer = await password_token(client, "ana", scopes="read:lists")
    assert (
        await client.post("/api/v1/lists", json={"title": "x"}, headers=bearer(writer))
    ).status == 403


async def test_an_exclusive_lists_members_leave_the_home_timeline(client: Client) -> None:
    await make_user(client, "ana")
    ben, cleo = await make_user(client, "ben"), await make_user(client, "cleo")
    ana = await password_token(client, "ana")
    ben_t, cleo_t = await password_token(client, "ben"), await password_token(client, "cleo")
    await _follow(client, ana, ben.id)
    await _follow(client, ana, cleo.id)
    parents = await _new_list(client, ana, "Parents", ben.id, exclusive=True)
    bens = await post_status(client, ben_t, "Bake sale on Saturday")
    cleos = await post_status(client, cleo_t, "Cleo's news")
    home = await _ids(client, "/api/v1/timelines/home", ana)
    assert cleos in home and bens not in home
    assert await _ids(client, f"/api/v1/timelines/list/{parents}", ana) == [bens]
    await _change(client, ana, parents, exclusive=False)
    assert bens in await _ids(client, "/api/v1/timelines/home", ana)
