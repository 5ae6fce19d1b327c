"""Nothing a client sends makes the API answer 500: junk ids, bodies, parameters and headers
thrown at every API route, with and without a token."""

from __future__ import annotations

import re
import weakref
from typing import Any

import aiohttp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.helpers import Client, bearer, make_user, password_token

JUNK_IDS = [
    "abc",
    "-1",
    "0",
    "99999999999999999999999",
    "1000000000000001",
    "%00",
    "1e5",
    "x" * 300,
    "%F0%9F%98%80",
    "1;DROP TABLE posts",
    "..%2F..",
    " 1",
]
JUNK_QUERIES: list[dict[str, str]] = [
    {"limit": "-5", "max_id": "abc", "since_id": "-1", "min_id": "1e9"},
    {"limit": "999999999999", "local": "maybe", "only_media": "[]", "remote": ""},
    {"acct": "@@@", "q": "\x00", "type": "statuses", "resolve": "true", "offset": "-3"},
    {"id[]": "x", "types[]": "nope", "exclude_types[]": "", "pinned": "yes please"},
    {"acct": "a" * 2000, "q": "#" + "b" * 2000, "tagged": "%%%", "exclude_replies": "1"},
]
JSON_BODIES: list[Any] = [
    [],
    "text",
    42,
    None,
    {"status": ["a", "b"]},
    {"status": {"nested": True}},
    {"status": 1e308, "visibility": ["public"], "in_reply_to_id": {"x": 1}},
    {"status": "hi", "poll": "not an object"},
    {"status": "hi", "poll": {"options": "ab"}},
    {"status": "hi", "poll": {"options": [None, 1, {}], "expires_in": "soon"}},
    {"status": "hi", "media_ids": ["abc"]},
    {"status": "hi", "media_ids": "7"},
    {"status": "hi", "scheduled_at": "tomorrow"},
    {"status": "hi", "language": "x" * 100},
    {"client_name": ["x"], "redirect_uris": [1, 2], "scopes": {"read": True}},
    {"grant_type": "password", "username": None, "password": []},
    {"grant_type": "authorization_code", "code": "x", "code_verifier": "\ud800"},
    {"description": "y" * 10000, "choices": "all"},
]


def _paths(client: Client) -> list[tuple[str, str]]:
    routes = []
    for resource in client.server.app.router.resources():
        path = resource.canonical
        if not (path.startswith(("/api/", "/oauth/", "/.well-known/oauth"))):
            continue
        for route in resource:
            if route.method != "HEAD":
                routes.append((route.method, path))
    return routes


def _fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


async def test_every_api_route_survives_junk(client: Client) -> None:
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    routes = _paths(client)
    assert len(routes) > 30, "the API's routes are all here"
    failures = []
    for method, template in routes:
        for junk_id in JUNK_IDS[:4] if "{" in template else ["-"]:
            path = _fill(template, junk_id)
            for headers in (
                {},
                bearer(token),
                {"Authorization": "Bearer \u00e9\u00e9"},
                {**bearer(token), "Idempotency-Key": "k" * 5000},
            ):
                for query in JUNK_QUERIES:
                    response = await client.request(method, path, params=query, headers=headers)
                    if response.status >= 500:
                        failures.append((method, path, query, response.status))
                for body in JSON_BODIES:
                    response = await client.request(method, path, json=body, headers=headers)
                    if response.status >= 500:
                        failures.append((method, path, body, response.status))
                for raw, kind in (
                    (b"{not json", "application/json"),
                    (b"\xff\xfe\x00", "application/x-www-form-urlencoded"),
                    (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
                    (b"<xml/>", "application/xml"),
                ):
                    response = await client.request(
                        method, path, data=raw, headers={**headers, "Content-Type": kind}
                    )
                    if response.status >= 500:
                        failures.append((method, path, raw, response.status))
    assert failures == []


async def test_junk_ids_in_paths_are_not_found(client: Client) -> None:
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    for junk_id in JUNK_IDS:
        for path in (
            "/api/v1/statuses/{id}",
            "/api/v1/accounts/{id}",
            "/api/v1/notifications/{id}",
            "/api/v1/media/{id}",
        ):
            response = await client.get(_fill(path, junk_id), headers=bearer(token))
            assert response.status in {404, 400}, (path, junk_id, response.status)
            assert "error" in await response.json()
    unknown = await client.get("/api/v1/no/such/endpoint")
    assert unknown.status == 404 and await unknown.json() == {"error": "Record not found"}
    wrong_method = await client.delete("/api/v1/instance")
    assert wrong_method.status == 405 and "error" in await wrong_method.json()
    preflight = await client.options(
        "/api/v1/statuses",
        headers={"Origin": "https://elk.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status == 204
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
_fields = st.sampled_from(
    [
        "status",
        "spoiler_text",
        "visibility",
        "in_reply_to_id",
        "language",
        "poll",
        "media_ids",
        "local_only",
        "sensitive",
        "scheduled_at",
    ]
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(_fields, _json, max_size=6))
async def test_random_status_bodies_never_break_the_server(
    client: Client, body: dict[str, Any]
) -> None:
    token = await _token(client)
    response = await client.post("/api/v1/statuses", json=body, headers=bearer(token))
    assert response.status < 500 and response.status != 401, (body, await response.text())
    form = aiohttp.FormData()
    for name, value in body.items():
        form.add_field(name, str(value))
    response = await client.post("/api/v1/statuses", data=form, headers=bearer(token))
    assert response.status < 500 and response.status != 401, (body, await response.text())


_tokens: weakref.WeakKeyDictionary[Client, str] = weakref.WeakKeyDictionary()


async def _token(client: Client) -> str:
    """One account and token per test client (hypothesis calls the test many times)."""
    if client not in _tokens:
        await make_user(client, "fuzz")
        _tokens[client] = await password_token(client, "fuzz")
    return _tokens[client]
