"""Posting and reading statuses, threads, reactions, timelines and paging through the API."""

from __future__ import annotations

from tests.api.helpers import Client, bearer, make_user, password_token, post_json


async def test_create_with_cw_language_and_visibility_as_form_or_json(client: Client) -> None:
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    form = await client.post(
        "/api/v1/statuses",
        headers=bearer(token),
        data={
            "status": "Fractions worksheet for #maths",
            "spoiler_text": "Long post",
            "visibility": "unlisted",
            "language": "en",
        },
    )
    status = await form.json()
    assert form.status == 200, status
    assert status["spoiler_text"] == "Long post" and status["sensitive"] is True
    assert status["visibility"] == "unlisted" and status["language"] == "en"
    assert "Fractions worksheet" in status["content"]
    base = str(client.make_url("")).rstrip("/")
    assert status["tags"] == [{"name": "maths", "url": f"{base}/tags/maths"}]
    assert status["account"]["username"] == "ana"
    assert isinstance(status["id"], str) and status["url"].endswith(f"/@ana/{status['id']}")

    private = await post_json(client, token, status="Staff only", visibility="private")
    assert private["visibility"] == "private", "followers-only is Mastodon's private"
    bad = await client.post(
        "/api/v1/statuses", json={"status": "x", "visibility": "secret"}, headers=bearer(token)
    )
    assert bad.status == 422
    empty = await client.post("/api/v1/statuses", json={"status": ""}, headers=bearer(token))
    assert empty.status == 422 and (await empty.json())["error"].startswith("Validation failed")


async def test_idempotency_key_returns_the_first_post(client: Client) -> None:
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    headers = {**bearer(token), "Idempotency-Key": "retry-123"}
    first = await (
        await client.post("/api/v1/statuses", json={"status": "Once"}, headers=headers)
    ).json()
    second = await (
        await client.post("/api/v1/statuses", json={"status": "Once"}, headers=headers)
    ).json()
    assert first["id"] == second["id"]
    other = await post_json(client, token, status="Once")
    assert other["id"] != first["id"], "without the key it is a new post"
    failed = await client.post(
        "/api/v1/statuses", json={"status": ""}, headers={**bearer(token), "Idempotency-Key": "k2"}
    )
    assert failed.status == 422
    retried = await client.post(
        "/api/v1/statuses",
        json={"status": "Now with text"},
        headers={**bearer(token), "Idempotency-Key": "k2"},
    )
    assert retried.status == 200, "a failed attempt releases its key"


async def test_reply_context_and_delete_with_source_text(client: Client) -> None:
    await make_user(client, "ana")
    await make_user(client, "ben")
    ana, ben = await password_token(client, "ana"), await password_token(client, "ben")
    root = await post_json(client, ana, status="Who has the *projector*?")
    reply = await post_json(client, ben, status="@ana I do", in_reply_to_id=root["id"])
    assert reply["in_reply_to_id"] == root["id"]
    assert reply["in_reply_to_account_id"] == root["account"]["id"]
    assert reply["mentions"][0]["acct"] == "ana"
    nested = await post_json(client, ana, status="Thanks", in_reply_to_id=reply["id"])

    thread = await (await client.get(f"/api/v1/statuses/{reply['id']}/context")).json()
    assert [s["id"] for s in thread["ancestors"]] == [root["id"]]
    assert [s["id"] for s in thread["descendants"]] == [nested["id"]]
    counted = await (await client.get(f"/api/v1/statuses/{root['id']}")).json()
    assert counted["replies_count"] == 1

    refused = await client.delete(f"/api/v1/statuses/{root['id']}", headers=bearer(ben))
    assert refused.status == 404, "only the author deletes"
    deleted = await client.delete(f"/api/v1/statuses/{root['id']}", headers=bearer(ana))
    assert (await deleted.json())["text"] == "Who has the *projector*?"
    assert (await client.get(f"/api/v1/statuses/{root['id']}")).status == 404


