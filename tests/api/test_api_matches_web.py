"""The API and the web UI show the same data to the same person: the same posts on every
timeline, in the same order, with the same text, content warnings and counts."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from node.domain.profiles import ProfileEdit, ProfileField
from node.services.profiles import profiles
from tests.api.helpers import Client, bearer, ctx_of, make_user, password_token
from tests.support.html import csrf_token
from tests.support.web import browser_session, sign_in_session

_POST_ID = re.compile(r'id="post-(\d+)-author"')
_COUNTS = re.compile(r"(\d+) repl(?:y|ies) · (\d+) likes? · (\d+) boosts?")


@asynccontextmanager
async def _browser(client: Client, username: str | None) -> AsyncIterator[aiohttp.ClientSession]:
    async with browser_session(str(client.make_url("")).rstrip("/")) as http:
        if username is not None:
            await sign_in_session(http, "", username)
        yield http


async def _web_post(http: aiohttp.ClientSession, **fields: str) -> int:
    home = await (await http.get("/")).text()
    response = await http.post("/posts", data={"_csrf": csrf_token(home), **fields})
    assert response.status == 200, await response.text()
    return int(str(response.url).rsplit("/", 1)[1])


async def _web_act(http: aiohttp.ClientSession, path: str, **fields: str) -> None:
    home = await (await http.get("/")).text()
    response = await http.post(path, data={"_csrf": csrf_token(home), **fields})
    assert response.status == 200, await response.text()


def _web_posts(page: str) -> list[tuple[int, tuple[int, int, int]]]:
    """(post id, (replies, likes, boosts)) of each post on a page, in order."""
    articles = page.split('<article class="post"')[1:]
    found = []
    for article in articles:
        post_id = _POST_ID.search(article)
        counts = _COUNTS.search(article)
        assert post_id and counts
        found.append((int(post_id.group(1)), tuple(int(n) for n in counts.groups())))
    return found  # type: ignore[return-value]


def _api_posts(statuses: list[dict[str, Any]]) -> list[tuple[int, tuple[int, int, int]]]:
    return [
        (int(s["id"]), (s["replies_count"], s["favourites_count"], s["reblogs_count"]))
        for s in statuses
    ]


async def _posts_of_every_kind(
    client: Client, tokens: dict[str, str], webs: dict[str, aiohttp.ClientSession]
) -> int:
    """Ana's posts of every visibility, on the web and from an app, with a reply, a like and a
    boost; the id of her followers-only post."""
    ana_web = webs["ana"]
    public = await _web_post(
        ana_web, text="Free *fractions* sheets #week", summary="Maths resources",
        visibility="public",
    )  # fmt: skip
    await _web_post(ana_web, text="Unlisted note", visibility="unlisted")
    followers = await _web_post(ana_web, text="For my followers", visibility="followers")
    await _web_post(ana_web, text="@cal see you at 3", visibility="direct")
    api_post = await client.post(
        "/api/v1/statuses",
        headers=bearer(tokens["ana"]),
        json={"status": "Posted from an app #week", "spoiler_text": "App CW"},
    )
    assert api_post.status == 200
    await client.post(
        "/api/v1/statuses",
        headers=bearer(tokens["ben"]),
        json={"status": "@ana thanks!", "in_reply_to_id": str(public)},
    )
    await _web_act(webs["cal"], f"/posts/{public}/like")
    await client.post(f"/api/v1/statuses/{public}/reblog", headers=bearer(tokens["dee"]))
    return followers


async def _same_on_both(
    client: Client, web: aiohttp.ClientSession, web_path: str, api_path: str,
    token: str | None, viewer: str | None,
) -> int:  # fmt: skip
    """Assert the web page and the API answer show the same posts, in the same order, with the
    same text, warnings and counts; how many posts they showed."""
    page = await (await web.get(web_path)).text()
    statuses = await (await client.get(api_path, headers=bearer(token) if token else {})).json()
    assert _web_posts(page) == _api_posts(statuses), (viewer, web_path)
    for status in statuses:
        assert status["content"] in page, (viewer, web_path)
        if status["spoiler_text"]:
            assert f"<summary>{status['spoiler_text']} " in page
    return len(statuses)


async def test_every_timeline_shows_the_same_posts_on_the_web_and_in_the_api(
    client: Client,
) -> None:
    ana = await make_user(client, "ana")
    for name in ("ben", "cal", "dee"):
        await make_user(client, name)
    tokens = {name: await password_token(client, name) for name in ("ana", "ben", "cal", "dee")}
    async with (
        _browser(client, "ana") as ana_web,
        _browser(client, "ben") as ben_web,
        _browser(client, "cal") as cal_web,
        _browser(client, "dee") as dee_web,
        _browser(client, None) as anonymous_web,
    ):
        webs = {"ana": ana_web, "ben": ben_web, "cal": cal_web, "dee": dee_web}
        await _web_act(ben_web, "/follow", target="@ana")
        # Given posts of every visibility, written on the web and through the API:
        followers = await _posts_of_every_kind(client, tokens, webs)

        surfaces = [
            ("/", "/api/v1/timelines/home"),
            ("/local", "/api/v1/timelines/public?local=true"),
            ("/federated", "/api/v1/timelines/public"),
            (f"/@{ana.username}", f"/api/v1/accounts/{ana.id}/statuses"),
            ("/tags/week", "/api/v1/timelines/tag/week"),
        ]
        viewers = [*webs.items(), (None, anonymous_web)]
        compared = 0
        for viewer, web in viewers:
            token = tokens[viewer] if viewer else None
            for web_path, api_path in surfaces:
                if viewer is None and web_path == "/":
                    continue  # anonymous visitors have no home timeline
                compared += await _same_on_both(client, web, web_path, api_path, token, viewer)
        assert compared > 40, "the comparison saw posts of every kind"

        # Then the hidden posts are hidden on both, and a visible one reads the same.
        for viewer in ("cal", "dee"):
            thread = await webs[viewer].get(f"/@ana/{followers}")
            api = await client.get(f"/api/v1/statuses/{followers}", headers=bearer(tokens[viewer]))
            assert (thread.status, api.status) == (404, 404), viewer
        ben_sees = await (
            await client.get(f"/api/v1/statuses/{followers}", headers=bearer(tokens["ben"]))
        ).json()
        assert ben_sees["content"] in await (await ben_web.get(f"/@ana/{followers}")).text()


async def test_profile_and_counts_agree(client: Client) -> None:
    ana = await make_user(client, "ana")
    await make_user(client, "ben")
    await profiles.update_profile(
        ctx_of(client),
        ana,
        ProfileEdit(
            display_name="Ana López",
            bio="Year 5 teacher. Resources: https://school.example/ana",
            fields=(ProfileField("Subjects", "Maths, science"),),
        ),
    )
    token = await password_token(client, "ben")
    await client.post(f"/api/v1/accounts/{ana.id}/follow", headers=bearer(token))
    account = await (await client.get(f"/api/v1/accounts/{ana.id}")).json()
    async with _browser(client, None) as web:
        page = await (await web.get("/@ana")).text()
    assert account["display_name"] == "Ana López" and "Ana López" in page
    assert "https://school.example/ana" in account["note"] and account["note"] in page
    assert account["fields"][0]["name"] == "Subjects" and account["fields"][0]["value"] in page
    assert account["url"].endswith("/@ana") and account["followers_count"] == 1
