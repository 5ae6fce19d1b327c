"""Editing statuses through the client API (and their history and source), and who favourited
or reblogged a status."""

from __future__ import annotations

from tests.api.helpers import (
    Client,
    bearer,
    ctx_of,
    expect_json,
    make_user,
    password_token,
    post_json,
)


async def test_an_edit_through_the_api_shows_in_the_web_history(client: Client) -> None:
    # Given a post with a content warning
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    post = await post_json(client, token, status="Field trip on Friday", spoiler_text="Logistics")
    assert post["edited_at"] is None

    # When its author edits the text, sending the warning unchanged as apps do
    edited = await expect_json(
        await client.put(
            f"/api/v1/statuses/{post['id']}",
            headers=bearer(token),
            json={"status": "Field trip on Thursday", "spoiler_text": "Logistics",
                  "sensitive": True, "language": "en", "media_ids": []},
        )
    )  # fmt: skip

    # Then the status says so
    assert edited["id"] == post["id"] and "Thursday" in edited["content"]
    assert edited["edited_at"] is not None and edited["spoiler_text"] == "Logistics"
    shown = await expect_json(await client.get(f"/api/v1/statuses/{post['id']}"))
    assert "Thursday" in shown["content"]

    # and the web's history page shows both versions
    page = await (await client.get(f"/@ana/{post['id']}/history")).text()
    assert "Field trip on Friday" in page and "Field trip on Thursday" in page

    # and the API's history lists them oldest first, the current one last
    versions = await expect_json(await client.get(f"/api/v1/statuses/{post['id']}/history"))
    assert ["Friday" in v["content"] for v in versions] == [True, False]
    assert "Thursday" in versions[1]["content"]
    assert versions[0]["created_at"] == post["created_at"]
    assert versions[1]["created_at"] >= versions[0]["created_at"]
    assert all(v["spoiler_text"] == "Logistics" and v["sensitive"] for v in versions)
    assert versions[0]["account"]["username"] == "ana"

    # and the source is what she typed
    source = await expect_json(
        await client.get(f"/api/v1/statuses/{post['id']}/source", headers=bearer(token))
    )
    assert source == {"id": post["id"], "text": "Field trip on Thursday",
                      "spoiler_text": "Logistics"}  # fmt: skip


async def test_a_post_never_edited_has_one_version(client: Client) -> None:
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    post = await post_json(client, token, status="First day")
    versions = await expect_json(await client.get(f"/api/v1/statuses/{post['id']}/history"))
    assert len(versions) == 1 and "First day" in versions[0]["content"]
    assert versions[0]["created_at"] == post["created_at"]


async def test_only_the_author_edits_and_hidden_posts_are_not_found(client: Client) -> None:
    # Given ana's public post, and a followers-only one that only her follower ben may see
    ana = await make_user(client, "ana")
    await make_user(client, "ben")
    await make_user(client, "cat")
    ana_token = await password_token(client, "ana")
    ben_token, cat_token = await password_token(client, "ben"), await password_token(client, "cat")
    await expect_json(
        await client.post(f"/api/v1/accounts/{ana.id}/follow", headers=bearer(ben_token))
    )
    public = await post_json(client, ana_token, status="Bus leaves at 8")
    private = await post_json(client, ana_token, status="Staff meeting moved", visibility="private")

    # When ben, who can see both, tries to edit: not allowed; but he may read the source, as
    # on Mastodon (what ana typed, which is what he sees)
    for post, typed in ((public, "Bus leaves at 8"), (private, "Staff meeting moved")):
        tried = await client.put(f"/api/v1/statuses/{post['id']}", headers=bearer(ben_token),
                                 json={"status": "Hacked"})  # fmt: skip
        assert (await expect_json(tried, 403))["error"] == "This action is not allowed"
        source = await client.get(f"/api/v1/statuses/{post['id']}/source",
                                  headers=bearer(ben_token))  # fmt: skip
        assert await expect_json(source) == {"id": post["id"], "text": typed, "spoiler_text": ""}
    ben_sees = await client.get(f"/api/v1/statuses/{private['id']}/history",
                                headers=bearer(ben_token))  # fmt: skip
    assert len(await expect_json(ben_sees)) == 1

    # Then cat, who cannot see the followers-only post, is told it is not there
    for method, path in (
        ("PUT", ""), ("GET", "/history"), ("GET", "/source"), ("GET", "/favourited_by"),
        ("GET", "/reblogged_by"),
    ):  # fmt: skip
        response = await client.request(
            method,
            f"/api/v1/statuses/{private['id']}{path}",
            json={"status": "x"},
            headers=bearer(cat_token),
        )
        assert response.status == 404, (method, path)
    anonymous = await client.get(f"/api/v1/statuses/{private['id']}/history")
    assert anonymous.status == 404
    shown = await expect_json(await client.get(f"/api/v1/statuses/{public['id']}"))
    assert "Bus leaves at 8" in shown["content"] and shown["edited_at"] is None


