"""OAuth2 for API clients: apps, the four grants, PKCE, consent, refresh, revoke, metadata."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

from node.domain.oauth import challenge_of
from node.storage.accounts.signup import mark_signed_up
from tests.api.helpers import (
    ALL_SCOPES,
    PASSWORD,
    Client,
    bearer,
    consent_fields,
    ctx_of,
    make_user,
    password_token,
    register_app,
    sign_in_web,
)
from tests.support.html import csrf_token

VERIFIER = "a-long-random-verifier-string-of-at-least-43-characters-0123456789"
IVORY = "com.tapbots.Ivory.10217:/request_token"


async def _token(client: Client, **fields: str) -> tuple[int, dict[str, Any]]:
    response = await client.post("/oauth/token", data=fields)
    return response.status, await response.json()


async def test_apps_register_from_a_form_or_json_with_oob_and_custom_scheme_uris(
    client: Client,
) -> None:
    form = await client.post(
        "/api/v1/apps",
        data={
            "client_name": "Ivory",
            "redirect_uris": f"urn:ietf:wg:oauth:2.0:oob\n{IVORY}",
            "scopes": "read write:statuses",
            "website": "https://tapbots.com/ivory",
        },
    )
    assert form.status == 200
    app = await form.json()
    assert app["name"] == "Ivory"
    assert app["redirect_uris"] == ["urn:ietf:wg:oauth:2.0:oob", IVORY]
    assert app["redirect_uri"] == f"urn:ietf:wg:oauth:2.0:oob\n{IVORY}"
    assert app["scopes"] == ["read", "write:statuses"]
    assert app["client_secret_expires_at"] == 0
    assert isinstance(app["id"], str) and app["client_id"] and app["client_secret"]

    as_json = await client.post(
        "/api/v1/apps",
        json={
            "client_name": "toot",
            "redirect_uris": [IVORY, "https://app.example/cb"],
            "scopes": "read write follow",
        },
    )
    assert as_json.status == 200
    assert (await as_json.json())["redirect_uris"] == [IVORY, "https://app.example/cb"]
    assert as_json.headers["Access-Control-Allow-Origin"] == "*"


async def test_bad_registrations_get_422_in_mastodons_shape(client: Client) -> None:
    for fields in (
        {"redirect_uris": "urn:ietf:wg:oauth:2.0:oob"},  # no name
        {"client_name": "x"},  # no redirect URI
        {"client_name": "x", "redirect_uris": "javascript:alert(1)"},
        {"client_name": "x", "redirect_uris": "https://app.example/#frag"},
        {"client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "root"},
    ):
        response = await client.post("/api/v1/apps", data=fields)
        assert response.status == 422, fields
        assert "error" in await response.json()


async def test_password_grant_by_username_or_email_gives_a_bearer_token(client: Client) -> None:
    await make_user(client, "ana")
    app = await register_app(client)
    for login in ("ana", "ana@district.example"):
        status, body = await _token(
            client,
            grant_type="password",
            client_id=app["client_id"],
            client_secret=app["client_secret"],
            username=login,
            password=PASSWORD,
            scope="read write",
        )
        assert status == 200, body
        assert body["token_type"] == "Bearer"
        assert body["scope"] == "read write"
        assert isinstance(body["created_at"], int)
        assert body["access_token"] and body["refresh_token"]
        me = await client.get("/oauth/userinfo", headers=bearer(body["access_token"]))
        assert (await me.json())["preferred_username"] == "ana"


async def test_password_grant_is_throttled_like_the_sign_in_form(client: Client) -> None:
    await make_user(client, "ana")
    app = await register_app(client)
    fields = {
        "grant_type": "password",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "username": "ana",
    }
    for _ in range(5):
        status, body = await _token(client, **fields, password="wrong password!")
        assert status == 400 and body["error"] == "invalid_grant"
    response = await client.post("/oauth/token", data={**fields, "password": PASSWORD})
    assert response.status == 429, "even the right password waits out the throttle"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert response.headers["X-RateLimit-Limit"] == "5"
    assert response.headers["X-RateLimit-Reset"].endswith("Z")
    assert int(response.headers["Retry-After"]) > 0
    assert (await response.json())["error"]


async def test_password_grant_refuses_an_unconfirmed_account(client: Client) -> None:
    account = await make_user(client, "new")
    async with ctx_of(client).db.transaction() as conn:
        await mark_signed_up(conn, account.id, needs_approval=False)
    app = await register_app(client)
    status, body = await _token(
        client,
        grant_type="password",
        client_id=app["client_id"],
        client_secret=app["client_secret"],
        username="new",
        password=PASSWORD,
    )
    assert status == 400 and body["error"] == "invalid_grant"
    assert "confirm" in body["error_description"].lower()


async def test_password_grant_needs_the_apps_secret(client: Client) -> None:
    await make_user(client, "ana")
    app = await register_app(client)
    status, body = await _token(
        client,
        grant_type="password",
        client_id=app["client_id"],
        client_secret="nope",
        username="ana",
        password=PASSWORD,
    )
    assert status == 401 and body["error"] == "invalid_client"


async def test_scopes_beyond_the_apps_are_refused(client: Client) -> None:
    await make_user(client, "ana")
    app = await register_app(client, scopes="read")
    status, body = await _token(
        client,
        grant_type="password",
        client_id=app["client_id"],
        client_secret=app["client_secret"],
        username="ana",
        password=PASSWORD,
        scope="read write",
    )
    assert status == 400 and body["error"] == "invalid_scope"
    granular = await password_token(client, "ana", scopes="read:statuses", app=app)
    assert granular, "a granular scope under a registered parent is fine"


async def test_authorization_code_flow_with_pkce_through_the_consent_page(client: Client) -> None:
    await make_user(client, "ana")
    app = await register_app(client, redirect_uris=IVORY)
    query = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": IVORY,
        "scope": "read write",
        "state": "xyz",
        "code_challenge": challenge_of(VERIFIER),
        "code_challenge_method": "S256",
    }
    anonymous = await client.get("/oauth/authorize", params=query, allow_redirects=False)
    assert anonymous.status == 303
    back = parse_qs(urlsplit(anonymous.headers["Location"]).query)["next"][0]
    assert back.startswith("/oauth/authorize?") and "state=xyz" in back

    await sign_in_web(client, "ana")
    page = await client.get("/oauth/authorize", params=query)
    assert page.status == 200
    assert page.headers["X-Frame-Options"] == "DENY"
    html = await page.text()
    assert "Test client" in html and "@ana" in html
    answer = await client.post(
        "/oauth/authorize",
        data={**consent_fields(html), "decision": "approve"},
        allow_redirects=False,
    )
    assert answer.status == 302
    location = answer.headers["Location"]
    assert location.startswith(IVORY + "?code=") and location.endswith("&state=xyz")
    code = location.split("code=")[1].split("&")[0]

    exchange = {
        "grant_type": "authorization_code",
        "client_id": app["client_id"],
        "redirect_uri": IVORY,
        "code": code,
    }
    status, body = await _token(client, **exchange, code_verifier="x" * 43)
    assert status == 400 and body["error"] == "invalid_grant", "a wrong verifier is refused"
    # The failed attempt used the code up (RFC 6749 §4.1.2: a code works at most once).
    status, body = await _token(client, **exchange, code_verifier=VERIFIER)
    assert status == 400


async def _approved_code(client: Client, app: dict[str, Any], challenge: str | None) -> str:
    """The code a signed-in person's approval on the consent page sends back to the app."""
    query = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": IVORY,
        "scope": "read",
    }
    if challenge:
        query |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    html = await (await client.get("/oauth/authorize", params=query)).text()
    answer = await client.post(
        "/oauth/authorize",
        allow_redirects=False,
        data={**consent_fields(html), "decision": "approve"},
    )
    return answer.headers["Location"].split("code=")[1].split("&")[0]


