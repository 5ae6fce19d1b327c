"""Accounts through the client API: editing your profile, followers and following, follow
requests, account search and pinned posts."""

from __future__ import annotations

import io
from typing import Any

import aiohttp
from PIL import Image

from node.domain.accounts import Account
from tests.api.helpers import Client, bearer, expect_json, make_user, password_token


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


def _next_max_id(response: aiohttp.ClientResponse) -> str:
    link = response.headers["Link"]
    assert 'rel="next"' in link and 'rel="prev"' in link
    next_url = link.split(";")[0].strip("<>")
    return next_url.split("max_id=")[1].split("&")[0]


UPDATE = "/api/v1/accounts/update_credentials"
# A profile as an app's settings form sends it (Rails-style fields).
PROFILE_FORM = {
    "display_name": "Ms. Ana Reyes",
    "note": "Science, Year 7 and 8",
    "fields_attributes[0][name]": "School",
    "fields_attributes[0][value]": "Lincoln Elementary",
    "fields_attributes[1][name]": "Subjects",
    "fields_attributes[1][value]": "Science",
    "locked": "true",
    "discoverable": "1",
}


async def _call(client: Client, method: str, path: str, token: str, **options: Any) -> Any:
    """The JSON answer of an API call that must succeed."""
    return await expect_json(await client.request(method, path, headers=bearer(token), **options))


async def _locked_with_two_requests(client: Client) -> tuple[Account, Account, Account, str]:
    """Ana, who locked her account through the API, and ben and cat, who asked to follow her;
    ana's token."""
    ana = await make_user(client, "ana")
    ben, cat = await make_user(client, "ben"), await make_user(client, "cat")
    ana_token = await password_token(client, "ana")
    await _call(client, "PATCH", UPDATE, ana_token, json={"locked": True})
    for name in ("ben", "cat"):
        token = await password_token(client, name)
        asked = await _call(client, "POST", f"/api/v1/accounts/{ana.id}/follow", token)
        assert asked["requested"] is True and asked["following"] is False
    return ana, ben, cat, ana_token


async def test_update_credentials_changes_the_profile_the_web_shows(client: Client) -> None:
    # Given a teacher with an app token
    ana = await make_user(client, "ana")
    token = await password_token(client, "ana")

    # When her app changes her name, bio, fields and privacy choices
    me = await _call(client, "PATCH", UPDATE, token, data=PROFILE_FORM)

    # Then the answer is her credential account, changed
    assert me["id"] == str(ana.id) and me["display_name"] == "Ms. Ana Reyes"
    assert me["note"] == "<p>Science, Year 7 and 8</p>"
    assert me["source"]["note"] == "Science, Year 7 and 8"
    assert [(f["name"], f["value"]) for f in me["source"]["fields"]] == [
        ("School", "Lincoln Elementary"), ("Subjects", "Science"),
    ]  # fmt: skip
    assert me["locked"] is True and me["discoverable"] is True and me["indexable"] is False

    # and her profile page on the web shows the same
    page = await (await client.get("/@ana")).text()
    assert "Ms. Ana Reyes" in page and "Science, Year 7 and 8" in page
    assert "Lincoln Elementary" in page

    # When she changes only her name (JSON), the rest stays
    again = await _call(client, "PATCH", UPDATE, token, json={"display_name": "Ana R."})
    assert again["display_name"] == "Ana R." and again["locked"] is True
    assert len(again["fields"]) == 2 and again["source"]["note"] == "Science, Year 7 and 8"

    # and fields sent as a JSON array replace the old ones
    listed = await _call(client, "PATCH", UPDATE, token, json={
        "fields_attributes": [{"name": "Room", "value": "B12"}], "locked": False,
    })  # fmt: skip
    assert [(f["name"], f["value"]) for f in listed["source"]["fields"]] == [("Room", "B12")]
    assert listed["locked"] is False


async def test_update_credentials_uploads_an_avatar_and_refuses_bad_input(client: Client) -> None:
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    form = aiohttp.FormData()
    form.add_field("avatar", io.BytesIO(_png()), filename="me.png", content_type="image/png")
    form.add_field("avatar_description", "A blue square")
    me = await expect_json(
        await client.patch("/api/v1/accounts/update_credentials", headers=bearer(token), data=form)
    )
    assert "/missing.png" not in me["avatar"]
    assert me["header"].endswith("/headers/original/missing.png")
    picture = await client.get(me["avatar"].replace(str(client.make_url("")).rstrip("/"), ""))
    assert picture.status == 200 and picture.content_type.startswith("image/")

    too_long = await client.patch(
        "/api/v1/accounts/update_credentials", headers=bearer(token),
        json={"display_name": "x" * 61},
    )  # fmt: skip
    body = await expect_json(too_long, 422)
    assert body["error"].startswith("Validation failed") and "60" in body["error"]
    not_an_image = aiohttp.FormData()
    not_an_image.add_field("header", io.BytesIO(b"<svg onload=alert(1)>"), filename="h.svg")
    refused = await client.patch(
        "/api/v1/accounts/update_credentials", headers=bearer(token), data=not_an_image
    )
    assert refused.status == 422

    reader = await password_token(client, "ana", scopes="read")
    denied = await client.patch(
        "/api/v1/accounts/update_credentials", headers=bearer(reader), json={"note": "x"}
    )
    assert denied.status == 403
    me = await expect_json(
        await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    )
    assert me["note"] == "" and me["display_name"] == ""


