"""Signed-in browsers end server-side: sign-out, a password change or reset, the settings
page's "sign out" buttons; and apps revoked there lose the API. Two browsers are two test
clients of one node, each with its own cookie jar."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient

from node.services.accounts import accounts
from tests.api.helpers import PASSWORD, Client, bearer, ctx_of, make_user, password_token
from tests.support.html import csrf_token

COOKIE = "commonroom_session"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SIGNED_IN = "You are signed in as"


@pytest.fixture
async def other(client: Client) -> AsyncIterator[Client]:
    """A second browser on the same node: the same server, a cookie jar of its own."""
    browser: Client = TestClient(client.server)
    yield browser
    await browser.session.close()


async def _sign_in(browser: Client, user_agent: str | None = None) -> str:
    """Sign in as ana through the form; the CSRF token of the page that follows."""
    headers = {"User-Agent": user_agent} if user_agent else {}
    token = csrf_token(await (await browser.get("/sign-in", headers=headers)).text())
    response = await browser.post(
        "/sign-in",
        data={"username": "ana", "password": PASSWORD, "_csrf": token, "next": "/"},
        headers=headers,
    )
    page = await response.text()
    assert response.status == 200 and SIGNED_IN in page
    return csrf_token(page)


async def _is_signed_in(browser: Client, cookie: str | None = None) -> bool:
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    return SIGNED_IN in await (await browser.get("/", headers=headers)).text()


def _cookie_of(browser: Client) -> str:
    return browser.session.cookie_jar.filter_cookies(browser.make_url("/"))[COOKIE].value


async def _settings(browser: Client) -> str:
    response = await browser.get("/settings")
    assert response.status == 200
    return await response.text()


async def test_a_copied_cookie_stops_working_after_sign_out(client: Client, other: Client) -> None:
    await make_user(client, "ana")
    token = await _sign_in(client)
    copied = _cookie_of(client)
    assert await _is_signed_in(other, copied)  # the copy works while the session lives

    await client.post("/sign-out", data={"_csrf": token})

    assert not await _is_signed_in(other, copied)
    refused = await other.get(
        "/settings", headers={"Cookie": f"{COOKIE}={copied}"}, allow_redirects=False
    )
    assert refused.status == 303 and refused.headers["Location"].startswith("/sign-in")


async def test_changing_the_password_signs_out_the_other_browser_not_this_one(
    client: Client, other: Client
) -> None:
    await make_user(client, "ana")
    token = await _sign_in(client)
    await _sign_in(other)
    new = "a brand new password"
    response = await client.post(
        "/settings/password",
        data={"_csrf": token, "current_password": PASSWORD, "new_password": new,
              "confirm_password": new},
    )  # fmt: skip
    assert response.status == 200
    assert "Your password is changed" in await response.text()
    assert await _is_signed_in(client)
    assert not await _is_signed_in(other)
    assert await accounts.authenticate(ctx_of(client).db, "ana", new, "127.0.0.1")


async def test_a_wrong_current_password_changes_nothing(client: Client, other: Client) -> None:
    await make_user(client, "ana")
    token = await _sign_in(client)
    await _sign_in(other)
    response = await client.post(
        "/settings/password",
        data={"_csrf": token, "current_password": "not my password",
              "new_password": "a brand new password", "confirm_password": "a brand new password"},
    )  # fmt: skip
    assert response.status == 422
    assert "That is not your current password" in await response.text()
    assert await _is_signed_in(other)
    assert await accounts.authenticate(ctx_of(client).db, "ana", PASSWORD, "127.0.0.1")


async def test_a_password_reset_link_signs_out_every_browser(client: Client, other: Client) -> None:
    ana = await make_user(client, "ana")
    await _sign_in(other)
    link = await accounts.issue_password_link(ctx_of(client).db, ana.id)
    path = f"/set-password/{link.token}"
    token = csrf_token(await (await client.get(path)).text())
    new = "a brand new password"
    response = await client.post(path, data={"_csrf": token, "password": new, "confirm": new})
    assert response.status == 200
    assert not await _is_signed_in(other)
    assert await _is_signed_in(client)  # the link's user is signed in afresh


async def test_settings_lists_the_browsers_and_signs_out_everywhere_else(
    client: Client, other: Client
) -> None:
    await make_user(client, "ana")
    await _sign_in(other, FIREFOX)
    third: Client = TestClient(client.server)
    try:
        await _sign_in(third)
        await _sign_in(client)
        page = await _settings(client)
        assert "Firefox on Windows" in page
        assert page.count('action="/settings/sessions/') == 3  # two "sign out", one "everywhere"
        assert page.count("This browser") == 1

        response = await client.post(
            "/settings/sessions/end-others", data={"_csrf": csrf_token(page)}
        )
        assert "You are signed out everywhere else" in await response.text()
        assert not await _is_signed_in(other) and not await _is_signed_in(third)
        assert await _is_signed_in(client)
        assert "Firefox on Windows" not in await _settings(client)
    finally:
        await third.session.close()


async def test_one_browser_can_be_signed_out_from_the_list(client: Client, other: Client) -> None:
    await make_user(client, "ana")
    await _sign_in(other, FIREFOX)
    await _sign_in(client)
    page = await _settings(client)
    ends = re.findall(r'action="(/settings/sessions/\d+/end)"', page)
    assert len(ends) == 1  # only the other browser: this one signs out from the menu
    await client.post(ends[0], data={"_csrf": csrf_token(page)})
    assert not await _is_signed_in(other)
    assert await _is_signed_in(client)


async def test_ending_sessions_needs_the_forms_csrf_token(client: Client, other: Client) -> None:
    await make_user(client, "ana")
    await _sign_in(other)
    await _sign_in(client)
    response = await client.post("/settings/sessions/end-others", data={})
    assert response.status == 403
    assert await _is_signed_in(other)


async def test_revoking_an_app_on_the_settings_page_makes_the_api_refuse_its_token(
    client: Client,
) -> None:
    await make_user(client, "ana")
    access = await password_token(client, "ana", "read write")
    me = "/api/v1/accounts/verify_credentials"
    assert (await client.get(me, headers=bearer(access))).status == 200
    await _sign_in(client)
    page = await _settings(client)
    assert "Test client" in page and "read, write" in page
    revoke = re.findall(r'action="(/settings/apps/\d+/revoke)"', page)
    assert len(revoke) == 1

    response = await client.post(revoke[0], data={"_csrf": csrf_token(page)})
    assert "The app can no longer use your account" in await response.text()
    assert (await client.get(me, headers=bearer(access))).status == 401
    assert "Test client" not in await _settings(client)
