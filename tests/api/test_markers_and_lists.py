"""Reading positions (markers), and the lists of one's bookmarks and favourites."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.api.helpers import Client, bearer, expect_json, make_user, password_token


async def _post(client: Client, token: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = await expect_json(
        await client.post("/api/v1/statuses", json=fields, headers=bearer(token))
    )
    return body


def _path_of(client: Client, response: aiohttp.ClientResponse, rel: str) -> str:
    for part in response.headers["Link"].split(","):
        url, _, kind = part.partition(";")
        if f'rel="{rel}"' in kind:
            return url.strip().strip("<>").replace(str(client.make_url("")).rstrip("/"), "")
    raise AssertionError(f"no {rel} link")


async def test_markers_round_trip_and_count_their_versions(client: Client) -> None:
    # Given someone who has never set a marker
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    wanted = [("timeline[]", "home"), ("timeline[]", "notifications")]
    assert await expect_json(await client.get("/api/v1/markers", params=wanted,
                                        headers=bearer(token))) == {}  # fmt: skip

    # When an app saves both positions (as a form), then moves the home one (as JSON)
    saved = await expect_json(await client.post(
        "/api/v1/markers", headers=bearer(token),
        data={"home[last_read_id]": "105", "notifications[last_read_id]": "7"},
    ))  # fmt: skip
    assert saved["home"]["last_read_id"] == "105" and saved["home"]["version"] == 0
    moved = await expect_json(await client.post("/api/v1/markers", headers=bearer(token),
                                          json={"home": {"last_read_id": "110"}}))  # fmt: skip
    assert set(moved) == {"home"}
    assert moved["home"]["last_read_id"] == "110" and moved["home"]["version"] == 1
    same = await expect_json(await client.post("/api/v1/markers", headers=bearer(token),
                                         json={"home": {"last_read_id": "110"}}))  # fmt: skip
    assert same["home"]["version"] == 1, "saving the same place again is not a change"

    # Then another app reads the same places
    other = await password_token(client, "ana")
    found = await expect_json(
        await client.get("/api/v1/markers", params=wanted, headers=bearer(other))
    )
    assert found["home"]["last_read_id"] == "110" and found["home"]["version"] == 1
    assert found["notifications"] == saved["notifications"]
    assert found["home"]["updated_at"].endswith("Z")
    only_home = await expect_json(await client.get("/api/v1/markers", params={"timeline[]": "home"},
                                             headers=bearer(other)))  # fmt: skip
    assert set(only_home) == {"home"}

    # and junk is refused, someone else's markers are their own, scopes are checked
    bad = await client.post("/api/v1/markers", headers=bearer(token),
                            json={"home": {"last_read_id": "abc"}})  # fmt: skip
    assert bad.status == 422
    await make_user(client, "ben")
    ben = await password_token(client, "ben")
    assert await expect_json(await client.get("/api/v1/markers", params=wanted,
                                        headers=bearer(ben))) == {}  # fmt: skip
    writer = await password_token(client, "ana", scopes="write")
    assert (await client.get("/api/v1/markers", params=wanted,
                             headers=bearer(writer))).status == 403  # fmt: skip
    reader = await password_token(client, "ana", scopes="read")
    refused = await client.post("/api/v1/markers", json={"home": {"last_read_id": "1"}},
                                headers=bearer(reader))  # fmt: skip
    assert refused.status == 403
    assert (await client.get("/api/v1/markers")).status == 401


async def test_bookmarks_list_newest_bookmark_first_with_link_paging(client: Client) -> None:
    # Given three posts bookmarked in an order different from the one they were written in
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    posts = [await _post(client, token, status=f"Worksheet {n}") for n in range(3)]
    for index in (1, 0, 2):
        await expect_json(await client.post(f"/api/v1/statuses/{posts[index]['id']}/bookmark",
                                      headers=bearer(token)))  # fmt: skip

    # When she lists them two at a time
    first = await client.get("/api/v1/bookmarks", params={"limit": "2"}, headers=bearer(token))
    shown = await expect_json(first)
    assert [s["id"] for s in shown] == [posts[2]["id"], posts[0]["id"]]
    assert all(s["bookmarked"] for s in shown)
    second = await client.get(_path_of(client, first, "next"), headers=bearer(token))
    assert [s["id"] for s in await expect_json(second)] == [posts[1]["id"]]
    newer = await client.get(_path_of(client, second, "prev"), headers=bearer(token))
    assert [s["id"] for s in await expect_json(newer)] == [posts[2]["id"], posts[0]["id"]]

    # Then an unbookmarked post leaves the list, which is hers alone
    await client.post(f"/api/v1/statuses/{posts[0]['id']}/unbookmark", headers=bearer(token))
    after = await expect_json(await client.get("/api/v1/bookmarks", headers=bearer(token)))
    assert [s["id"] for s in after] == [posts[2]["id"], posts[1]["id"]]
    await make_user(client, "ben")
    ben = await password_token(client, "ben")
    assert await expect_json(await client.get("/api/v1/bookmarks", headers=bearer(ben))) == []
    assert (await client.get("/api/v1/bookmarks")).status == 401, "a token is needed"
    writer = await password_token(client, "ana", scopes="write")
    assert (await client.get("/api/v1/bookmarks", headers=bearer(writer))).status == 403


async def test_favourites_leave_out_posts_that_became_invisible(client: Client) -> None:
    # Given ben follows ana and likes and bookmarks her followers-only post and a public one
    ana = await make_user(client, "ana")
    await make_user(client, "ben")
    ana_token, ben_token = await password_token(client, "ana"), await password_token(client, "ben")
    await expect_json(
        await client.post(f"/api/v1/accounts/{ana.id}/follow", headers=bearer(ben_token))
    )
    public = await _post(client, ana_token, status="Open day on Saturday")
    private = await _post(client, ana_token, status="Staff party", visibility="private")
    for post in (public, private):
        for action in ("favourite", "bookmark"):
            await expect_json(await client.post(f"/api/v1/statuses/{post['id']}/{action}",
                                          headers=bearer(ben_token)))  # fmt: skip
    liked = await expect_json(await client.get("/api/v1/favourites", headers=bearer(ben_token)))
    assert [s["id"] for s in liked] == [private["id"], public["id"]]
    assert all(s["favourited"] for s in liked)

    # When he stops following her
    await expect_json(await client.post(f"/api/v1/accounts/{ana.id}/unfollow",
                                  headers=bearer(ben_token)))  # fmt: skip

    # Then the followers-only post is no longer in his favourites or bookmarks
    liked = await expect_json(await client.get("/api/v1/favourites", headers=bearer(ben_token)))
    assert [s["id"] for s in liked] == [public["id"]]
    kept = await expect_json(await client.get("/api/v1/bookmarks", headers=bearer(ben_token)))
    assert [s["id"] for s in kept] == [public["id"]]
    writer = await password_token(client, "ben", scopes="write")
    assert (await client.get("/api/v1/favourites", headers=bearer(writer))).status == 403