async def test_followers_and_following_page_with_link_headers(client: Client) -> None:
    # Given ana followed by three people, and following one of them
    ana = await make_user(client, "ana")
    people = [await make_user(client, name) for name in ("ben", "cat", "dan")]
    ana_token = await password_token(client, "ana")
    for person in people:
        token = await password_token(client, person.username)
        await expect_json(
            await client.post(f"/api/v1/accounts/{ana.id}/follow", headers=bearer(token))
        )
    await expect_json(await client.post(f"/api/v1/accounts/{people[0].id}/follow",
                                  headers=bearer(ana_token)))  # fmt: skip

    # When anyone lists her followers two at a time, newest follow first
    first = await client.get(f"/api/v1/accounts/{ana.id}/followers", params={"limit": "2"})
    assert [a["username"] for a in await expect_json(first)] == ["dan", "cat"]
    second = await client.get(
        f"/api/v1/accounts/{ana.id}/followers",
        params={"limit": "2", "max_id": _next_max_id(first)},
    )
    assert [a["username"] for a in await expect_json(second)] == ["ben"]
    following = await expect_json(await client.get(f"/api/v1/accounts/{ana.id}/following"))
    assert [a["username"] for a in following] == ["ben"]
    dans = await expect_json(await client.get(f"/api/v1/accounts/{people[2].id}/following"))
    assert [(a["id"], a["username"]) for a in dans] == [(str(ana.id), "ana")]
    assert (await client.get("/api/v1/accounts/999999/followers")).status == 404
    remote = await client.get("/api/v1/accounts/1000000000000001/followers")
    assert remote.status == 404, "an actor we do not know"


async def test_follow_requests_are_listed_authorized_and_rejected(client: Client) -> None:
    # Given a locked account and two people asking to follow her
    ana, ben, cat, ana_token = await _locked_with_two_requests(client)

    # When she lists her requests, newest first, one at a time
    first = await client.get("/api/v1/follow_requests", params={"limit": "1"},
                             headers=bearer(ana_token))  # fmt: skip
    assert [a["username"] for a in await expect_json(first)] == ["cat"]
    rest = await client.get("/api/v1/follow_requests", headers=bearer(ana_token),
                            params={"max_id": _next_max_id(first)})  # fmt: skip
    assert [a["username"] for a in await expect_json(rest)] == ["ben"]
    me = await _call(client, "GET", "/api/v1/accounts/verify_credentials", ana_token)
    assert me["source"]["follow_requests_count"] == 2

    # and authorizes ben and rejects cat
    yes = await _call(client, "POST", f"/api/v1/follow_requests/{ben.id}/authorize", ana_token)
    assert yes["id"] == str(ben.id) and yes["followed_by"] is True
    no = await _call(client, "POST", f"/api/v1/follow_requests/{cat.id}/reject", ana_token)
    assert no["followed_by"] is False

    # Then ben is her follower (as the API and the web count it), and cat is not
    followers = await expect_json(await client.get(f"/api/v1/accounts/{ana.id}/followers"))
    assert [a["username"] for a in followers] == ["ben"]
    assert await _call(client, "GET", "/api/v1/follow_requests", ana_token) == []
    cat_token = await password_token(client, "cat")
    seen = await _call(client, "GET", "/api/v1/accounts/relationships", cat_token,
                       params={"id[]": str(ana.id)})  # fmt: skip
    assert seen[0]["following"] is False and seen[0]["requested"] is False
    again = await client.post(f"/api/v1/follow_requests/{cat.id}/authorize",
                              headers=bearer(ana_token))  # fmt: skip
    assert again.status == 404, "no request is waiting any more"
    reader = await password_token(client, "ana", scopes="read")
    denied = await client.post(f"/api/v1/follow_requests/{ben.id}/reject", headers=bearer(reader))
    assert denied.status == 403


async def test_account_search_and_pinned_statuses(client: Client) -> None:
    ana = await make_user(client, "ana")
    await make_user(client, "anabel")
    await make_user(client, "ben")
    token = await password_token(client, "ana")
    found = await expect_json(await client.get("/api/v1/accounts/search", params={"q": "ana"},
                                         headers=bearer(token)))  # fmt: skip
    assert {a["username"] for a in found} == {"ana", "anabel"}
    limited = await expect_json(await client.get("/api/v1/accounts/search",
                                           params={"q": "ana", "limit": "1"}))  # fmt: skip
    assert len(limited) == 1
    assert await expect_json(await client.get("/api/v1/accounts/search", params={"q": " "})) == []

    older = await expect_json(await client.post("/api/v1/statuses", json={"status": "Welcome back"},
                                          headers=bearer(token)))  # fmt: skip
    pinned = await expect_json(await client.post("/api/v1/statuses", json={"status": "Class rules"},
                                            headers=bearer(token)))  # fmt: skip
    await expect_json(
        await client.post(f"/api/v1/statuses/{pinned['id']}/pin", headers=bearer(token))
    )
    listed = await expect_json(await client.get(f"/api/v1/accounts/{ana.id}/statuses",
                                          params={"pinned": "true"}))  # fmt: skip
    assert [s["id"] for s in listed] == [pinned["id"]]
    everything = await expect_json(await client.get(f"/api/v1/accounts/{ana.id}/statuses"))
    assert [s["id"] for s in everything] == [pinned["id"], older["id"]]
