"""Search through the client API (v2): people, hashtags, and the posts the searcher may see."""

from __future__ import annotations

from tests.api.helpers import Client, bearer, make_user, password_token, post_json


async def test_search_finds_people_tags_and_visible_posts(client: Client) -> None:
    await make_user(client, "ana")
    await make_user(client, "anouk")
    token = await password_token(client, "ana")
    await post_json(client, token, status="Photosynthesis lab #biology")
    await post_json(
        client, token, status="Photosynthesis notes, followers only", visibility="private"
    )
    found = await (
        await client.get("/api/v2/search", params={"q": "ano"}, headers=bearer(token))
    ).json()
    assert [a["username"] for a in found["accounts"]] == ["anouk"]
    tags = await (await client.get("/api/v2/search", params={"q": "#bio"})).json()
    assert tags["hashtags"][0]["name"] == "biology"
    anonymous = await (
        await client.get("/api/v2/search", params={"q": "photosynthesis", "type": "statuses"})
    ).json()
    assert anonymous["accounts"] == [] and anonymous["hashtags"] == []
    own = await (
        await client.get(
            "/api/v2/search",
            headers=bearer(token),
            params={"q": "photosynthesis", "type": "statuses"},
        )
    ).json()
    assert len(own["statuses"]) == 2, "the author finds their own followers-only post"
    assert len(anonymous["statuses"]) <= 1
    bad = await client.get("/api/v2/search", params={"q": "x", "type": "everything"})
    assert bad.status == 422
    assert await (await client.get("/api/v2/search")).json() == {
        "accounts": [],
        "hashtags": [],
        "statuses": [],
    }