async def test_code_exchange_for_a_public_pkce_client_and_a_confidential_one(
    client: Client,
) -> None:
    await make_user(client, "ana")
    await sign_in_web(client, "ana")
    app = await register_app(client, redirect_uris=IVORY)
    grant = {"grant_type": "authorization_code", "client_id": app["client_id"],
             "redirect_uri": IVORY}  # fmt: skip

    public = await _approved_code(client, app, challenge_of(VERIFIER))
    status, body = await _token(client, **grant, code=public, code_verifier=VERIFIER)
    assert status == 200, body
    assert body["scope"] == "read"

    confidential = await _approved_code(client, app, None)
    status, body = await _token(client, **grant, code=confidential)
    assert status == 401, "without PKCE the client must prove itself with its secret"
    again = await _approved_code(client, app, None)
    status, body = await _token(client, **grant, client_secret=app["client_secret"], code=again)
    assert status == 200, body


async def test_oob_shows_the_code_and_deny_sends_access_denied(client: Client) -> None:
    await make_user(client, "ana")
    await sign_in_web(client, "ana")
    oob = await register_app(client)
    query = {
        "response_type": "code",
        "client_id": oob["client_id"],
        "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
        "scope": "read",
    }
    html = await (await client.get("/oauth/authorize", params=query)).text()
    shown = await client.post(
        "/oauth/authorize", data={**consent_fields(html), "decision": "approve"}
    )
    page = await shown.text()
    assert 'id="authorization-code"' in page

    app = await register_app(client, redirect_uris="https://app.example/cb?x=1")
    query |= {
        "client_id": app["client_id"],
        "redirect_uri": "https://app.example/cb?x=1",
        "state": "s1",
    }
    html = await (await client.get("/oauth/authorize", params=query)).text()
    denied = await client.post(
        "/oauth/authorize", allow_redirects=False, data={**consent_fields(html), "decision": "deny"}
    )
    assert denied.headers["Location"] == "https://app.example/cb?x=1&error=access_denied&state=s1"


