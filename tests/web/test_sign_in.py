"""Signing in and out through the real forms, over real HTTP, against a real database."""

from __future__ import annotations

from node.services.accounts import accounts
from node.settings import Settings
from tests.support.html import csrf_token
from tests.support.people import PASSWORD, local_person
from tests.support.web import Client, ctx_of, sign_in


async def test_signing_in_shows_the_signed_in_home_page(client: Client, settings: Settings) -> None:
    await local_person(ctx_of(client), "ana")
    status, page = await sign_in(client, "ana", PASSWORD)
    assert status == 200
    assert "You are signed in as" in page
    assert f"@ana@{settings.public_host}" in page
    assert 'action="/sign-out"' in page


async def test_wrong_password_shows_an_error_and_keeps_you_signed_out(client: Client) -> None:
    await local_person(ctx_of(client), "ana")
    status, page = await sign_in(client, "ana", "not the password")
    assert status == 401
    assert 'role="alert"' in page
    assert "do not match" in page
    home = await (await client.get("/")).text()
    assert "Sign in" in home and "You are signed in" not in home


async def test_sign_in_without_a_csrf_token_is_refused(client: Client) -> None:
    await local_person(ctx_of(client), "ana")
    response = await client.post("/sign-in", data={"username": "ana", "password": PASSWORD})
    assert response.status == 403
    assert "This form has expired" in await response.text()
    home = await (await client.get("/")).text()
    assert "You are signed in" not in home


async def test_a_token_from_another_session_is_refused(client: Client) -> None:
    await local_person(ctx_of(client), "ana")
    stolen = csrf_token(await (await client.get("/sign-in")).text())
    client.session.cookie_jar.clear()
    await client.get("/sign-in")
    response = await client.post(
        "/sign-in", data={"username": "ana", "password": PASSWORD, "_csrf": stolen}
    )
    assert response.status == 403


async def test_repeated_wrong_passwords_get_429_with_retry_after(client: Client) -> None:
    await local_person(ctx_of(client), "ana")
    statuses = [(await sign_in(client, "ana", f"guess {n}"))[0] for n in range(6)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    form = await client.get("/sign-in")
    response = await client.post(
        "/sign-in",
        data={"username": "ana", "password": PASSWORD, "_csrf": csrf_token(await form.text())},
    )
    assert response.status == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many attempts" in await response.text()


async def test_sign_out_ends_the_session(client: Client) -> None:
    await local_person(ctx_of(client), "ana")
    _, page = await sign_in(client, "ana", PASSWORD)
    response = await client.post("/sign-out", data={"_csrf": csrf_token(page)})
    assert response.status == 200
    home = await (await client.get("/")).text()
    assert "You are signed in" not in home


async def test_sign_in_never_redirects_off_site(client: Client) -> None:
    await local_person(ctx_of(client), "ana")
    form = await client.get("/sign-in")
    response = await client.post(
        "/sign-in",
        data={
            "username": "ana",
            "password": PASSWORD,
            "_csrf": csrf_token(await form.text()),
            "next": "//evil.example/phish",
        },
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/"


async def test_set_password_link_sets_the_password_once_and_signs_in(
    client: Client, settings: Settings
) -> None:
    link = await accounts.ensure_first_admin(ctx_of(client).db, settings.public_host)
    assert link is not None
    page = await (await client.get(f"/set-password/{link.token}")).text()
    assert "Choose a password for @admin" in page
    mismatch = await client.post(
        f"/set-password/{link.token}",
        data={"password": PASSWORD, "confirm": "something else", "_csrf": csrf_token(page)},
    )
    assert mismatch.status == 422
    done = await client.post(
        f"/set-password/{link.token}",
        data={"password": PASSWORD, "confirm": PASSWORD, "_csrf": csrf_token(page)},
    )
    assert "You are signed in as" in await done.text()
    again = await client.get(f"/set-password/{link.token}")
    assert again.status == 410
