"""Hostile values in every parameter of every client API route answer 4xx (or are served),
never 5xx: digits `isdigit` accepts and `int` refuses or misreads, numbers no column holds,
U+0000 and lone surrogates (which PostgreSQL cannot store), very long strings, and values of
the wrong JSON type, in the query string, JSON bodies and form bodies, with a token that has
every scope, on ids that exist (so the values get past the 404 to the code that uses them).

Which parameters a route reads is recorded from `Params` while a plain request is served, so
each one is then sent hostile on its own, beside plausible values for the rest (a bad title
must not hide a bad keyword behind a 422). The values are a fixed list: the test is the same
on every run.
"""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest

from node.api import params as params_module
from node.domain.accounts import Role
from node.services.accounts import accounts
from tests.api.helpers import PASSWORD, Client, bearer, ctx_of, make_user, password_token
from tests.fixtures.media import images

STRINGS = ["¹", "٣", "-1", "99999999999999999999999", "\x00", "a\x00b", "\ud800", "x" * 20_000]
OTHERS: list[Any] = [None, ["\x00", "¹"], {"a": "\x00"}, 1e308, -1, True]
QUERY_VALUES = ["¹", "٣", "-1", "99999999999999999999999", "\x00", "x" * 3000, "\ud800"]
# Plausible values for what routes read, so the one hostile field is the one that matters.
PLAIN: dict[str, Any] = {
    "status": "hello there",
    "title": "Reading",
    "context": ["home"],
    "q": "hello",
    "keywords_attributes": [{"keyword": "spoiler"}],
    "comment": "spam",
    "choices": ["0"],
    "client_name": "Fuzz",
    "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
    "acct": "bo",
    "description": "a cat",
    "display_name": "Ana",
    "note": "hi",
    "visibility": "public",
}
ALL_NAMES = sorted({*PLAIN, "limit", "max_id", "since_id", "min_id", "offset", "id", "type",
                    "account_id", "account_ids", "status_ids", "timeline", "spoiler_text",
                    "in_reply_to_id", "media_ids", "expires_in", "duration", "language",
                    "replies_policy", "filter_action", "category", "tagged", "types",
                    "exclude_types", "tag", "list", "stream", "resolve", "following"})  # fmt: skip


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The names `Params` was asked for while serving the requests since it was last cleared."""
    names: set[str] = set()
    original = params_module.Params._values

    def recording(self: params_module.Params, name: str) -> list[Any]:
        names.add(name)
        return original(self, name)

    monkeypatch.setattr(params_module.Params, "_values", recording)
    return names


async def _fixtures(client: Client) -> tuple[dict[str, str], str]:
    """Ids that exist (a post with a poll, a list, a filter, a person) and a token for all."""
    await accounts.create_account(
        ctx_of(client).db, "ana", "ana@district.example", password=PASSWORD, role=Role.ADMIN
    )
    bo = await make_user(client, "bo")
    token = await password_token(client, "ana", "read write follow push admin:read admin:write")
    auth = bearer(token)
    poll = {"status": "vote", "poll": {"options": ["a", "b"], "expires_in": 3600}}
    post = await (await client.post("/api/v1/statuses", json=poll, headers=auth)).json()
    made = await (await client.post("/api/v1/lists", json={"title": "L"}, headers=auth)).json()
    found = await (
        await client.post("/api/v2/filters", json={"title": "F", "context": ["home"]}, headers=auth)
    ).json()
    form = aiohttp.FormData()
    form.add_field("file", images.jpeg(8, 8), filename="a.jpg", content_type="image/jpeg")
    media = await (await client.post("/api/v2/media", data=form, headers=auth)).json()
    ids = {"statuses": post["id"], "polls": post["id"], "lists": made["id"], "media": media["id"],
           "filters": found["id"], "accounts": str(bo.id), "follow_requests": str(bo.id),
           "conversations": post["id"], "hashtag": "cats"}  # fmt: skip
    return ids, token


def _routes(client: Client) -> list[tuple[str, str]]:
    found = {(route.method, route.resource.canonical) for route in client.server.app.router.routes()
             if route.resource is not None and route.resource.canonical.startswith("/api/")
             and route.method not in {"HEAD", "OPTIONS"}}  # fmt: skip
    # Deleting goes last, so the other routes find the post, list and filter still there.
    return sorted(found, key=lambda route: (route[0] == "DELETE", route[1], route[0]))


def _fill(template: str, ids: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group(1) == "hashtag":
            return ids["hashtag"]
        kind = template[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        return ids.get(kind, ids["statuses"])

    return re.sub(r"\{([^}:]+)[^}]*\}", one, template)


async def _check(
    client: Client, failures: list[str], method: str, path: str, what: str, **kw: Any
) -> None:
    response = await client.request(method, path, **kw)
    if response.status >= 500:
        failures.append(f"{method} {path} {what}")


async def test_no_hostile_value_makes_an_api_route_fail(client: Client, recorded: set[str]) -> None:
    ids, token = await _fixtures(client)
    auth, failures = bearer(token), list[str]()
    plain = {**PLAIN, "account_id": ids["accounts"]}
    routes = _routes(client)
    assert len(routes) > 80, "every API route is here"
    for method, template in routes:
        if template.startswith("/api/v1/streaming"):
            continue  # endless responses; test_streaming covers their parameters
        path = _fill(template, ids)
        for value in QUERY_VALUES:
            query = dict.fromkeys(ALL_NAMES, value)
            what = f"query {value[:20]!r}"
            await _check(client, failures, method, path, what, params=query, headers=auth)
        recorded.clear()
        await client.request(method, path, json=plain, headers=auth)
        for name in sorted(recorded):
            for value in [*STRINGS, *OTHERS]:
                body, what = {**plain, name: value}, f"json {name}={str(value)[:20]!r}"
                await _check(client, failures, method, path, what, json=body, headers=auth)
            for value in STRINGS[:6]:
                form = {**{k: v for k, v in plain.items() if isinstance(v, str)}, name: value}
                what = f"form {name}={value[:20]!r}"
                await _check(client, failures, method, path, what, data=form, headers=auth)
    assert not failures, "\n".join(failures)


def _nested(value: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """Values that sit inside objects and arrays, where the per-name pass does not reach."""
    return [
        ("POST", "/api/v2/filters",
         {"title": "t", "context": ["home"], "keywords_attributes": [{"keyword": value}]}),
        ("PATCH", "/api/v1/accounts/update_credentials",
         {"fields_attributes": [{"name": value, "value": value}]}),
        ("POST", "/api/v1/statuses",
         {"status": "s", "poll": {"options": [value, "b"], "expires_in": 3600}}),
        ("POST", "/api/v1/statuses", {"status": "s", "spoiler_text": value}),
    ]  # fmt: skip


async def test_hostile_values_inside_objects_and_uploads_are_refused_or_cleaned(
    client: Client,
) -> None:
    _, token = await _fixtures(client)
    auth, failures = bearer(token), list[str]()
    for value in [*STRINGS, *OTHERS]:
        for method, path, body in _nested(value):
            await _check(client, failures, method, path, f"{body}"[:60], json=body, headers=auth)
    for value in STRINGS[:6]:
        form = aiohttp.FormData()
        form.add_field("file", images.jpeg(8, 8), filename="a.jpg", content_type="image/jpeg")
        form.add_field("description", value)
        await _check(client, failures, "POST", "/api/v2/media", value, data=form, headers=auth)
    assert not failures, "\n".join(failures)


async def test_a_limit_in_other_digits_is_the_default_page_and_a_vote_in_them_is_refused(
    client: Client,
) -> None:
    _, token = await _fixtures(client)
    auth = bearer(token)
    for n in range(3):
        await client.post("/api/v1/statuses", json={"status": f"post {n}"}, headers=auth)
    for limit in ("¹", "٣", "99999999999999999999999"):
        response = await client.get("/api/v1/timelines/home", params={"limit": limit}, headers=auth)
        assert response.status == 200, limit
        assert len(await response.json()) == 4, "the default page holds every post"
    one = await client.get("/api/v1/timelines/home", params={"limit": "1"}, headers=auth)
    assert len(await one.json()) == 1
    for path in ("/api/v2/search", "/api/v1/accounts/search"):
        found = await client.get(path, params={"q": "bo", "offset": "٣"}, headers=auth)
        assert found.status == 200, "a bad offset is none, as on Mastodon"
    polls = await (await client.get("/api/v1/timelines/home", headers=auth)).json()
    poll_id = next(status["poll"]["id"] for status in polls if status["poll"])
    vote = await client.post(
        f"/api/v1/polls/{poll_id}/votes", json={"choices": ["¹"]}, headers=auth
    )
    assert vote.status == 422
    assert "choices" in (await vote.json())["error"]


async def test_nul_and_lone_surrogates_are_cleaned_where_they_come_in(client: Client) -> None:
    _, token = await _fixtures(client)
    auth = bearer(token)
    raw = b'{"status": "half\\ud800way\\u0000 there", "spoiler_text": "\\udc00cw"}'
    response = await client.post(
        "/api/v1/statuses", data=raw, headers={**auth, "Content-Type": "application/json"}
    )
    assert response.status == 200, await response.text()
    status = await response.json()
    assert "half\ufffdway there" in status["content"]
    assert status["spoiler_text"] == "\ufffdcw"
    found = await client.get("/api/v1/accounts/lookup", params={"acct": "bo\x00"}, headers=auth)
    assert found.status == 200 and (await found.json())["username"] == "bo"
    search = await client.get("/api/v2/search", params={"q": "half\x00way"}, headers=auth)
    assert search.status == 200
