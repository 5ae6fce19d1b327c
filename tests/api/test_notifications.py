"""Notifications through the client API: listed, filtered by type, read one at a time,
dismissed and cleared, and only ever one's own."""

from __future__ import annotations

from tests.api.helpers import Client, bearer, make_user, password_token, post_json


async def test_notifications_list_filter_and_get(client: Client) -> None:
    ana = await make_user(client, "ana")
    await make_user(client, "ben")
    ana_token, ben_token = await password_token(client, "ana"), await password_token(client, "ben")
    post = await post_json(client, ana_token, status="Field trip forms are due")
    await client.post(f"/api/v1/accounts/{ana.id}/follow", headers=bearer(ben_token))
    await client.post(f"/api/v1/statuses/{post['id']}/favourite", headers=bearer(ben_token))
    await post_json(client, ben_token, status="@ana got it", in_reply_to_id=post["id"])

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