async def test_followers_only_and_direct_posts_stay_hidden(client: Client) -> None:
    await make_user(client, "ana")
    await make_user(client, "eve")
    ana, eve = await password_token(client, "ana"), await password_token(client, "eve")
    hidden = await post_json(client, ana, status="For followers", visibility="private")
    direct = await post_json(client, ana, status="Just me", visibility="direct")
    for status in (hidden, direct):
        for headers in ({}, bearer(eve)):
            response = await client.get(f"/api/v1/statuses/{status['id']}", headers=headers)
            assert response.status == 404
            context = await client.get(f"/api/v1/statuses/{status['id']}/context", headers=headers)
            assert context.status == 404
        like = await client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=bearer(eve))
        assert like.status == 404
        reply = await client.post(
            "/api/v1/statuses",
            headers=bearer(eve),
            json={"status": "hi", "in_reply_to_id": status["id"]},
        )
        assert reply.status == 404
    public = await (await client.get("/api/v1/timelines/public")).json()
    assert all(s["id"] not in {hidden["id"], direct["id"]} for s in public)


async def test_favourite_reblog_bookmark_pin_and_their_undos(client: Client) -> None:
    await make_user(client, "ana")
    await make_user(client, "ben")
    ana, ben = await password_token(client, "ana"), await password_token(client, "ben")
    post = await post_json(client, ana, status="Lesson plan")
    path = f"/api/v1/statuses/{post['id']}"
    liked = await (await client.post(f"{path}/favourite", headers=bearer(ben))).json()
    assert liked["favourited"] is True and liked["favourites_count"] == 1
    boosted = await (await client.post(f"{path}/reblog", headers=bearer(ben))).json()
    assert boosted["reblogged"] is True and boosted["reblogs_count"] == 1
    marked = await (await client.post(f"{path}/bookmark", headers=bearer(ben))).json()
    assert marked["bookmarked"] is True
    pinned = await client.post(f"{path}/pin", headers=bearer(ana))
    assert pinned.status == 200
    for undo, field in (
        ("unfavourite", "favourited"),
        ("unreblog", "reblogged"),
        ("unbookmark", "bookmarked"),
    ):
        undone = await (await client.post(f"{path}/{undo}", headers=bearer(ben))).json()
        assert undone[field] is False, undo
    assert (await client.post(f"{path}/unpin", headers=bearer(ana))).status == 200


async def test_home_public_and_tag_timelines_page_with_link_headers(client: Client) -> None:
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    ids = [(await post_json(client, token, status=f"Post {n} #week"))["id"] for n in range(25)]
    first = await client.get(
        "/api/v1/timelines/home", params={"limit": "10"}, headers=bearer(token)
    )
    page = await first.json()
    assert [s["id"] for s in page] == ids[::-1][:10]
    link = first.headers["Link"]
    assert f"max_id={ids[15]}" in link and 'rel="next"' in link
    assert f"min_id={ids[24]}" in link and 'rel="prev"' in link
    assert "limit=10" in link

    older = await (
        await client.get(
            "/api/v1/timelines/home",
            headers=bearer(token),
            params={"max_id": ids[15], "limit": "40"},
        )
    ).json()
    assert [s["id"] for s in older] == ids[::-1][10:]
    newer = await (
        await client.get(
            "/api/v1/timelines/home", headers=bearer(token), params={"min_id": ids[2], "limit": "3"}
        )
    ).json()
    assert [s["id"] for s in newer] == [ids[5], ids[4], ids[3]], "min_id: the page just after"
    since = await (
        await client.get(
            "/api/v1/timelines/home", headers=bearer(token), params={"since_id": ids[20]}
        )
    ).json()
    assert [s["id"] for s in since] == ids[::-1][:4], "since_id: the newest, down to the id"

    public = await (
        await client.get("/api/v1/timelines/public", params={"local": "true", "limit": "5"})
    ).json()
    assert [s["id"] for s in public] == ids[::-1][:5]
    remote = await (await client.get("/api/v1/timelines/public", params={"remote": "true"})).json()
    assert remote == [], "nothing from other servers here"
    tagged = await (await client.get("/api/v1/timelines/tag/week", params={"limit": "2"})).json()
    assert len(tagged) == 2
    assert await (await client.get("/api/v1/timelines/tag/%F0%9F%98%80")).json() == []
    assert (await client.get("/api/v1/timelines/home")).status == 401


