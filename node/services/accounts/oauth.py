"""OAuth2 for API clients: register apps, authorize, issue, refresh and revoke tokens.

The grants are those of Mastodon 4.3 (interop brief §10.2): `authorization_code` (with PKCE
S256), `password` (toot's `login_cli`, Mastodon.py's `log_in(username, password)`),
`client_credentials` and `refresh_token`. The password grant signs in through
`accounts.authenticate`, so throttling and the unconfirmed/unapproved refusals are the web's.
Only hashes of secrets are stored; the clear values exist in one response each.

Also here: the Idempotency-Key bookkeeping of `POST /api/v1/statuses` (client API requests,
stored beside the tokens in node.storage.accounts.oauth).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from node.domain.accounts import Account
from node.domain.errors import ValidationFailed
from node.domain.oauth import (
    CODE_LIFETIME,
    Grant,
    IssuedToken,
    OAuthApp,
    OAuthError,
    RegisteredApp,
    TokenId,
    check_challenge,
    clean_app_name,
    clean_website,
    covers,
    invalid_client,
    invalid_grant,
    invalid_request,
    invalid_scope,
    parse_redirect_uris,
    parse_scopes,
    redirect_allowed,
    verifier_matches,
)
from node.domain.secrets import new_secret, secret_hash
from node.services.accounts import accounts
from node.storage.accounts import oauth as store
from node.storage.accounts.oauth import StoredCode
from node.storage.pool import Conn, Database

MAX_FIELD = 2000


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """A checked `GET /oauth/authorize`: what the consent page shows and its form sends back."""

    app: OAuthApp
    redirect_uri: str
    scopes: frozenset[str]
    state: str
    code_challenge: str | None


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """The fields of `POST /oauth/token` (RFC 6749 §4), whichever grant they are for."""

    grant_type: str
    client_id: str
    client_secret: str
    scope: str | None = None
    code: str = ""
    redirect_uri: str = ""
    code_verifier: str = ""
    username: str = ""
    password: str = ""
    refresh_token: str = ""


# -- Apps -----------------------------------------------------------------------------------


async def register_app(
    db: Database,
    name: str | None,
    redirect_uris: str | list[str] | None,
    scopes: str | list[str] | None,
    website: str | None,
) -> RegisteredApp:
    """`POST /api/v1/apps`: anyone may register a client, as on Mastodon."""
    clean_name = clean_app_name(name)
    uris = parse_redirect_uris(redirect_uris)
    wanted = parse_scopes(scopes)
    site = clean_website(website)
    secret = new_secret()
    async with db.transaction() as conn:
        app = await store.insert_app(
            conn, client_id=new_secret(), client_secret_hash=secret_hash(secret),
            name=clean_name, website=site, redirect_uris=uris, scopes=wanted,
        )  # fmt: skip
    return RegisteredApp(app, secret)


async def _app(db: Database, client_id: str) -> OAuthApp:
    if not client_id or len(client_id) > MAX_FIELD:
        raise invalid_client()
    async with db.connection() as conn:
        app = await store.get_app(conn, client_id)
    if app is None:
        raise invalid_client()
    return app


async def _authenticated_app(db: Database, client_id: str, client_secret: str) -> OAuthApp:
    if not client_id or not client_secret or len(client_id) + len(client_secret) > MAX_FIELD:
        raise invalid_client()
    async with db.connection() as conn:
        app = await store.get_app_with_secret(conn, client_id, secret_hash(client_secret))
    if app is None:
        raise invalid_client()
    return app


# -- Authorization code ---------------------------------------------------------------------


async def authorization_request(
    db: Database,
    *,
    client_id: str,
    redirect_uri: str | None,
    response_type: str | None,
    scope: str | None,
    state: str | None,
    code_challenge: str | None,
    code_challenge_method: str | None,
) -> AuthorizationRequest:
    """Check what a client asks for before anyone is shown a consent page."""
    app = await _app(db, client_id)
    target = redirect_allowed(app, redirect_uri)
    if (response_type or "code") != "code":
        raise OAuthError("unsupported_response_type", "only response_type=code is supported")
    scopes = parse_scopes(scope, default=app.scopes)
    if not covers(app.scopes, scopes):
        raise invalid_scope("the app did not register for all of these scopes")
    challenge = check_challenge(code_challenge, code_challenge_method)
    return AuthorizationRequest(app, target, scopes, (state or "")[:MAX_FIELD], challenge)


async def issue_code(db: Database, account: Account, request: AuthorizationRequest) -> str:
    """The person said yes: a one-time code for the client (ten minutes)."""
    code = new_secret()
    now = datetime.now(UTC)
    stored = StoredCode(request.app.id, account.id, request.redirect_uri, request.scopes,
                        request.code_challenge)  # fmt: skip
    async with db.transaction() as conn:
        await store.delete_expired_codes(conn, now)
        await store.insert_code(conn, secret_hash(code), stored, now + CODE_LIFETIME)
    return code


# -- Tokens ---------------------------------------------------------------------------------


async def issue_token(db: Database, request: TokenRequest, client_addr: str) -> IssuedToken:
    """`POST /oauth/token` for any of the four grants."""
    grants: dict[str, Callable[[Database, TokenRequest, str], Awaitable[IssuedToken]]] = {
        "authorization_code": _code_grant,
        "password": _password_grant,
        "client_credentials": _client_credentials_grant,
        "refresh_token": _refresh_grant,
    }
    handler = grants.get(request.grant_type)
    if handler is None:
        raise OAuthError("unsupported_grant_type", f"{request.grant_type[:40]!r} is not supported")
    return await handler(db, request, client_addr)


async def _code_grant(db: Database, request: TokenRequest, _addr: str) -> IssuedToken:
    if not request.code or len(request.code) > MAX_FIELD:
        raise invalid_request("code is required")
    # A public client (no secret) must have bound the code to itself with PKCE (RFC 7636).
    if request.client_secret:
        app = await _authenticated_app(db, request.client_id, request.client_secret)
    else:
        app = await _app(db, request.client_id)
    # Taken in a transaction of its own: a failed exchange still uses the code up, so a stolen
    # code cannot be tried again with other verifiers (RFC 6749 §4.1.2).
    async with db.transaction() as conn:
        code = await store.take_code(conn, secret_hash(request.code), app.id, datetime.now(UTC))
    if code is None:
        raise invalid_grant("the code is unknown, used or expired")
    if request.redirect_uri and request.redirect_uri != code.redirect_uri:
        raise invalid_grant("redirect_uri differs from the one the code was issued for")
    if code.code_challenge is None and not request.client_secret:
        raise invalid_client()
    if not verifier_matches(code.code_challenge, request.code_verifier):
        raise invalid_grant("code_verifier does not match the code_challenge")
    async with db.transaction() as conn:
        return await _new_token(conn, app, code.account_id, code.scopes, refresh=True)


async def _password_grant(db: Database, request: TokenRequest, client_addr: str) -> IssuedToken:
    app = await _authenticated_app(db, request.client_id, request.client_secret)
    scopes = _requested(app, request.scope)
    if not request.username or not request.password:
        raise invalid_request("username and password are required")
    username = await accounts.username_for_login(db, request.username[:320])
    try:
        account = await accounts.authenticate(db, username, request.password, client_addr)
    except ValidationFailed as refused:  # a wrong password, or AccountNotActive
        raise invalid_grant(refused.message) from None
    async with db.transaction() as conn:
        return await _new_token(conn, app, account.id, scopes, refresh=True)


async def _client_credentials_grant(db: Database, request: TokenRequest, _addr: str) -> IssuedToken:
    app = await _authenticated_app(db, request.client_id, request.client_secret)
    scopes = _requested(app, request.scope)
    async with db.transaction() as conn:
        return await _new_token(conn, app, None, scopes, refresh=False)


async def _refresh_grant(db: Database, request: TokenRequest, _addr: str) -> IssuedToken:
    app = await _authenticated_app(db, request.client_id, request.client_secret)
    if not request.refresh_token or len(request.refresh_token) > MAX_FIELD:
        raise invalid_request("refresh_token is required")
    async with db.transaction() as conn:
        old = await store.take_refresh(conn, secret_hash(request.refresh_token), app.id)
        if old is None:
            raise invalid_grant("the refresh token is unknown or was used")
        scopes = old.scopes
        if request.scope is not None:
            scopes = parse_scopes(request.scope)
            if not covers(old.scopes, scopes):
                raise invalid_scope("a refreshed token cannot have more scopes than before")
        return await _new_token(conn, app, old.account_id, scopes, refresh=True)


def _requested(app: OAuthApp, scope: str | None) -> frozenset[str]:
    scopes = parse_scopes(scope, default=app.scopes)
    if not covers(app.scopes, scopes):
        raise invalid_scope("the app did not register for all of these scopes")
    return scopes


async def _new_token(
    conn: Conn, app: OAuthApp, account_id: int | None, scopes: frozenset[str], *,
    refresh: bool,
) -> IssuedToken:  # fmt: skip
    access = new_secret()
    refresh_token = new_secret() if refresh else None
    created = await store.insert_token(
        conn, token_hash=secret_hash(access),
        refresh_hash=secret_hash(refresh_token) if refresh_token else None,
        app_id=app.id, account_id=account_id, scopes=scopes,
    )  # fmt: skip
    return IssuedToken(access, refresh_token, scopes, created)


async def revoke(db: Database, client_id: str, client_secret: str, token: str) -> None:
    """`POST /oauth/revoke` (RFC 7009): an unknown token is not an error."""
    app = await _authenticated_app(db, client_id, client_secret)
    if not token or len(token) > MAX_FIELD:
        raise invalid_request("token is required")
    async with db.transaction() as conn:
        await store.revoke(conn, secret_hash(token), app.id)


async def grant_for(db: Database, access_token: str) -> Grant | None:
    """What a bearer token may do, or None for an unknown or revoked token."""
    if not access_token or len(access_token) > MAX_FIELD:
        return None
    async with db.connection() as conn:
        return await store.grant_for_token(conn, secret_hash(access_token))


async def authorised_apps(db: Database, account: Account) -> list[Grant]:
    """The live tokens acting for this person (the settings page lists them)."""
    async with db.connection() as conn:
        return await store.grants_of_account(conn, account.id)


async def revoke_for_account(db: Database, account: Account, token_id: TokenId) -> bool:
    """The person revokes an app's token from the settings page: the API refuses it after."""
    async with db.transaction() as conn:
        return await store.revoke_token_of_account(conn, token_id, account.id)


# -- Idempotency-Key of POST /api/v1/statuses ------------------------------------------------


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    """`claimed`: write the post, then settle. Otherwise `post_id` is the earlier post (None
    while that earlier request is still writing it)."""

    claimed: bool
    post_id: int | None = None


async def claim_idempotency_key(db: Database, account: Account, key: str) -> IdempotencyClaim:
    async with db.transaction() as conn:
        if await store.claim_idempotency_key(conn, account.id, key):
            return IdempotencyClaim(claimed=True)
        return IdempotencyClaim(False, await store.post_of_idempotency_key(conn, account.id, key))


async def settle_idempotency_key(
    db: Database, account: Account, key: str, post_id: int | None
) -> None:
    async with db.transaction() as conn:
        await store.settle_idempotency_key(conn, account.id, key, post_id)
