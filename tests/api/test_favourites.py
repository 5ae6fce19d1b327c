"""One's favourites through the client API, without posts one may no longer see."""

from __future__ import annotations

from tests.api.helpers import (
    Client,
    bearer,
    expect_json,
    make_user,
    password_token,
    post_json,
)


async def test_favourites_leave_out_posts_that_became_invisible(client: Client) -> None:
    # Given ben follows ana and likes and bookmarks her followers-only post and a public one
    ana = await make_user(client, "ana")
    await make_user(client, "ben")
    ana_token, ben_token = await password_token(client, "ana"), await password_token(client, "ben")
    await expect_json(
        await client.post(f"/api/v1/accounts/{ana.id}/follow", headers=bearer(ben_token))
    )
    public = await post_json(client, ana_token, status="Open day on Saturday")
    private = await post_json(client, ana_token, status="Staff party", visibility="private")
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
