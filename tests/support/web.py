"""Signing in on the web as a person does: fetch the form for its CSRF token, submit it, keep
the session cookie. For the test client (`Client`), for an aiohttp session against a node on
loopback, and for a Playwright page against a live node."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp.test_utils import TestClient

from node import keys
from node.domain.accounts import Account, Role
from node.services.kernel.context import NodeContext
from tests.support.html import csrf_token
from tests.support.people import PASSWORD, local_person

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.support.live import LiveNode

Client = TestClient[Any, Any]
SIGNED_IN = "You are signed in"  # what the home page says once the session is someone's


def ctx_of(client: Client) -> NodeContext:
    """The services context of the node the test client talks to (same loop as the test)."""
    return client.server.app[keys.NODE]


# -- the test client -----------------------------------------------------------------------


async def sign_in(client: Client, username: str, password: str = PASSWORD) -> tuple[int, str]:
    """Submit the sign-in form as typed; (status, the page it lands on). Asserts nothing."""
    token = csrf_token(await (await client.get("/sign-in")).text())
    response = await client.post(
        "/sign-in",
        data={"username": username, "password": password, "_csrf": token, "next": "/"},
    )
    return response.status, await response.text()


async def signed_in(client: Client, username: str) -> str:
    """Sign in as `username` (signing out whoever was signed in); the CSRF token the signed-in
    page carries (signing in starts a fresh session with a fresh token)."""
    client.session.cookie_jar.clear()
    status, page = await sign_in(client, username)
    assert status == 200, page
    return csrf_token(page)


async def person_signed_in(
    client: Client, username: str = "ana", *, role: Role = Role.EDUCATOR
) -> str:
    """A new person here, signed in; the session's CSRF token."""
    await local_person(ctx_of(client), username, role=role)
    return await signed_in(client, username)


# -- an aiohttp session against a node on loopback -----------------------------------------


def browser_session(base_url: str | None = None) -> aiohttp.ClientSession:
    """A client that keeps cookies for 127.0.0.1 (aiohttp's default jar drops them for IPs)."""
    return aiohttp.ClientSession(base_url, cookie_jar=aiohttp.CookieJar(unsafe=True))


async def sign_in_session(http: aiohttp.ClientSession, base_url: str, username: str) -> str:
    """Sign `http` in as `username` through the form at `base_url` ("" for a session made with
    a base URL); the signed-in home page."""
    form = await (await http.get(f"{base_url}/sign-in")).text()
    response = await http.post(f"{base_url}/sign-in", data={
        "username": username, "password": PASSWORD, "_csrf": csrf_token(form), "next": "/",
    })  # fmt: skip
    page = await response.text()
    assert response.status == 200 and SIGNED_IN in page, f"{username} could not sign in"
    return page


async def signed_in_session(base_url: str, username: str | None) -> aiohttp.ClientSession:
    """A new session, signed in as `username` (anonymous for None). The caller closes it."""
    http = browser_session()
    if username:
        await sign_in_session(http, base_url, username)
    return http


# -- Playwright against a live node --------------------------------------------------------


def live_person(node: LiveNode, username: str, *, role: Role = Role.EDUCATOR) -> Account:
    """A new person on a node running in its own thread."""

    async def create() -> Account:
        return await local_person(node.ctx, username, role=role)

    created: Account = node.call(create())
    return created


def sign_in_page(page: Page, node: LiveNode, username: str) -> None:
    """Sign in through the form, as a person types it, and wait for the signed-in page."""
    from playwright.sync_api import expect

    page.goto(node.url + "/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".signed-in")).to_contain_text(f"@{username}@")