async def test_consent_needs_its_csrf_token_and_a_registered_redirect(client: Client) -> None:
    await make_user(client, "ana")
    await sign_in_web(client, "ana")
    app = await register_app(client)
    query = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
        "scope": "read",
    }
    html = await (await client.get("/oauth/authorize", params=query)).text()
    forged = {**consent_fields(html), "consent_token": "forged", "decision": "approve"}
    assert (await client.post("/oauth/authorize", data=forged)).status == 403

    elsewhere = await client.get(
        "/oauth/authorize",
        allow_redirects=False,
        params={**query, "redirect_uri": "https://evil.example/"},
    )
    assert elsewhere.status == 400, "an unregistered redirect URI gets an error page, no redirect"
    unknown = await client.get("/oauth/authorize", params={**query, "client_id": "nope"})
    assert unknown.status == 400


async def test_client_credentials_give_an_app_token_that_cannot_act_as_a_person(
    client: Client,
) -> None:
    app = await register_app(client, scopes="read write")
    status, body = await _token(
        client,
        grant_type="client_credentials",
        client_id=app["client_id"],
        client_secret=app["client_secret"],
        scope="read",
    )
    assert status == 200 and "refresh_token" not in body
    verified = await client.get(
        "/api/v1/apps/verify_credentials", headers=bearer(body["access_token"])
    )
    assert verified.status == 200
    assert (await verified.json())["name"] == "Test client"
    person = await client.get("/oauth/userinfo", headers=bearer(body["access_token"]))
    assert person.status == 422, "an app token acts for no one"
    assert (await person.json())["error"] == "This method requires an authenticated user"


async def test_refresh_rotates_the_pair_and_revoke_ends_a_token(client: Client) -> None:
    await make_user(client, "ana")
    app = await register_app(client)
    login = {
        "grant_type": "password",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "username": "ana",
        "password": PASSWORD,
        "scope": ALL_SCOPES,
    }
    _, first = await _token(client, **login)
    refresh = {
        "grant_type": "refresh_token",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "refresh_token": first["refresh_token"],
    }
    status, second = await _token(client, **refresh)
    assert status == 200 and second["access_token"] != first["access_token"]
    old = await client.get("/api/v1/apps/verify_credentials", headers=bearer(first["access_token"]))
    assert old.status == 401, "the refreshed token's predecessor is revoked"
    status, _ = await _token(client, **refresh)
    assert status == 400, "a refresh token works once"

    revoked = await client.post(
        "/oauth/revoke",
        data={
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "token": second["access_token"],
        },
    )
    assert revoked.status == 200
    after = await client.get(
        "/api/v1/apps/verify_credentials", headers=bearer(second["access_token"])
    )
    assert after.status == 401
    assert (await after.json())["error"] == "The access token is invalid"


async def test_tokens_codes_and_secrets_are_stored_only_as_hashes(client: Client) -> None:
    await make_user(client, "ana")
    app = await register_app(client)
    token = await password_token(client, "ana", app=app)
    async with ctx_of(client).db.connection() as conn:
        dump = str(await conn.fetch("SELECT * FROM oauth_tokens")) + str(
            await conn.fetch("SELECT * FROM oauth_apps")
        )
        stored = await conn.fetchval(
            "SELECT count(*) FROM oauth_tokens WHERE token_hash = $1",
            hashlib.sha256(token.encode()).digest(),
        )
    assert token not in dump and app["client_secret"] not in dump
    assert stored == 1


async def test_bad_bearer_tokens_get_401_and_basic_client_auth_works(client: Client) -> None:
    for header in ("Bearer nope", "Token abc", "Bearer "):
        response = await client.get(
            "/api/v1/apps/verify_credentials", headers={"Authorization": header}
        )
        assert response.status == 401
        assert (await response.json()) == {"error": "The access token is invalid"}
    app = await register_app(client, scopes="read")
    basic = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={
            "Authorization": "Basic "
            + base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
        },
    )
    assert basic.status == 200


async def test_authorization_server_metadata(client: Client) -> None:
    response = await client.get("/.well-known/oauth-authorization-server")
    meta = await response.json()
    base = str(client.make_url("")).rstrip("/")
    assert meta["token_endpoint"] == f"{base}/oauth/token"
    assert meta["authorization_endpoint"] == f"{base}/oauth/authorize"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert set(meta["grant_types_supported"]) == {
        "authorization_code",
        "password",
        "client_credentials",
        "refresh_token",
    }
    assert "read:statuses" in meta["scopes_supported"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_signing_in_from_the_authorize_page_comes_back_to_it(client: Client) -> None:
    await make_user(client, "ana")
    app = await register_app(client)
    query = {
        "response_type": "code",
        "client_id": app["client_id"],
        "scope": "read",
        "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
    }
    to_sign_in = await client.get("/oauth/authorize/", params=query)
    page = await to_sign_in.text()
    assert "Sign in" in page, "the trailing-slash path (toot's) leads to the same sign-in"
    back = parse_qs(urlsplit(str(to_sign_in.url)).query)["next"][0]
    signed_in = await client.post(
        "/sign-in",
        data={"username": "ana", "password": PASSWORD, "_csrf": csrf_token(page), "next": back},
    )
    assert signed_in.status == 200
    assert "Let <span" in await signed_in.text(), "the consent page, after signing in"
