"""Helpers for client API tests: people, apps and tokens on a node served over real HTTP."""

from __future__ import annotations

import re
from typing import Any

import aiohttp

from node.domain.accounts import Account
from tests.support.people import PASSWORD, local_person
from tests.support.web import Client, ctx_of, sign_in

ALL_SCOPES = "read write follow push"


async def make_user(client: Client, username: str) -> Account:
    return await local_person(ctx_of(client), username)


async def register_app(
    client: Client, scopes: str = ALL_SCOPES, redirect_uris: str = "urn:ietf:wg:oauth:2.0:oob"
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/apps",
        data={"client_name": "Test client", "redirect_uris": redirect_uris, "scopes": scopes},
    )
    assert response.status == 200, await response.text()
    app: dict[str, Any] = await response.json()
    return app


async def password_token(
    client: Client, username: str, scopes: str = ALL_SCOPES, app: dict[str, Any] | None = None
) -> str:
    app = app or await register_app(client, scopes)
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": username,
            "password": PASSWORD,
            "scope": scopes,
        },
    )
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return str(body["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_in_web(client: Client, username: str) -> None:
    """Sign in through the web form; the client keeps the session cookie."""
    status, page = await sign_in(client, username)
    assert status == 200, page


def consent_fields(page: str) -> dict[str, str]:
    """The hidden fields of the consent form, as a browser would send them."""
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
    assert "consent_token" in fields, "the consent page has its CSRF token"
    return {name: _unescape(value) for name, value in fields.items()}


def _unescape(value: str) -> str:
    return (
        value.replace("&#34;", '"')
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


async def expect_json(response: aiohttp.ClientResponse, status: int = 200) -> Any:
    """The body of a response that must have `status` (the body is shown when it has not)."""
    assert response.status == status, await response.text()
    return await response.json()


async def post_status(client: Client, token: str, text: str, **fields: Any) -> str:
    """Post through the API; the new status's id."""
    return str((await post_json(client, token, status=text, **fields))["id"])


async def session_token(
    http: aiohttp.ClientSession, base_url: str, username: str, scopes: str = ALL_SCOPES
) -> str:
    """Register an app on the node at `base_url` and sign `username` in to it by the password
    grant (for tests that talk to a node over loopback with their own aiohttp session)."""
    app = await (await http.post(f"{base_url}/api/v1/apps", data={
        "client_name": "Test client", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
        "scopes": scopes})).json()  # fmt: skip
    grant = await http.post(f"{base_url}/oauth/token", data={
        "grant_type": "password", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "username": username, "password": PASSWORD,
        "scope": scopes})  # fmt: skip
    assert grant.status == 200, await grant.text()
    return str((await grant.json())["access_token"])


async def post_json(client: Client, token: str, **fields: Any) -> dict[str, Any]:
    """Post through the API with these fields (`status=...`); the new status as JSON."""
    body: dict[str, Any] = await expect_json(
        await client.post("/api/v1/statuses", json=fields, headers=bearer(token))
    )
    return body


def link_path(client: Client, response: aiohttp.ClientResponse, rel: str) -> str:
    """The path of the `Link` header's `rel` page (next, prev), for the test client."""
    for part in response.headers["Link"].split(","):
        url, _, kind = part.partition(";")
        if f'rel="{rel}"' in kind:
            return url.strip().strip("<>").replace(str(client.make_url("")).rstrip("/"), "")
    raise AssertionError(f"no {rel} link")
