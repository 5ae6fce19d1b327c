"""Filters (v2) through the client API: managing them, and what they do to timelines,
threads and notifications."""

from __future__ import annotations

from typing import Any

from node.domain.accounts import Account
from tests.api.helpers import Client, bearer, expect_json, make_user, password_token, post_status

# Rails-style form fields, as Mastodon's own documentation sends them.
RAILS_FORM = [
    ("title", "Exams"),
    ("context[]", "thread"),
    ("filter_action", "hide"),
    ("keywords_attributes[][keyword]", "answers"),
    ("keywords_attributes[][whole_word]", "false"),
    ("keywords_attributes[][keyword]", "mark scheme"),
]
BAD_FILTERS: list[dict[str, Any]] = [
    {"title": "No context"},
    {"context": ["home"]},
    {"title": "x", "context": ["everywhere"]},
    {"title": "x", "context": ["home"], "filter_action": "explode"},
    {"title": "x", "context": ["home"], "keywords_attributes": [{"keyword": " "}]},
]


async def _home(client: Client, token: str) -> dict[str, dict[str, Any]]:
    return await _timeline(client, "/api/v1/timelines/home", token)


async def _timeline(client: Client, path: str, token: str) -> dict[str, dict[str, Any]]:
    found = await expect_json(await client.get(path, headers=bearer(token)))
    return {s["id"]: s for s in found}


async def _ana_follows_ben(client: Client) -> tuple[str, str, Account]:
    """Ana and Ben with their tokens; Ana follows Ben."""
    await make_user(client, "ana")
    ben_account = await make_user(client, "ben")
    ana, ben = await password_token(client, "ana"), await password_token(client, "ben")
    await expect_json(
        await client.post(f"/api/v1/accounts/{ben_account.id}/follow", headers=bearer(ana))
    )
    return ana, ben, ben_account


async def _filter(
    client: Client, token: str, title: str, context: list[str], action: str,
    *keywords: dict[str, Any], **fields: Any,
) -> dict[str, Any]:  # fmt: skip
    """A v2 filter made through the API, as JSON."""
    body = {"title": title, "context": context, "filter_action": action,
            "keywords_attributes": list(keywords), **fields}  # fmt: skip
    found: dict[str, Any] = await expect_json(
        await client.post("/api/v2/filters", json=body, headers=bearer(token))
    )
    return found


def _keywords(made: dict[str, Any]) -> list[tuple[str, bool]]:
    return [(k["keyword"], k["whole_word"]) for k in made["keywords"]]


async def test_create_read_update_and_delete_a_filter(client: Client) -> None:
    await make_user(client, "ana")
    await make_user(client, "ben")
    ana, ben = await password_token(client, "ana"), await password_token(client, "ben")
    made = await _filter(
        client, ana, "Spoilers", ["home", "public"], "warn",
        {"keyword": "finale", "whole_word": True}, {"keyword": "ending", "whole_word": False},
        expires_in=3600,
    )  # fmt: skip
    assert made["title"] == "Spoilers" and made["context"] == ["home", "public"]
    assert made["filter_action"] == "warn" and made["expires_at"] is not None
    assert _keywords(made) == [("finale", True), ("ending", False)]
    assert made["statuses"] == []

    form = await expect_json(
        await client.post("/api/v2/filters", data=RAILS_FORM, headers=bearer(ana))
    )
    assert _keywords(form) == [("answers", False), ("mark scheme", True)], "from RAILS_FORM"

    path = f"/api/v2/filters/{made['id']}"
    finale = next(k for k in made["keywords"] if k["keyword"] == "finale")
    ending = next(k for k in made["keywords"] if k["keyword"] == "ending")
    changes = [{"id": finale["id"], "_destroy": True}, {"id": ending["id"], "keyword": "end"},
               {"keyword": "season"}]  # fmt: skip
    updated = await expect_json(await client.put(path, headers=bearer(ana), json={
        "filter_action": "hide", "expires_in": "", "keywords_attributes": changes,
    }))  # fmt: skip
    assert updated["filter_action"] == "hide" and updated["expires_at"] is None
    assert updated["title"] == "Spoilers", "what is not sent stays"
    assert _keywords(updated) == [("end", False), ("season", True)]
    listed = await expect_json(await client.get("/api/v2/filters", headers=bearer(ana)))
    assert [f["id"] for f in listed] == [made["id"], form["id"]]

    for method in ("GET", "PUT", "DELETE"):
        response = await client.request(method, path, json={"title": "x"}, headers=bearer(ben))
        assert response.status == 404, method
    unknown_keyword = await client.put(
        path, json={"keywords_attributes": [{"id": "999999", "keyword": "x"}]}, headers=bearer(ana)
    )
    assert unknown_keyword.status == 404
    for bad in BAD_FILTERS:
        assert (await client.post("/api/v2/filters", json=bad, headers=bearer(ana))).status == 422

    assert await expect_json(await client.delete(path, headers=bearer(ana))) == {}
    assert (await client.get(path, headers=bearer(ana))).status == 404
    reader = await password_token(client, "ana", scopes="read")
    refused = await client.post(
        "/api/v2/filters", json={"title": "x", "context": ["home"]}, headers=bearer(reader)
    )
    assert refused.status == 403
    assert (await client.get("/api/v2/filters", headers=bearer(reader))).status == 200


