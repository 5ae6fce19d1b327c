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
    assert tags["hashtags"][0]["id"] == "biology" and "following" not in tags["hashtags"][0]
    signed_in = await client.get("/api/v2/search", params={"q": "#bio"}, headers=bearer(token))
    tag = (await signed_in.json())["hashtags"][0]
    assert tag == {"id": "biology", "name": "biology", "url": tag["url"], "history": [],
                   "following": False}  # fmt: skip
    assert tag["url"].endswith("/tags/biology")
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
    other = await client.get("/api/v2/search", params={"q": "ana", "type": "everything"})
    assert await other.json() == {"accounts": [], "hashtags": [], "statuses": []}, "as Mastodon"
    assert await (await client.get("/api/v2/search")).json() == {
        "accounts": [],
        "hashtags": [],
        "statuses": [],
    }
