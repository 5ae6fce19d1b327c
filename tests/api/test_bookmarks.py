"""One's bookmarks through the client API: newest bookmark first, paged by `Link`."""

from __future__ import annotations

from tests.api.helpers import (
    Client,
    bearer,
    expect_json,
    link_path,
    make_user,
    password_token,
    post_json,
)


async def test_bookmarks_list_newest_bookmark_first_with_link_paging(client: Client) -> None:
    # Given three posts bookmarked in an order different from the one they were written in
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    posts = [await post_json(client, token, status=f"Worksheet {n}") for n in range(3)]
    for index in (1, 0, 2):
        await expect_json(await client.post(f"/api/v1/statuses/{posts[index]['id']}/bookmark",
                                      headers=bearer(token)))  # fmt: skip

    # When she lists them two at a time
    first = await client.get("/api/v1/bookmarks", params={"limit": "2"}, headers=bearer(token))
    shown = await expect_json(first)
    assert [s["id"] for s in shown] == [posts[2]["id"], posts[0]["id"]]
    assert all(s["bookmarked"] for s in shown)
    second = await client.get(link_path(client, first, "next"), headers=bearer(token))
    assert [s["id"] for s in await expect_json(second)] == [posts[1]["id"]]
    newer = await client.get(link_path(client, second, "prev"), headers=bearer(token))
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