async def test_warn_marks_and_hide_removes_in_the_filters_contexts(client: Client) -> None:
    ana, ben, _ = await _ana_follows_ben(client)
    warned = await _filter(
        client, ana, "Football", ["home"], "warn", {"keyword": "match", "whole_word": True}
    )
    await _filter(client, ana, "No spoilers", ["home", "thread"], "hide",
                  {"keyword": "SPOILER", "whole_word": False})  # fmt: skip
    await _filter(client, ana, "Public only", ["public"], "hide", {"keyword": "lunch"})

    match = await post_status(client, ben, "The <b>match</b> is at 4 &amp; everyone's welcome")
    matches = await post_status(client, ben, "Rematches and matchmaking do not count")
    spoiler = await post_status(client, ben, "Big spoilers ahead: the hero wins")
    cw = await post_status(client, ben, "Read on", spoiler_text="Spoiler for chapter 9")
    lunch = await post_status(client, ben, "Lunch menu for Friday")

    home = await _home(client, ana)
    assert spoiler not in home and cw not in home, "hide filters match text and warnings"
    assert lunch in home and home[lunch]["filtered"] == [], "a public-only filter"
    assert home[matches]["filtered"] == [], "whole words only"
    [result] = home[match]["filtered"]
    assert result["filter"]["id"] == warned["id"] and result["keyword_matches"] == ["match"]
    assert result["filter"]["filter_action"] == "warn" and result["status_matches"] is None
    assert set(home) == {match, matches, lunch}

    public = await _timeline(client, "/api/v1/timelines/public", ana)
    assert lunch not in public and spoiler in public
    assert public[match]["filtered"] == [], "the warn filter is for home only"
    # Ben's own view is his, not Ana's.
    assert lunch in await _timeline(client, "/api/v1/timelines/public", ben)

    reply = await post_status(client, ben, "spoiler: it was the butler", in_reply_to_id=match)
    other = await post_status(client, ben, "See you at the match", in_reply_to_id=match)
    context = await expect_json(
        await client.get(f"/api/v1/statuses/{match}/context", headers=bearer(ana))
    )
    assert [s["id"] for s in context["descendants"]] == [other]
    assert reply not in {s["id"] for s in context["descendants"]}

    # A notification about a post hidden in the notifications context is left out.
    await _filter(client, ana, "Homework", ["notifications"], "hide", {"keyword": "homework"})
    await post_status(client, ben, "@ana homework is due")
    await post_status(client, ben, "@ana see you tomorrow")
    notices = await expect_json(await client.get("/api/v1/notifications", headers=bearer(ana)))
    mentions = [n["status"]["content"] for n in notices if n["type"] == "mention"]
    assert len(mentions) == 1 and "see you tomorrow" in mentions[0]


async def test_hidden_posts_leave_no_holes_and_your_own_posts_are_never_filtered(
    client: Client,
) -> None:
    ana, ben, _ = await _ana_follows_ben(client)
    await _filter(client, ana, "Rota", ["home"], "hide", {"keyword": "rota"})
    kept = [await post_status(client, ben, f"Notice {n}") for n in range(12)]
    for n in range(25):
        await post_status(client, ben, f"Rota change {n}")
    own = await post_status(client, ana, "My own rota")

    page = await expect_json(
        await client.get("/api/v1/timelines/home", params={"limit": "10"}, headers=bearer(ana))
    )
    assert [s["id"] for s in page] == [own, *reversed(kept)][:10]
    assert page[0]["filtered"] == []


async def test_a_filter_for_profiles_applies_to_account_statuses_only(client: Client) -> None:
    ana, ben, ben_account = await _ana_follows_ben(client)
    await _filter(client, ana, "Gym", ["account"], "hide", {"keyword": "gym"})
    gym = await post_status(client, ben, "Gym kit reminder")
    other = await post_status(client, ben, "Library books due")
    profile = await expect_json(
        await client.get(f"/api/v1/accounts/{ben_account.id}/statuses", headers=bearer(ana))
    )
    assert [s["id"] for s in profile] == [other]
    assert gym in await _home(client, ana)
