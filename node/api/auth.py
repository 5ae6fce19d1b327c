"""Bearer tokens: who a request acts for and what it may do (Mastodon's rules).

No token on an endpoint that needs one, or an unknown or revoked token anywhere: 401. A token
without the scope the endpoint needs: 403. An app token (client_credentials) where a person is
needed: 422, as Mastodon answers. Public endpoints take an optional token: with one, its scope
is checked (Mastodon's `authorize_if_got_token!`) and it says who is looking.
"""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.api.errors import NEEDS_USER, forbidden, unauthorized, unprocessable
from node.domain.accounts import Account, AccountId
from node.domain.oauth import Grant, allows
from node.services.accounts import accounts, oauth

_BEARER = "bearer "


async def authenticate(request: web.Request) -> None:
    """Resolve the Authorization header, if any (401 when it names no live token)."""
    header = request.headers.get("Authorization")
    if header is None:
        return
    if not header[: len(_BEARER)].lower() == _BEARER:
        raise unauthorized()
    db = request.app[keys.DATABASE]
    grant = await oauth.grant_for(db, header[len(_BEARER) :].strip())
    if grant is None:
        raise unauthorized()
    request[keys.API_GRANT] = grant
    if grant.account_id is not None:
        account = await accounts.get_account(db, AccountId(grant.account_id))
        if account is None:
            raise unauthorized()
        request[keys.API_ACCOUNT] = account


def grant_of(request: web.Request) -> Grant | None:
    grant: Grant | None = request.get(keys.API_GRANT)
    return grant


def _check_scope(grant: Grant, scopes: tuple[str, ...]) -> None:
    if not any(allows(grant.scopes, scope) for scope in scopes):
        raise forbidden()


def user(request: web.Request, *scopes: str) -> Account:
    """The person the token acts for; the token must hold one of `scopes`."""
    grant = grant_of(request)
    if grant is None:
        raise unauthorized()
    _check_scope(grant, scopes)
    account: Account | None = request.get(keys.API_ACCOUNT)
    if account is None:
        raise unprocessable(NEEDS_USER)
    return account


def viewer(request: web.Request, *scopes: str) -> Account | None:
    """Who is looking at a public endpoint: the token's person, or None without a token."""
    grant = grant_of(request)
    if grant is None:
        return None
    _check_scope(grant, scopes)
    account: Account | None = request.get(keys.API_ACCOUNT)
    return account


def app(request: web.Request) -> Grant:
    """Any live token, a person's or an app's (`GET /api/v1/apps/verify_credentials`)."""
    grant = grant_of(request)
    if grant is None:
        raise unauthorized()
    return grant