async def test_account_statuses_follow_the_profile_rules(client: Client) -> None:
    ana = await make_user(client, "ana")
    token = await password_token(client, "ana")
    top = await post_json(client, token, status="Top level")
    await post_json(client, token, status="A reply", in_reply_to_id=top["id"])
    await post_json(client, token, status="Followers only", visibility="private")
    anonymous = await (await client.get(f"/api/v1/accounts/{ana.id}/statuses")).json()
    assert [s["content"] for s in anonymous] == ["<p>A reply</p>", "<p>Top level</p>"]
    own = await (
        await client.get(f"/api/v1/accounts/{ana.id}/statuses", headers=bearer(token))
    ).json()
    assert len(own) == 3
    no_replies = await (
        await client.get(f"/api/v1/accounts/{ana.id}/statuses", params={"exclude_replies": "true"})
    ).json()
    assert [s["id"] for s in no_replies] == [top["id"]]
    pinned = await (
        await client.get(f"/api/v1/accounts/{ana.id}/statuses", params={"pinned": "true"})
    ).json()
    assert pinned == []


async def test_polls_are_created_and_shown(client: Client) -> None:
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    form = await client.post(
        "/api/v1/statuses",
        headers=bearer(token),
        data=[
            ("status", "Trip?"),
            ("poll[options][]", "Museum"),
            ("poll[options][]", "Zoo"),
            ("poll[expires_in]", "3600"),
        ],
    )
    status = await form.json()
    assert form.status == 200, status
    assert [o["title"] for o in status["poll"]["options"]] == ["Museum", "Zoo"]
    assert status["poll"]["multiple"] is False and status["poll"]["voted"] is False
    as_json = await post_json(
        client,
        token,
        status="Lunch?",
        poll={"options": ["Pizza", "Salad", "Soup"], "expires_in": 600, "multiple": True},
    )
    assert as_json["poll"]["multiple"] is True
    too_few = await client.post(
        "/api/v1/statuses",
        headers=bearer(token),
        json={"status": "?", "poll": {"options": ["One"]}},
    )
    assert too_few.status == 422


async def test_poll_read_and_vote(client: Client) -> None:
    await make_user(client, "ana")
    await make_user(client, "ben")
    ana, ben = await password_token(client, "ana"), await password_token(client, "ben")
    status = await post_json(client, ana, status="Trip?", poll={"options": ["Museum", "Zoo"]})
    path = f"/api/v1/polls/{status['id']}"
    anonymous = await (await client.get(path)).json()
    assert anonymous["voted"] is None and anonymous["votes_count"] == 0
    voted = await client.post(f"{path}/votes", json={"choices": ["1"]}, headers=bearer(ben))
    body = await voted.json()
    assert voted.status == 200, body
    assert body["voted"] is True and body["own_votes"] == [1]
    assert [o["votes_count"] for o in body["options"]] == [0, 1]
    again = await client.post(f"{path}/votes", data={"choices[]": "0"}, headers=bearer(ben))
    assert again.status == 422, "one vote per person"
    junk = await client.post(f"{path}/votes", json={"choices": ["x"]}, headers=bearer(ana))
    assert junk.status == 422
    plain = await post_json(client, ana, status="No poll here")
    assert (await client.get(f"/api/v1/polls/{plain['id']}")).status == 404
