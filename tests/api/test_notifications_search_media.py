"""Notifications, search and media uploads through the client API."""

from __future__ import annotations

import io
from typing import Any

import aiohttp
from PIL import Image

from tests.api.helpers import Client, bearer, make_user, password_token


async def _post(client: Client, token: str, **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/statuses", json=fields, headers=bearer(token))
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


def _form(data: bytes, **fields: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(data), filename="upload.png")
    for name, value in fields.items():
        form.add_field(name, value)
    return form


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


async def test_notifications_list_filter_and_get(client: Client) -> None:
    ana = await make_user(client, "ana")
    await make_user(client, "ben")
    ana_token, ben_token = await password_token(client, "ana"), await password_token(client, "ben")
    post = await _post(client, ana_token, status="Field trip forms are due")
    await client.post(f"/api/v1/accounts/{ana.id}/follow", headers=bearer(ben_token))
    await client.post(f"/api/v1/statuses/{post['id']}/favourite", headers=bearer(ben_token))
    await _post(client, ben_token, status="@ana got it", in_reply_to_id=post["id"])

    response = await client.get("/api/v1/notifications", headers=bearer(ana_token))
    items = await response.json()
    assert [n["type"] for n in items] == ["mention", "favourite", "follow"]
    assert all(n["account"]["username"] == "ben" for n in items)
    assert items[1]["status"]["id"] == post["id"]
    assert "Link" in response.headers

    only = await client.get(
        "/api/v1/notifications",
        headers=bearer(ana_token),
        params=[("types[]", "favourite"), ("types[]", "follow")],
    )
    assert [n["type"] for n in await only.json()] == ["favourite", "follow"]
    without = await client.get(
        "/api/v1/notifications", headers=bearer(ana_token), params={"exclude_types[]": "mention"}
    )
    assert [n["type"] for n in await without.json()] == ["favourite", "follow"]

    one = await client.get(f"/api/v1/notifications/{items[2]['id']}", headers=bearer(ana_token))
    assert (await one.json())["type"] == "follow"
    other = await client.get(f"/api/v1/notifications/{items[2]['id']}", headers=bearer(ben_token))
    assert other.status == 404, "someone else's notification is not found"
    scoped = await password_token(client, "ana", scopes="read:statuses")
    assert (await client.get("/api/v1/notifications", headers=bearer(scoped))).status == 403

    stolen = await client.post(
        f"/api/v1/notifications/{items[2]['id']}/dismiss", headers=bearer(ben_token)
    )
    assert stolen.status == 404, "nobody dismisses someone else's notification"
    dismissed = await client.post(
        f"/api/v1/notifications/{items[2]['id']}/dismiss", headers=bearer(ana_token)
    )
    assert dismissed.status == 200
    left = await client.get("/api/v1/notifications", headers=bearer(ana_token))
    assert [n["type"] for n in await left.json()] == ["mention", "favourite"]
    await client.post("/api/v1/notifications/clear", headers=bearer(ana_token))
    cleared = await client.get("/api/v1/notifications", headers=bearer(ana_token))
    assert await cleared.json() == []


async def test_search_finds_people_tags_and_visible_posts(client: Client) -> None:
    await make_user(client, "ana")
    await make_user(client, "anouk")
    token = await password_token(client, "ana")
    await _post(client, token, status="Photosynthesis lab #biology")
    await _post(client, token, status="Photosynthesis notes, followers only", visibility="private")
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


async def test_media_upload_describe_and_attach(client: Client) -> None:
    await make_user(client, "ana")
    await make_user(client, "ben")
    token = await password_token(client, "ana")
    uploaded = await client.post(
        "/api/v2/media", data=_form(_png(), description="A blue square"), headers=bearer(token)
    )
    media = await uploaded.json()
    assert uploaded.status == 200, media
    assert media["type"] == "image" and media["description"] == "A blue square"
    assert media["meta"]["original"]["width"] == 64 and media["blurhash"]
    picture = await client.get(media["url"].replace(str(client.make_url("")).rstrip("/"), ""))
    assert picture.status == 200

    path = f"/api/v1/media/{media['id']}"
    described = await client.put(path, json={"description": "Blue"}, headers=bearer(token))
    assert (await described.json())["description"] == "Blue"
    status = await _post(client, token, status="Colour of the day", media_ids=[media["id"]])
    assert [m["id"] for m in status["media_attachments"]] == [media["id"]]
    ben = await password_token(client, "ben")
    assert (await client.get(path, headers=bearer(ben))).status == 404
    stolen = await client.post(
        "/api/v1/statuses", headers=bearer(ben), json={"status": "mine", "media_ids": [media["id"]]}
    )
    assert stolen.status == 422

    junk = await client.post("/api/v1/media", data=_form(b"not an image"), headers=bearer(token))
    assert junk.status == 422
    missing = await client.post("/api/v1/media", data={"description": "x"}, headers=bearer(token))
    assert missing.status == 422