async def test_an_edit_changes_text_and_warning_and_refuses_media_or_poll_changes(
    client: Client,
) -> None:
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    post = await post_json(client, token, status="Quiz", poll={"options": ["A", "B"]})
    for body in (
        {"status": "Quiz 2", "media_ids": ["12345"]},
        {"status": "Quiz 2", "poll": {"options": ["A", "C"]}},
        {"status": ""},
    ):
        refused = await client.put(f"/api/v1/statuses/{post['id']}", json=body,
                                   headers=bearer(token))  # fmt: skip
        assert (await expect_json(refused, 422))["error"].startswith("Validation failed"), body
    kept = await expect_json(
        await client.put(f"/api/v1/statuses/{post['id']}", headers=bearer(token),
                         json={"status": "Quiz 2", "poll": {"options": ["A", "B"]}})
    )  # fmt: skip
    assert "Quiz 2" in kept["content"] and kept["poll"]["options"][1]["title"] == "B"
    history = await expect_json(await client.get(f"/api/v1/statuses/{post['id']}/history"))
    assert len(history) == 2, "only the accepted edit is a version"
    warned = await expect_json(
        await client.put(f"/api/v1/statuses/{post['id']}", headers=bearer(token),
                         json={"status": "Quiz 3", "spoiler_text": "Answers inside"})
    )  # fmt: skip
    assert warned["spoiler_text"] == "Answers inside" and warned["sensitive"] is True
    cleared = await expect_json(
        await client.put(f"/api/v1/statuses/{post['id']}", headers=bearer(token),
                         json={"status": "Quiz 3", "spoiler_text": ""})
    )  # fmt: skip
    assert cleared["spoiler_text"] == "" and cleared["sensitive"] is False
    assert history[0]["poll"] == {"options": [{"title": "A"}, {"title": "B"}]}
    reader = await password_token(client, "ana", scopes="read")
    denied = await client.put(f"/api/v1/statuses/{post['id']}", json={"status": "x"},
                              headers=bearer(reader))  # fmt: skip
    assert denied.status == 403


async def test_favourited_by_and_reblogged_by_page_latest_first(client: Client) -> None:
    # Given ana's post, liked by ben then cat, and boosted by cat
    await make_user(client, "ana")
    await make_user(client, "ben")
    await make_user(client, "cat")
    ana_token = await password_token(client, "ana")
    ben_token, cat_token = await password_token(client, "ben"), await password_token(client, "cat")
    post = await post_json(client, ana_token, status="Science fair photos")
    for token in (ben_token, cat_token):
        await expect_json(await client.post(f"/api/v1/statuses/{post['id']}/favourite",
                                      headers=bearer(token)))  # fmt: skip
    await expect_json(await client.post(f"/api/v1/statuses/{post['id']}/reblog",
                                  headers=bearer(cat_token)))  # fmt: skip

    # When anyone asks who favourited it, one at a time
    first = await client.get(f"/api/v1/statuses/{post['id']}/favourited_by",
                             params={"limit": "1"})  # fmt: skip
    assert [a["username"] for a in await expect_json(first)] == ["cat"]
    link = first.headers["Link"]
    next_url = link.split(";")[0].strip("<>")
    second = await client.get(next_url.replace(str(client.make_url("")).rstrip("/"), ""))
    assert [a["username"] for a in await expect_json(second)] == ["ben"]

    # Then the boosters are listed too
    boosted = await expect_json(await client.get(f"/api/v1/statuses/{post['id']}/reblogged_by"))
    assert [a["username"] for a in boosted] == ["cat"]
    nobody = await client.get("/api/v1/statuses/99999999/favourited_by")
    assert nobody.status == 404


async def test_the_source_of_a_post_from_elsewhere_is_its_text(client: Client) -> None:
    # Given a public post that arrived from another server (no source is kept for it)
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    async with ctx_of(client).db.connection() as conn:
        author = await conn.fetchval(
            """INSERT INTO remote_actors (uri, actor_type, username, host, display_name, inbox,
                   raw)
               VALUES ('https://far.example/users/olga', 'Person', 'olga', 'far.example',
                       'Olga', 'https://far.example/inbox', '{}') RETURNING id"""
        )
        post_id = await conn.fetchval(
            """INSERT INTO posts (uri, author_remote, content_html, visibility, summary)
               VALUES ('https://far.example/notes/1', $1,
                       '<p>Field &amp; stream</p><p>second <b>line</b></p>', 'public', 'cw')
               RETURNING id""",
            author,
        )
    # When ana asks for its source, she gets its text, as Mastodon gives any visible status's
    response = await client.get(f"/api/v1/statuses/{post_id}/source", headers=bearer(token))
    assert await expect_json(response) == {
        "id": str(post_id), "text": "Field & stream\n\nsecond line", "spoiler_text": "cw"
    }  # fmt: skip
